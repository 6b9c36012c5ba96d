/**
 * One CloudTrail record -> one Dynatrace log event (Log Ingest API v2 JSON), serialized.
 *
 * Attribute names follow Dynatrace's own S3 log forwarder, so its CloudTrail views and queries
 * work on these events. Pure: the time comes in as `now`.
 */
import { DecodedRecord } from './record-decoder';
import { RESERVED_ATTRIBUTE_KEYS } from './rules-constants';
import type { Limits, RulesDocument } from './rules-schema';
import { ATTR_THREAT_RULE_ID, ATTR_THREAT_RULE_LEVEL, ATTR_THREAT_RULE_NAME, type SigmaHits } from './sigma-tags';

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

/** `,"key":`: the keys of the attributes written for every record, serialized once per process. */
function attributePrefix(key: string): string {
  return `,${JSON.stringify(key)}:`;
}
const ACCOUNT_PREFIX = attributePrefix('aws.account.id');
const REGION_PREFIX = attributePrefix('aws.region');
const EVENT_SOURCE_PREFIX = attributePrefix('audit.event_source');
const ACTION_PREFIX = attributePrefix('audit.action');
const IDENTITY_TYPE_PREFIX = attributePrefix('audit.identity_type');
const IDENTITY_PREFIX = attributePrefix('audit.identity');
const RESULT_PREFIX = attributePrefix('audit.result');
const RECORD_INDEX_PREFIX = attributePrefix(ATTR_RECORD_INDEX);
const RECORD_PROBLEM_PREFIX = attributePrefix(ATTR_RECORD_PROBLEM);
const ORIGINAL_TIMESTAMP_PREFIX = attributePrefix(ATTR_ORIGINAL_TIMESTAMP);

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
  | { readonly kind: 'event'; readonly json: string; readonly truncated: boolean; readonly restamped: boolean }
  | { readonly kind: 'drop'; readonly reason: 'stale' };

/**
 * Formats the records of one file. The event JSON is written by concatenation, key by key in a
 * fixed order, with `JSON.stringify` only for the values: the attributes that are the same for
 * every record of the file (provider, account, bucket, key, forwarder, annotations...) are
 * serialized once, here. Annotations never replace the forwarder's own attributes.
 */
export class RecordFormatter {
  private readonly maxValue: number;
  /** `,"aws.account.id":"..."` etc. from the key; '' when the record must say. */
  private readonly accountFragment: string;
  private readonly regionFragment: string;
  /** `cloud.provider` and `aws.service`. */
  private readonly headFragment: string;
  private readonly organizationFragment: string;
  private readonly sourceFragment: string;
  private readonly forwarderFragment: string;
  private readonly annotationsFragment: string;
  /** Weakly held: the tagger's cache bounds how many hits objects exist. */
  private readonly hitsFragments = new WeakMap<SigmaHits, string>();

  constructor(
    private readonly file: FileContext,
    private readonly opts: Omit<FormatOptions, 'now'>,
  ) {
    this.maxValue = opts.limits.maxAttributeValueBytes;
    this.accountFragment = this.fragment('aws.account.id', file.accountId);
    this.regionFragment = this.fragment('aws.region', file.region);
    this.headFragment = `${this.fragment('cloud.provider', 'aws')}${this.fragment('aws.service', 'cloudtrail')}`;
    this.organizationFragment = this.fragment('aws.organization.id', file.organizationId);
    this.sourceFragment = `${this.fragment(ATTR_BUCKET_NAME, file.bucket)}${this.fragment(ATTR_KEY_NAME, file.key)}`;
    this.forwarderFragment = this.fragment('cloud.log_forwarder', file.forwarder);
    let annotations = '';
    for (const [k, v] of Object.entries(file.annotations)) {
      if (!OWN_ATTRIBUTES.has(k)) annotations += this.fragment(k, v);
    }
    this.annotationsFragment = annotations;
  }

  /** @param hits the Sigma rules the record matched, as threat.rule.* attributes */
  format(record: DecodedRecord, index: number, now: number, hits?: SigmaHits): FormatResult {
    const r = record.value;
    const { content, truncated } = limitContent(record.text, this.opts.limits.maxContentBytes);
    let json = `{"content":${JSON.stringify(content)}`;

    let restamped = false;
    const eventTime = r && typeof r.eventTime === 'string' ? r.eventTime : undefined;
    if (eventTime !== undefined) {
      const t = Date.parse(eventTime);
      if (Number.isNaN(t)) {
        // Unparseable: let Dynatrace stamp it on arrival, keep the original for reference.
        json += this.valueFragment(ORIGINAL_TIMESTAMP_PREFIX, eventTime);
      } else if (now - t > STALE_AFTER_MS) {
        if (this.opts.staleRecords === 'drop') return { kind: 'drop', reason: 'stale' };
        json += `,"timestamp":${JSON.stringify(new Date(now).toISOString())}${this.valueFragment(ORIGINAL_TIMESTAMP_PREFIX, eventTime)}`;
        restamped = true;
      } else {
        json += `,"timestamp":${JSON.stringify(eventTime)}`;
      }
    }

    const identity = r && isObject(r.userIdentity) ? r.userIdentity : undefined;
    const errorCode = r && r.errorCode !== undefined && r.errorCode !== null && r.errorCode !== '' ? String(r.errorCode) : undefined;
    const file = this.file;

    json += record.problem && !r ? ',"severity":"WARN"' : errorCode ? ',"severity":"ERROR"' : ',"severity":"INFO"';
    json += this.headFragment;
    json += file.accountId === undefined ? this.valueFragment(ACCOUNT_PREFIX, r?.recipientAccountId) : this.accountFragment;
    json += file.region === undefined ? this.valueFragment(REGION_PREFIX, r?.awsRegion) : this.regionFragment;
    json += this.organizationFragment;
    if (r) {
      json += this.valueFragment(EVENT_SOURCE_PREFIX, r.eventSource);
      json += this.valueFragment(ACTION_PREFIX, r.eventName);
      if (typeof r.readOnly === 'boolean') json += r.readOnly ? ',"audit.read_only":"true"' : ',"audit.read_only":"false"';
      json += this.valueFragment(IDENTITY_TYPE_PREFIX, identity?.type);
      json += this.valueFragment(IDENTITY_PREFIX, identity ? (identity.arn ?? identity.invokedBy ?? identity.principalId ?? identity.accountId) : undefined);
      json += errorCode ? this.valueFragment(RESULT_PREFIX, `Failed.${errorCode}`) : ',"audit.result":"Succeeded"';
    }
    json += this.sourceFragment;
    json += this.valueFragment(RECORD_INDEX_PREFIX, index);
    json += this.forwarderFragment;
    if (truncated) json += `,"${ATTR_TRUNCATED}":"true"`;
    json += this.valueFragment(RECORD_PROBLEM_PREFIX, record.problem);
    if (hits) json += this.hitsFragment(hits);
    json += this.annotationsFragment;
    json += '}';
    return { kind: 'event', json, truncated, restamped };
  }

  /** The threat.rule.* attributes, built once per hits object (the Sigma tagger reuses one per list of rules). */
  private hitsFragment(hits: SigmaHits): string {
    let fragment = this.hitsFragments.get(hits);
    if (fragment === undefined) {
      fragment = `${this.fragment(ATTR_THREAT_RULE_ID, hits.ids)}${this.fragment(ATTR_THREAT_RULE_NAME, hits.names)}${this.fragment(ATTR_THREAT_RULE_LEVEL, hits.levels)}`;
      this.hitsFragments.set(hits, fragment);
    }
    return fragment;
  }

  /** `,"key":"value"`, the value cut to the limit; '' when there is no value. */
  private fragment(key: string, value: unknown): string {
    return this.valueFragment(attributePrefix(key), value);
  }

  /** {@link fragment} with the key already serialized (`,"key":`), for the attributes of every record. */
  private valueFragment(prefix: string, value: unknown): string {
    if (value === undefined || value === null || value === '') return '';
    return prefix + JSON.stringify(limitBytes(typeof value === 'string' ? value : String(value), this.maxValue));
  }
}

/**
 * The attributes the formatter writes itself: the rules schema refuses annotations with these
 * keys, and the formatter ignores any that reach it another way, so its own values stay.
 */
const OWN_ATTRIBUTES: ReadonlySet<string> = new Set(RESERVED_ATTRIBUTE_KEYS);

/** One record, formatted alone (tests, tools); the pipeline keeps a {@link RecordFormatter} per file. */
export function formatRecord(record: DecodedRecord, index: number, file: FileContext, opts: FormatOptions): FormatResult {
  return new RecordFormatter(file, opts).format(record, index, opts.now);
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
