/**
 * What became of every record: the per-object tallies and failures the pipeline keeps while it
 * reads and sends, the settling of a batch's delivery report against them, and at the end the
 * replay tickets for what was not delivered. No I/O: tests drive these with plain values.
 */
import { Batch } from './batcher';
import { DeliveryFailure, DeliveryReport } from './ingest-client';
import { ObjectRef } from './notifications';
import type { ForwardStats, ObjectResult } from './pipeline';
import type { ObjectProgress } from './progress';
import { rangesFrom, rangesFromIndexes, RecordRange } from './record-ranges';
import { createTicket, ReplayTicket } from './tickets';

/** Latencies kept for the metrics; more would only cost memory on a long run. */
export const MAX_KEPT_LATENCIES = 1000;

/** Where an event of a batch came from. */
export interface Origin {
  readonly object: ObjectTracker;
  readonly index: number;
}

/** One object's result, and the records of it not delivered, grouped by reason. */
export class ObjectTracker {
  readonly result: ObjectResult;
  readonly failures = new Map<string, number[]>();
  readonly openEnded: { ranges: RecordRange[]; reason: string }[] = [];
  /** The progress kept for a notification's object, when a store is configured. */
  progress?: ObjectProgress;

  constructor(readonly ref: ObjectRef) {
    this.result = {
      bucket: ref.bucket,
      key: ref.key,
      versionId: ref.versionId,
      status: 'forwarded',
      records: 0,
      sent: 0,
      dropped: 0,
      failed: 0,
      alreadyForwarded: 0,
      messageId: ref.messageId,
      ticketAttempt: ref.ticket?.attempt,
      tickets: [],
    };
  }

  fail(index: number, reason: string): void {
    let list = this.failures.get(reason);
    if (!list) this.failures.set(reason, (list = []));
    list.push(index);
    this.result.failed++;
  }

  /** Records from `from` on were never read (or not completely): ticket them, honouring a replay's ranges. */
  failRest(from: number, reason: string): void {
    this.progress?.watermark.block(from);
    const ranges = this.ref.ranges ? rangesFrom(this.ref.ranges, from) : [{ from, to: null }];
    if (ranges.length > 0) this.openEnded.push({ ranges, reason });
  }
}

/** Counts a batch's delivery: every event of it is either sent or failed (and so ticketed later). */
export function settleReport(stats: ForwardStats, batch: Batch<Origin>, report: DeliveryReport<Origin>): void {
  stats.requests += report.requests;
  stats.retries += report.retries;
  stats.bytesSent += report.bytesSent;
  for (const ms of report.latenciesMs) if (stats.latenciesMs.length < MAX_KEPT_LATENCIES) stats.latenciesMs.push(ms);
  for (const partial of report.partial ?? []) stats.partlyAccepted += partial.origins.length;
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
    origin.object.progress?.watermark.sent(origin.index);
    stats.sent++;
  }
}

/**
 * What a batch Dynatrace took only part of held, for the operator's log: its objects and their
 * record ranges, so the records can be found (Dynatrace's answer names no event).
 */
export function partlyAccepted(partial: DeliveryFailure<Origin>): { events: number; objects: { bucket: string; key: string; versionId?: string; records: RecordRange[] }[]; details: string } {
  const byObject = new Map<ObjectTracker, number[]>();
  for (const { object, index } of partial.origins) {
    const indexes = byObject.get(object);
    if (indexes) indexes.push(index);
    else byObject.set(object, [index]);
  }
  const objects = [...byObject].map(([object, indexes]) => ({ bucket: object.ref.bucket, key: object.ref.key, versionId: object.result.versionId, records: rangesFromIndexes(indexes) }));
  return { events: partial.origins.length, objects, details: partial.reason };
}

/** The report of a sender that threw (a bug: senders report failures as data): every event failed. */
export function thrownReport(batch: Batch<Origin>, err: unknown): DeliveryReport<Origin> {
  return { accepted: 0, failed: [{ origins: batch.origins, reason: `sender error: ${String(err)}` }], requests: 0, retries: 0, bytesSent: 0, latenciesMs: [] };
}

/**
 * Once every batch is settled: the object's tickets (one per reason, attempt one more than the
 * ticket replayed), added to its result, and its final status: `partial` when something of it
 * was delivered or dropped by a rule beside what is ticketed, `failed` when nothing was.
 */
export function finishObject(tracker: ObjectTracker, now: number): ReplayTicket[] {
  const { ref, result } = tracker;
  const attempt = (ref.ticket?.attempt ?? 0) + 1;
  const pieces = [...[...tracker.failures].map(([reason, indexes]) => ({ ranges: rangesFromIndexes(indexes), reason })), ...tracker.openEnded];
  const tickets: ReplayTicket[] = [];
  for (const piece of pieces) {
    tickets.push(...createTicket({ bucket: ref.bucket, key: ref.key, versionId: result.versionId, ranges: piece.ranges, reason: piece.reason, attempt, now }));
  }
  result.tickets.push(...tickets);
  if (result.status === 'forwarded' && pieces.length > 0) result.status = result.sent > 0 || result.dropped > 0 ? 'partial' : 'failed';
  return tickets;
}
