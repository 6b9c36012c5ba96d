/**
 * Turns whatever invoked the function into the list of objects to read.
 *
 * Accepted shapes, possibly nested in one another:
 * - SNS events (`Records[].Sns.Message`, a JSON string that may hold several S3 records): the main path;
 * - S3 event notifications (`Records[].s3`), the `s3:TestEvent` S3 sends when a notification is set up;
 * - EventBridge "Object Created" events from S3;
 * - SQS events (`Records[].body`) carrying any of these, raw or as an SNS envelope (the optional buffer);
 * - the notifier Lambda's messages: `{ "bucket", "key", "versionId"? }` with a decoded key;
 * - replay tickets from the failure queue (see tickets.ts); one that cannot be read (a broken range,
 *   a newer format) is ignored with the reason, never read as a notifier message: its bucket and
 *   key would make the whole object be sent again;
 * - Lambda on-failure destination records, whose `requestPayload` is the original event.
 *
 * Anything else is acknowledged and reported as ignored, never thrown: an error here would make
 * SNS or SQS deliver the same message again and again. So is an object named again in the same
 * event (an SQS message delivered twice into one batch, S3 announcing an object twice): read
 * twice, both copies would load the same progress before either saved any, and every record
 * would be sent twice.
 */
import { decodeS3Key, isS3Record, isS3TestEvent, readS3Record, s3VersionId } from '../lib/s3-event';
import { parseTicket, ReplayTicket, TICKET_TYPE, ticketProblem } from './tickets';
import { RecordRange } from './record-ranges';

export interface ObjectRef {
  readonly bucket: string;
  /** The decoded key, as GetObject wants it. */
  readonly key: string;
  readonly versionId?: string;
  /** Only these records (a replay); absent for the whole file. */
  readonly ranges?: readonly RecordRange[];
  /** For a replay: the ticket being replayed. */
  readonly ticket?: ReplayTicket;
  /** The SQS message this object came from, for partial batch responses. */
  readonly messageId?: string;
}

export type IgnoredReason = 'test-event' | 'not-object-created' | 'invalid-json' | 'unknown-shape' | 'invalid-ticket' | 'too-deep' | 'duplicate';

export interface IgnoredMessage {
  readonly reason: IgnoredReason;
  /** A short description for the log: never the whole message. */
  readonly detail: string;
  readonly messageId?: string;
}

export interface ParsedInvocation {
  readonly objects: ObjectRef[];
  readonly ignored: IgnoredMessage[];
  /** Ids of every SQS message in the event (for partial batch responses). */
  readonly sqsMessageIds: string[];
}

/** Envelopes nest at most SQS -> SNS -> S3 or destination -> SNS -> S3; anything deeper is not ours. */
const MAX_NESTING = 6;

export function parseInvocation(event: unknown): ParsedInvocation {
  const out: ParsedInvocation = { objects: [], ignored: [], sqsMessageIds: [] };
  visit(event, out, 0, undefined);
  return withoutRepeats(out);
}

/** The first of the objects with the same bucket, key, version, ranges and ticket attempt; the others ignored. */
function withoutRepeats(parsed: ParsedInvocation): ParsedInvocation {
  const seen = new Set<string>();
  const objects: ObjectRef[] = [];
  for (const object of parsed.objects) {
    const identity = JSON.stringify([object.bucket, object.key, object.versionId ?? null, object.ranges ?? null, object.ticket?.attempt ?? null]);
    if (!seen.has(identity)) {
      seen.add(identity);
      objects.push(object);
      continue;
    }
    const ranges = object.ranges ? ` (records ${object.ranges.map((r) => `${r.from}-${r.to === null ? 'end' : r.to - 1}`).join(', ')})` : '';
    parsed.ignored.push({ reason: 'duplicate', detail: `s3://${object.bucket}/${object.key}${ranges} named again in the same event`, messageId: object.messageId });
  }
  return { ...parsed, objects };
}

function visit(node: unknown, out: ParsedInvocation, depth: number, messageId: string | undefined): void {
  if (depth > MAX_NESTING) {
    out.ignored.push({ reason: 'too-deep', detail: `envelopes nested deeper than ${MAX_NESTING}`, messageId });
    return;
  }
  if (typeof node === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(node);
    } catch {
      out.ignored.push({ reason: 'invalid-json', detail: `message is not JSON: ${preview(node)}`, messageId });
      return;
    }
    visit(parsed, out, depth + 1, messageId);
    return;
  }
  if (!isObject(node)) {
    out.ignored.push({ reason: 'unknown-shape', detail: `message is ${node === null ? 'null' : typeof node}`, messageId });
    return;
  }

  if (Array.isArray(node.Records)) {
    for (const record of node.Records) visitRecord(record, out, depth, messageId);
    return;
  }
  if (isS3TestEvent(node)) {
    out.ignored.push({ reason: 'test-event', detail: `s3:TestEvent for bucket ${String(node.Bucket)}`, messageId });
    return;
  }
  if (node.Type === 'Notification' && typeof node.Message === 'string') {
    // An SNS envelope delivered to SQS without raw message delivery.
    visit(node.Message, out, depth + 1, messageId);
    return;
  }
  if (node.source === 'aws.s3' && isObject(node.detail)) {
    visitEventBridge(node, out, messageId);
    return;
  }
  if (node.type === TICKET_TYPE) {
    const ticket = parseTicket(node);
    if (ticket) out.objects.push({ bucket: ticket.bucket, key: ticket.key, versionId: ticket.versionId, ranges: ticket.ranges, ticket, messageId });
    else out.ignored.push({ reason: 'invalid-ticket', detail: `replay ticket for s3://${String(node.bucket)}/${String(node.key)}: ${ticketProblem(node)}`, messageId });
    return;
  }
  if (typeof node.bucket === 'string' && typeof node.key === 'string') {
    // The notifier Lambda already decoded the key.
    out.objects.push({
      bucket: node.bucket,
      key: node.key,
      versionId: s3VersionId(node.versionId),
      messageId,
    });
    return;
  }
  if (isObject(node.requestContext) && 'requestPayload' in node) {
    // A Lambda destination record: retry the event the function failed on.
    visit(node.requestPayload, out, depth + 1, messageId);
    return;
  }
  out.ignored.push({ reason: 'unknown-shape', detail: `keys: ${Object.keys(node).slice(0, 8).join(', ')}`, messageId });
}

function visitRecord(record: unknown, out: ParsedInvocation, depth: number, messageId: string | undefined): void {
  if (!isObject(record)) {
    out.ignored.push({ reason: 'unknown-shape', detail: 'a Records entry is not an object', messageId });
    return;
  }
  if (record.EventSource === 'aws:sns' && isObject(record.Sns)) {
    visit(record.Sns.Message, out, depth + 1, messageId);
    return;
  }
  if (record.eventSource === 'aws:sqs' && typeof record.body === 'string') {
    const id = optionalString(record.messageId);
    if (id) out.sqsMessageIds.push(id);
    visit(record.body, out, depth + 1, id);
    return;
  }
  if (isS3Record(record)) {
    const reading = readS3Record(record);
    if ('ignored' in reading) {
      out.ignored.push({ reason: reading.ignored.reason, detail: `S3 record: ${reading.ignored.detail}`, messageId });
      return;
    }
    const { bucket, key, versionId } = reading.created;
    out.objects.push({ bucket, key, versionId, messageId });
    return;
  }
  out.ignored.push({ reason: 'unknown-shape', detail: `record keys: ${Object.keys(record).slice(0, 8).join(', ')}`, messageId });
}

function visitEventBridge(event: Record<string, unknown>, out: ParsedInvocation, messageId: string | undefined): void {
  const detail = event.detail as Record<string, unknown>;
  if (event['detail-type'] !== 'Object Created') {
    out.ignored.push({ reason: 'not-object-created', detail: `EventBridge ${String(event['detail-type'])}`, messageId });
    return;
  }
  const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
  const object = isObject(detail.object) ? detail.object : undefined;
  if (typeof bucket !== 'string' || !object || typeof object.key !== 'string') {
    out.ignored.push({ reason: 'unknown-shape', detail: 'EventBridge Object Created without bucket name or object key', messageId });
    return;
  }
  out.objects.push({
    bucket,
    // S3 encodes keys in EventBridge events the same way as in notifications.
    key: decodeS3Key(object.key),
    versionId: s3VersionId(object['version-id']),
    messageId,
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && v !== 'null' ? v : undefined;
}
function preview(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
}
