/**
 * The forwarding pipeline, shared by the Lambda handler, the CLI, the replay command, the e2e
 * run and the benchmark: objects in, events out to a {@link BatchSender}, and for every record
 * an account: sent, dropped by a rule (counted), or described by a replay ticket.
 *
 * Objects are read one after the other, records streamed; events from consecutive objects share
 * batches, and up to `concurrency` batches are in flight while reading goes on. Reading waits
 * when that many are in flight, so memory stays bounded.
 *
 * Duplicates: an event can reach Dynatrace twice only when Dynatrace took a request whose answer
 * never came back (the connection broke or the attempt timed out after the body was sent) and the
 * request was retried, or when the process died after a send and before its bookkeeping (the
 * ticket or the invocation's success), so the notification or ticket is delivered again. That
 * window is one request's round trip, or one invocation for a crash. Everything else is exact.
 */
import { Logger } from '../lib/logger';
import { Batch, Batcher } from './batcher';
import { ParseError, SourceError } from './errors';
import { RecordFormatter } from './formatter';
import { BatchSender, DeliveryReport } from './ingest-client';
import { isForwardedKind, parseKey } from '../lib/key-layout';
import { ObjectRef } from './notifications';
import { ObjectSource } from './object-source';
import { readRecords } from './object-reader';
import { decodeRecord } from './record-decoder';
import { RangeCursor, rangesFrom, rangesFromIndexes, RecordRange } from './record-ranges';
import { CompiledRules } from './rules';
import { createTicket, ReplayTicket } from './tickets';

/** Counters for one run; the CLI summary and the EMF metrics are read from these. */
export interface ForwardStats {
  /** Objects read (skipped ones not counted). */
  files: number;
  records: number;
  sent: number;
  dropped: number;
  truncated: number;
  restamped: number;
  /** Records known to be ticketed (an unread rest of a file counts as 0: its size is unknown). */
  failed: number;
  requests: number;
  retries: number;
  /** Compressed bytes on the wire. */
  bytesSent: number;
  /** Uncompressed event bytes handed to the sender. */
  bytesBatched: number;
  objectsSkipped: number;
  objectsFailed: number;
  /** Records forwarded as text because they were not a JSON object or not valid UTF-8. */
  malformed: number;
  redacted: number;
  tickets: number;
  latenciesMs: number[];
}

export type ObjectStatus = 'forwarded' | 'partial' | 'failed' | 'skipped';

export interface ObjectResult {
  readonly bucket: string;
  readonly key: string;
  versionId?: string;
  status: ObjectStatus;
  /** Why it was skipped or failed. */
  reason?: string;
  records: number;
  sent: number;
  dropped: number;
  failed: number;
  /** The SQS message it came from. */
  readonly messageId?: string;
  /** For replays: the attempt number of the ticket replayed. */
  readonly ticketAttempt?: number;
  /** Tickets written for this object. */
  tickets: ReplayTicket[];
}

export interface ForwardResult {
  readonly stats: ForwardStats;
  readonly objects: ObjectResult[];
  readonly tickets: ReplayTicket[];
}

export interface ForwardOptions {
  readonly source: ObjectSource;
  readonly sender: BatchSender;
  readonly rules: CompiledRules;
  /** `cloud.log_forwarder`: the function ARN, or a CLI name. */
  readonly forwarder: string;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Epoch ms by which sending must be over; reading stops `drainMs` earlier. @default - none */
  readonly deadlineMs?: number;
  /** Time kept after reading stops for batches in flight. @default 10_000 */
  readonly drainMs?: number;
  /** Batches in flight. @default 4 */
  readonly concurrency?: number;
  /** Forward files outside the CloudTrail key layout (the CLI's local files). Digests are still skipped. @default false */
  readonly acceptAnyKey?: boolean;
  /** Object outcomes and malformed records are logged here. @default - silent */
  readonly logger?: Logger;
  readonly maxRecordBytes?: number;
}

interface Origin {
  readonly object: ObjectTracker;
  readonly index: number;
}

class ObjectTracker {
  readonly failures = new Map<string, number[]>();
  readonly openEnded: { ranges: RecordRange[]; reason: string }[] = [];
  constructor(
    readonly ref: ObjectRef,
    readonly result: ObjectResult,
  ) {}

  fail(index: number, reason: string): void {
    let list = this.failures.get(reason);
    if (!list) this.failures.set(reason, (list = []));
    list.push(index);
    this.result.failed++;
  }

  /** Records from `from` on were never read (or not completely): ticket them, honouring a replay's ranges. */
  failRest(from: number, reason: string): void {
    const ranges = this.ref.ranges ? rangesFrom(this.ref.ranges, from) : [{ from, to: null }];
    if (ranges.length > 0) this.openEnded.push({ ranges, reason });
  }
}

export function emptyStats(): ForwardStats {
  return {
    files: 0,
    records: 0,
    sent: 0,
    dropped: 0,
    truncated: 0,
    restamped: 0,
    failed: 0,
    requests: 0,
    retries: 0,
    bytesSent: 0,
    bytesBatched: 0,
    objectsSkipped: 0,
    objectsFailed: 0,
    malformed: 0,
    redacted: 0,
    tickets: 0,
    latenciesMs: [],
  };
}

export async function forwardObjects(refs: readonly ObjectRef[], options: ForwardOptions): Promise<ForwardResult> {
  const clock = options.clock ?? Date.now;
  const deadlineMs = options.deadlineMs ?? Number.POSITIVE_INFINITY;
  const readUntil = deadlineMs - (options.drainMs ?? 10_000);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const { rules, logger } = options;
  const stats = emptyStats();
  const batcher = new Batcher<Origin>({ maxEvents: rules.limits.maxEventsPerBatch, maxBytes: rules.limits.maxBatchBytes });
  const inflight = new Set<Promise<void>>();
  const trackers: ObjectTracker[] = [];

  const account = (batch: Batch<Origin>, report: DeliveryReport<Origin>) => {
    stats.requests += report.requests;
    stats.retries += report.retries;
    stats.bytesSent += report.bytesSent;
    for (const ms of report.latenciesMs) if (stats.latenciesMs.length < 1000) stats.latenciesMs.push(ms);
    const failed = new Set<Origin>();
    for (const f of report.failed) {
      for (const origin of f.origins) {
        failed.add(origin);
        origin.object.fail(origin.index, f.reason);
        stats.failed++;
      }
    }
    for (const origin of batch.origins) {
      if (failed.has(origin)) continue;
      origin.object.result.sent++;
      stats.sent++;
    }
  };

  const dispatch = async (batch: Batch<Origin>) => {
    while (inflight.size >= concurrency) await Promise.race(inflight);
    stats.bytesBatched += batch.body.length;
    const sending = options.sender
      .send(batch, deadlineMs)
      .then(
        (report) => account(batch, report),
        (err: unknown) => {
          // Senders report failures as data; a throw is a bug, but still must not lose records.
          logger?.error('sender threw', { error: err });
          account(batch, { accepted: 0, failed: [{ origins: batch.origins, reason: `sender error: ${String(err)}` }], requests: 0, retries: 0, bytesSent: 0, latenciesMs: [] });
        },
      )
      .finally(() => inflight.delete(sending));
    inflight.add(sending);
  };

  for (const ref of refs) {
    const result: ObjectResult = {
      bucket: ref.bucket,
      key: ref.key,
      versionId: ref.versionId,
      status: 'forwarded',
      records: 0,
      sent: 0,
      dropped: 0,
      failed: 0,
      messageId: ref.messageId,
      ticketAttempt: ref.ticket?.attempt,
      tickets: [],
    };
    const tracker = new ObjectTracker(ref, result);
    trackers.push(tracker);
    const where = { bucket: ref.bucket || undefined, key: ref.key };

    const layout = parseKey(ref.key);
    const skip = (reason: string) => {
      result.status = 'skipped';
      result.reason = reason;
      stats.objectsSkipped++;
      logger?.info('object skipped', { ...where, reason });
    };
    if (layout.kind === 'digest') {
      skip('CloudTrail digest file');
      continue;
    }
    if (!isForwardedKind(layout.kind) && !options.acceptAnyKey) {
      skip('not a CloudTrail log file (key outside AWSLogs/<account>/CloudTrail[-Insight]/<region>/...)');
      continue;
    }
    const route = rules.routeFor(ref.bucket, ref.key);
    if (!route || !route.forward) {
      skip(route ? `route "${route.name}" does not forward` : 'no route matches the bucket and key');
      continue;
    }
    if (clock() >= readUntil) {
      tracker.failRest(0, 'deadline: the invocation ran out of time before reading the object');
      continue;
    }

    stats.files++;
    const formatter = new RecordFormatter(
      {
        bucket: ref.bucket,
        key: ref.key,
        accountId: layout.accountId,
        region: layout.region,
        organizationId: layout.organizationId,
        forwarder: options.forwarder,
        annotations: route.annotations,
      },
      { limits: rules.limits, staleRecords: rules.staleRecords },
    );
    const cursor = ref.ranges ? new RangeCursor(ref.ranges) : undefined;
    let nextIndex = 0;
    try {
      const opened = await options.source.open({ bucket: ref.bucket, key: ref.key, versionId: ref.versionId });
      result.versionId = opened.versionId ?? ref.versionId;
      for await (const raw of readRecords(opened.body, where, { maxRecordBytes: options.maxRecordBytes })) {
        nextIndex = raw.index + 1;
        if (cursor && !cursor.includes(raw.index)) {
          if (cursor.exhaustedAt(raw.index)) break;
          continue;
        }
        if (clock() >= readUntil) {
          tracker.failRest(raw.index, 'deadline: the invocation ran out of time while reading the object');
          break;
        }
        stats.records++;
        result.records++;

        let decoded = decodeRecord(raw.bytes);
        if (decoded.problem) {
          stats.malformed++;
          logger?.warn('malformed record forwarded as text', { ...where, recordIndex: raw.index, problem: decoded.problem });
        }
        if (decoded.value) {
          if (rules.filter(decoded.value).action === 'drop') {
            stats.dropped++;
            result.dropped++;
            continue;
          }
          if (rules.redacts && rules.redact(decoded.value) > 0) {
            stats.redacted++;
            decoded = { ...decoded, text: JSON.stringify(decoded.value) };
          } else if (decoded.text.includes('\n')) {
            // Pretty-printed (hand-made files): compact it. CloudTrail's own files are compact and keep their exact text.
            decoded = { ...decoded, text: JSON.stringify(decoded.value) };
          }
        }
        const formatted = formatter.format(decoded, raw.index, clock());
        if (formatted.kind === 'drop') {
          stats.dropped++;
          result.dropped++;
          continue;
        }
        if (formatted.truncated) stats.truncated++;
        if (formatted.restamped) stats.restamped++;
        const closed = batcher.add(formatted.json, { object: tracker, index: raw.index });
        if (closed) await dispatch(closed);
      }
    } catch (err) {
      if (!(err instanceof ParseError || err instanceof SourceError)) throw err;
      result.status = 'failed';
      result.reason = err.message;
      stats.objectsFailed++;
      const from = err instanceof ParseError && err.recordsBefore !== undefined ? err.recordsBefore : nextIndex;
      tracker.failRest(from, err.message);
      logger?.error('object failed', { ...where, recordIndex: from, error: err });
    }
  }

  const last = batcher.flush();
  if (last) await dispatch(last);
  while (inflight.size > 0) await Promise.race(inflight);

  const tickets: ReplayTicket[] = [];
  const now = clock();
  for (const tracker of trackers) {
    const { ref, result } = tracker;
    const attempt = (ref.ticket?.attempt ?? 0) + 1;
    const pieces: { ranges: RecordRange[]; reason: string }[] = [
      ...[...tracker.failures].map(([reason, indexes]) => ({ ranges: rangesFromIndexes(indexes), reason })),
      ...tracker.openEnded,
    ];
    for (const piece of pieces) {
      const made = createTicket({ bucket: ref.bucket, key: ref.key, versionId: result.versionId, ranges: piece.ranges, reason: piece.reason, attempt, now });
      result.tickets.push(...made);
      tickets.push(...made);
    }
    if (result.status === 'forwarded' && pieces.length > 0) result.status = result.sent > 0 || result.dropped > 0 ? 'partial' : 'failed';
    if (result.status !== 'skipped') {
      logger?.info('object done', {
        ...(ref.bucket ? { bucket: ref.bucket } : {}),
        key: ref.key,
        status: result.status,
        records: result.records,
        sent: result.sent,
        dropped: result.dropped,
        failed: result.failed,
        tickets: result.tickets.length,
      });
    }
  }
  stats.tickets = tickets.length;
  return { stats, objects: trackers.map((t) => t.result), tickets };
}

