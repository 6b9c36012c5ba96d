/**
 * One CloudTrail record -> one Dynatrace log event (Log Ingest API v2 JSON), serialized.
 *
 * Attribute names follow Dynatrace's own S3 log forwarder, so its CloudTrail views and queries
 * work on these events. Pure: the time comes in as `now`.
 */
import { DecodedRecord } from './record-decoder';
import { Limits, RulesDocument } from './rules-schema';

/** Dynatrace rejects events older than 24 hours; a margin leaves time for retries. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000 - 15 * 60 * 1000;
export const TRUNCATION_MARKER = ' [TRUNCATED by trailbridge]';
const MARKER_BYTES = Buffer.byteLength(TRUNCATION_MARKER);

/** Attributes of our own, beside the Dynatrace-compatible ones. */
export const ATTR_RECORD_INDEX = 'trailbridge.record_index';
export const ATTR_ORIGINAL_TIMESTAMP = 'trailbridge.original_timestamp';
export const ATTR_TRUNCATED = 'trailbridge.truncated';
export const ATTR_RECORD_PROBLEM = 'trailbridge.record_problem';
export const ATTR_KEY_NAME = 'log.source.aws.s3.key.name';
export const ATTR_BUCKET_NAME = 'log.source.aws.s3.bucket.name';

/** What the formatter knows about the file a record came from. */
export interface FileContext {
  /** '' for a local file. */
  readonly bucket: string;
  readonly key: string;
  /** From the AWSLogs/ path segments; the record's recipientAccountId / awsRegion otherwise. */
  readonly accountId?: string;
  readonly region?: string;
  readonly organizationId?: string;
  /** The function ARN (Lambda) or a CLI name: `cloud.log_forwarder`. */
  readonly forwarder: string;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface FormatOptions {
  readonly limits: Limits;
  readonly staleRecords: RulesDocument['staleRecords'];
  /** Epoch ms. */
  readonly now: number;
}

export type FormatResult =
  | { readonly kind: 'event'; readonly json: string; readonly bytes: number; readonly truncated: boolean; readonly restamped: boolean }
  | { readonly kind: 'drop'; readonly reason: 'stale' };

export function formatRecord(record: DecodedRecord, index: number, file: FileContext, opts: FormatOptions): FormatResult {
  const r = record.value;
  const event: Record<string, string | undefined> = {};
  const maxValue = opts.limits.maxAttributeValueBytes;
  const attr = (key: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    event[key] = limitBytes(typeof value === 'string' ? value : String(value), maxValue);
  };

  const { content, truncated } = limitContent(record.text, opts.limits.maxContentBytes);
  event.content = content;

  let restamped = false;
  const eventTime = r && typeof r.eventTime === 'string' ? r.eventTime : undefined;
  if (eventTime !== undefined) {
    const t = Date.parse(eventTime);
    if (Number.isNaN(t)) {
      // Unparseable: let Dynatrace stamp it on arrival, keep the original for reference.
      attr(ATTR_ORIGINAL_TIMESTAMP, eventTime);
    } else if (opts.now - t > STALE_AFTER_MS) {
      if (opts.staleRecords === 'drop') return { kind: 'drop', reason: 'stale' };
      event.timestamp = new Date(opts.now).toISOString();
      attr(ATTR_ORIGINAL_TIMESTAMP, eventTime);
      restamped = true;
    } else {
      event.timestamp = eventTime;
    }
  }

  const identity = r && isObject(r.userIdentity) ? r.userIdentity : undefined;
  const errorCode = r && r.errorCode !== undefined && r.errorCode !== null && r.errorCode !== '' ? String(r.errorCode) : undefined;

  attr('severity', record.problem && !r ? 'WARN' : errorCode ? 'ERROR' : 'INFO');
  attr('cloud.provider', 'aws');
  attr('aws.service', 'cloudtrail');
  attr('aws.account.id', file.accountId ?? r?.recipientAccountId);
  attr('aws.region', file.region ?? r?.awsRegion);
  attr('aws.organization.id', file.organizationId);
  if (r) {
    attr('audit.event_source', r.eventSource);
    attr('audit.action', r.eventName);
    if (typeof r.readOnly === 'boolean') attr('audit.read_only', String(r.readOnly));
    attr('audit.identity_type', identity?.type);
    attr('audit.identity', identity ? (identity.arn ?? identity.invokedBy ?? identity.principalId ?? identity.accountId) : undefined);
    attr('audit.result', errorCode ? `Failed.${errorCode}` : 'Succeeded');
  }
  attr(ATTR_BUCKET_NAME, file.bucket);
  attr(ATTR_KEY_NAME, file.key);
  attr(ATTR_RECORD_INDEX, index);
  attr('cloud.log_forwarder', file.forwarder);
  if (truncated) attr(ATTR_TRUNCATED, 'true');
  attr(ATTR_RECORD_PROBLEM, record.problem);
  for (const [k, v] of Object.entries(file.annotations)) attr(k, v);

  const json = JSON.stringify(event);
  return { kind: 'event', json, bytes: Buffer.byteLength(json), truncated, restamped };
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, marker included, never inside a character. */
export function limitContent(text: string, maxBytes: number): { content: string; truncated: boolean } {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no measuring.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return { content: text, truncated: false };
  return { content: cutUtf8(text, maxBytes - MARKER_BYTES) + TRUNCATION_MARKER, truncated: true };
}

function limitBytes(value: string, maxBytes: number): string {
  if (value.length * 3 <= maxBytes || Buffer.byteLength(value) <= maxBytes) return value;
  return cutUtf8(value, maxBytes);
}

/** The longest prefix of `text` that is at most `maxBytes` UTF-8 bytes and ends on a character boundary. */
export function cutUtf8(text: string, maxBytes: number): string {
  let head = text.slice(0, maxBytes);
  // Never split a surrogate pair: a lone half would be encoded as U+FFFD.
  const lastUnit = head.charCodeAt(head.length - 1);
  if (lastUnit >= 0xd800 && lastUnit <= 0xdbff) head = head.slice(0, -1);
  const bytes = Buffer.from(head, 'utf8');
  if (bytes.length <= maxBytes) return bytes.toString('utf8');
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
