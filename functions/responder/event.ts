/**
 * The responder's input: what an EventBridge rule target delivers. The stacks use an input
 * transformer `{"rule": <aws.events.rule-name>, "event": <aws.events.event.json>}`; a bare
 * EventBridge envelope is accepted too (the rule is then unknown). Pure: no I/O.
 */

export type Json = Record<string, unknown>;

/** A CloudTrail record, as EventBridge puts it in `detail`. */
export interface CloudTrailRecord extends Json {
  readonly eventSource: string;
  readonly eventName: string;
}

export interface ResponderEvent {
  /** The rule that delivered the event; undefined for a bare envelope. */
  readonly rule?: string;
  /** EventBridge event id, or the CloudTrail eventID when the envelope has none. */
  readonly id: string;
  readonly account: string;
  readonly region: string;
  /** ISO time of the API call. */
  readonly time: string;
  readonly record: CloudTrailRecord;
}

export type ParsedEvent = { readonly ok: true; readonly event: ResponderEvent } | { readonly ok: false; readonly reason: string; readonly eventId?: string };

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

const ACCOUNT_ID = /^\d{12}$/;
/**
 * The shape of a region name (`us-east-1`, `us-gov-west-1`, `us-isob-east-1`, `eusc-de-east-1`):
 * lower-case words and digits joined by `-`. Loose on purpose, so a new region is never refused;
 * what it keeps out is a value with `/`, spaces or upper case, which names no region.
 */
const REGION_NAME = /^[a-z0-9]+(-[a-z0-9]+)+$/;

/** The first field that holds a non-empty string, and its name. */
function firstOf(fields: readonly (readonly [string, unknown])[]): { field: string; value: string } | undefined {
  for (const [field, value] of fields) {
    const found = text(value);
    if (found) return { field, value: found };
  }
  return undefined;
}

/** Reads the input of one invocation; anything the responder cannot use is refused with the reason. */
export function parseEvent(received: unknown): ParsedEvent {
  // A message of the failure queue from Lambda (a function error after its retries) is an on-failure
  // destination record around the input: so the body of such a message can be replayed as it is.
  const input = isObject(received) && isObject(received.requestContext) && 'requestPayload' in received ? received.requestPayload : received;
  if (!isObject(input)) return { ok: false, reason: 'the input is not a JSON object' };
  const wrapped = isObject(input.event) && 'rule' in input;
  const envelope = wrapped ? (input.event as Json) : input;
  const rule = wrapped ? text(input.rule) : undefined;
  const detail = envelope.detail;
  const eventId = text(envelope.id) ?? (isObject(detail) ? text(detail.eventID) : undefined);
  if (!isObject(detail)) return { ok: false, reason: 'the event has no detail object (expected the CloudTrail record)', eventId };
  // Only AWS puts events with an aws.* source (PutEvents refuses them); one of another source with a
  // CloudTrail detail-type is anybody's, and a rule without a source pattern (console sign-in use
  // cases, custom rules) would deliver it. An envelope always has a source; an input without one is
  // not an EventBridge event and is judged by its other fields.
  if ('source' in envelope && !(typeof envelope.source === 'string' && envelope.source.startsWith('aws.'))) {
    return { ok: false, reason: `source: ${JSON.stringify(envelope.source)} is not an AWS service (aws.*): only AWS delivers CloudTrail events, any principal with events:PutEvents can send this one`, eventId };
  }
  const eventSource = text(detail.eventSource);
  const eventName = text(detail.eventName);
  if (!eventSource || !eventName) return { ok: false, reason: 'detail.eventSource or detail.eventName is missing', eventId };
  const identity = isObject(detail.userIdentity) ? detail.userIdentity : {};
  // The account picks the source role and the ExpectedBucketOwner and, with the region, the clients
  // and the evidence key: a value that is not one is refused, naming the field it came from.
  const account = firstOf([['account', envelope.account], ['detail.recipientAccountId', detail.recipientAccountId], ['detail.userIdentity.accountId', identity.accountId]]);
  const region = firstOf([['region', envelope.region], ['detail.awsRegion', detail.awsRegion]]);
  if (!account) return { ok: false, reason: 'the event names no account (account, detail.recipientAccountId, detail.userIdentity.accountId)', eventId };
  if (!ACCOUNT_ID.test(account.value)) return { ok: false, reason: `${account.field}: ${JSON.stringify(account.value)} is not a 12-digit AWS account id`, eventId };
  if (!region) return { ok: false, reason: 'the event names no region (region, detail.awsRegion)', eventId };
  if (!REGION_NAME.test(region.value)) return { ok: false, reason: `${region.field}: ${JSON.stringify(region.value)} is not an AWS region name`, eventId };
  const time = normalizeTime(text(detail.eventTime) ?? text(envelope.time));
  if (!time) return { ok: false, reason: 'the event has no valid eventTime', eventId };
  return {
    ok: true,
    event: { rule, id: eventId ?? `${account.value}-${time}`, account: account.value, region: region.value, time, record: { ...detail, eventSource, eventName } },
  };
}

/** CloudTrail writes `2019-01-01T00:00:00Z`; some exports write `2024-12-16 18:41:07.000000000`. */
function normalizeTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(/^\d{4}-\d\d-\d\d \d/.test(value) ? `${value.replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1')}Z` : value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The request parameters of the record (an empty object when CloudTrail logged none). */
export const requestParameters = (event: ResponderEvent): Json => (isObject(event.record.requestParameters) ? event.record.requestParameters : {});
export const responseElements = (event: ResponderEvent): Json => (isObject(event.record.responseElements) ? event.record.responseElements : {});

/** Who made the call: the principal ARN and, for an assumed role, the role and session. */
export interface Principal {
  readonly type: string;
  readonly arn?: string;
  readonly roleArn?: string;
  readonly sessionName?: string;
}

export function principalOf(event: ResponderEvent): Principal {
  const identity = isObject(event.record.userIdentity) ? event.record.userIdentity : {};
  const type = text(identity.type) ?? 'Unknown';
  const arn = text(identity.arn);
  const context = isObject(identity.sessionContext) ? identity.sessionContext : {};
  const issuer = isObject(context.sessionIssuer) ? context.sessionIssuer : {};
  const assumed = arn ? /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn) : null;
  const roleArn = text(issuer.arn) ?? (assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : undefined);
  return { type, arn, roleArn: type === 'AssumedRole' ? roleArn : undefined, sessionName: assumed?.[4] };
}

/**
 * A role ARN reduced to what identifies the role in every form CloudTrail writes it: partition,
 * account and role name (an assumed-role ARN carries no path, the sessionIssuer ARN does).
 */
export function roleKey(arn: string): string | undefined {
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (role) return `${role[1]}:${role[2]}:${role[3]}`;
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return assumed ? `${assumed[1]}:${assumed[2]}:${assumed[3]}` : undefined;
}

/** The reason the event is the responder's own doing, or undefined when it is not. */
export function selfCaused(event: ResponderEvent, selfRoleArns: readonly string[]): string | undefined {
  const own = new Set(selfRoleArns.map(roleKey).filter((key): key is string => key !== undefined));
  const principal = principalOf(event);
  for (const candidate of [principal.arn, principal.roleArn]) {
    const key = candidate ? roleKey(candidate) : undefined;
    if (key && own.has(key)) return `the call was made by the responder itself (${candidate}); its own calls never trigger a response`;
  }
  return undefined;
}
