/**
 * The event EventBridge puts on the default bus for a CloudTrail record: `source` from the event source
 * (`s3.amazonaws.com` -> `aws.s3`), `detail-type` from the event type, the record itself as `detail`.
 */
export interface EventBridgeEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

/** The detail-type EventBridge gives each CloudTrail event type it delivers. */
export const DETAIL_TYPES: Readonly<Record<string, string>> = {
  AwsApiCall: 'AWS API Call via CloudTrail',
  AwsConsoleSignIn: 'AWS Console Sign In via CloudTrail',
  AwsConsoleAction: 'AWS Console Action via CloudTrail',
  AwsServiceEvent: 'AWS Service Event via CloudTrail',
};

/** Why a record cannot become an envelope (a field EventBridge needs is missing). */
export interface EnvelopeProblem {
  readonly reason: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** `s3.amazonaws.com` -> `aws.s3`. */
export function sourceOf(eventSource: string): string {
  return `aws.${eventSource.replace(/\.amazonaws\.com$/, '')}`;
}

/** Builds the envelope of one CloudTrail record, or says why EventBridge would not deliver it. */
export function toEnvelope(record: Record<string, unknown>): EventBridgeEnvelope | EnvelopeProblem {
  const eventSource = text(record.eventSource);
  if (eventSource === undefined) return { reason: 'the record has no eventSource' };
  const eventType = text(record.eventType) ?? 'AwsApiCall';
  const detailType = DETAIL_TYPES[eventType];
  if (detailType === undefined) return { reason: `CloudTrail does not send ${eventType} events to EventBridge` };
  const region = text(record.awsRegion);
  if (region === undefined) return { reason: 'the record has no awsRegion' };
  const identity = record.userIdentity as { accountId?: unknown } | null | undefined;
  const account = text(record.recipientAccountId) ?? text(identity?.accountId);
  if (account === undefined) return { reason: 'the record has neither recipientAccountId nor userIdentity.accountId' };
  return {
    version: '0',
    id: text(record.eventID) ?? '00000000-0000-0000-0000-000000000000',
    'detail-type': detailType,
    source: sourceOf(eventSource),
    account,
    time: text(record.eventTime) ?? '',
    region,
    resources: [],
    detail: record,
  };
}
