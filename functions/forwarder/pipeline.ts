/**
 * The forwarding pipeline, shared by the Lambda handler, the CLI, the replay command, the e2e
 * run and the benchmark: objects in, events out to a {@link BatchSender}, and for every record
 * an outcome: sent, dropped by a rule (counted), or described by a replay ticket.
 *
 * A {@link ForwardRun} takes each object through named steps, as a batch processor does:
 * `admit` (digest, key layout, route, deadline: skip it or read it; ./admission.ts), read the
 * object, `processRecord` for each record (decode, filter, redact, format: drop it or the event
 * to send; ./record-step.ts), dispatch the batches, `settleReport` for each batch's delivery
 * report, and at the end `finishObject` for each object (its tickets and status;
 * ./bookkeeping.ts). The steps in those files do no I/O (admit and processRecord are pure, the
 * bookkeeping only updates the counters it is given), so tests drive them with plain values;
 * reading and dispatching, here, are the I/O.
 *
 * Objects are parsed one after the other, records streamed; events from consecutive objects share
 * batches, and up to `concurrency` batches are in flight while reading goes on. Reading waits
 * when that many are in flight, so memory stays bounded. While one object is parsed, the next
 * ones it would read are opened ahead within a byte budget (./read-ahead.ts), so many small
 * objects do not each wait for S3's first byte; what is parsed, in which order, and every
 * ticket stay as they would be without it (an object read ahead that the deadline leaves
 * unread is ticketed whole, as before; a failed open fails at the object's turn).
 *
 * Duplicates: an event can reach Dynatrace twice only when Dynatrace took a request whose answer
 * never came back (the connection broke or the attempt timed out after the body was sent) and the
 * request was retried, or when the process died after a send and before its bookkeeping (the
 * ticket or the invocation's success), so the notification or ticket is delivered again. That
 * window is one request's round trip; for a crash it is the batches in flight when a
 * {@link ProgressStore} keeps each notification's progress (./progress.ts: the second delivery
 * skips the records below the stored watermark), plus at most one window of settled records whose
 * progress write had not landed (reading pauses beyond that), and one invocation without a store.
 * Everything else is exact.
 */
import { Logger } from '../lib/logger';
import { admit, Admission } from './admission';
import { Batch, Batcher } from './batcher';
import { finishObject, ObjectTracker, Origin, partlyAccepted, settleReport, thrownReport } from './bookkeeping';
import { ObjectContext, ParseError, SourceError } from './errors';
import { RecordFormatter } from './formatter';
import { BatchSender } from './ingest-client';
import { ObjectRef } from './notifications';
import { ObjectLocation, ObjectSource, OpenedObject } from './object-source';
import { readRecords } from './object-reader';
import { DEFAULT_READ_AHEAD, ReadAhead, ReadAheadLimits } from './read-ahead';
import { RangeCursor, rangesFrom, RecordRange } from './record-ranges';
import { RawRecord } from './record-splitter';
import { processRecord } from './record-step';
import { loadWatermark, ObjectProgress, progressKeyOf, ProgressStore } from './progress';
import { CompiledRules } from './rules';
import { ReplayTicket } from './tickets';

/** Counters for one run; the CLI summary and the EMF metrics are read from these. */
export interface ForwardStats {
  /** Objects opened to be read (skipped ones, and those the deadline left unread, not counted); the metric ObjectsRead. */
  objectsRead: number;
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
  /** Records sent in batches Dynatrace accepted only part of (200): counted as sent too, and logged with their objects. */
  partlyAccepted: number;
  tickets: number;
  /** Records skipped because a previous delivery of the notification had accounted them (the progress watermark). */
  alreadyForwarded: number;
  progressLoadFailed: number;
  progressSaveFailed: number;
  /**
   * Ms from the last record read until every batch still in flight is answered (the last one's
   * compression included): what the invocation waits on Dynatrace at its end, which no read-ahead
   * can hide.
   */
  settleMs: number;
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
  /** Records below the progress watermark a previous delivery left: not read again. */
  alreadyForwarded: number;
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
  /** How far to read ahead of the object being parsed; `false` opens each object at its turn. @default DEFAULT_READ_AHEAD */
  readonly readAhead?: ReadAheadLimits | false;
  /** Where notification deliveries keep their progress; absent: none kept (a crash resends whole objects). */
  readonly progress?: ProgressStore;
}

export function emptyStats(): ForwardStats {
  return {
    objectsRead: 0,
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
    partlyAccepted: 0,
    tickets: 0,
    alreadyForwarded: 0,
    progressLoadFailed: 0,
    progressSaveFailed: 0,
    settleMs: 0,
    latenciesMs: [],
  };
}

export async function forwardObjects(refs: readonly ObjectRef[], options: ForwardOptions): Promise<ForwardResult> {
  return new ForwardRun(options).run(refs);
}

/** One call of {@link forwardObjects}: the state its steps share. */
class ForwardRun {
  private readonly stats = emptyStats();
  private readonly clock: () => number;
  private readonly deadlineMs: number;
  /** Reading stops here, so batches in flight have until `deadlineMs` to be sent. */
  private readonly readUntil: number;
  private readonly concurrency: number;
  private readonly batcher: Batcher<Origin>;
  private readonly inflight = new Set<Promise<void>>();
  private readonly trackers: ObjectTracker[] = [];
  /** Settled records waiting for their progress write beyond which reading pauses: one window of batches. */
  private readonly maxProgressLag: number;
  private readonly ahead?: ReadAhead;
  /** Watermark loads by position, started with the object's open (at its turn or read ahead). */
  private readonly loads = new Map<number, Promise<number>>();

  constructor(private readonly options: ForwardOptions) {
    this.clock = options.clock ?? Date.now;
    this.deadlineMs = options.deadlineMs ?? Number.POSITIVE_INFINITY;
    this.readUntil = this.deadlineMs - (options.drainMs ?? 10_000);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxProgressLag = this.concurrency * options.rules.limits.maxEventsPerBatch;
    const compressor = options.sender.bodyCompressor?.bind(options.sender);
    this.batcher = new Batcher<Origin>({ maxEvents: options.rules.limits.maxEventsPerBatch, maxBytes: options.rules.limits.maxBatchBytes }, compressor);
    const readAhead = options.readAhead ?? DEFAULT_READ_AHEAD;
    if (readAhead && readAhead.maxObjects > 0) this.ahead = new ReadAhead(options.source, readAhead);
  }

  async run(refs: readonly ObjectRef[]): Promise<ForwardResult> {
    try {
      for (const position of refs.keys()) await this.forwardObject(refs, position);
    } finally {
      this.ahead?.close();
    }
    const readingDone = this.clock();
    const last = this.batcher.flush();
    if (last) await this.dispatch(last);
    while (this.inflight.size > 0) await Promise.race(this.inflight);
    this.stats.settleMs = this.clock() - readingDone;
    await this.settleProgress();
    return this.finish();
  }

  /** Opens ahead the objects after `from` that would be read if their turn came now. */
  private readAheadFrom(refs: readonly ObjectRef[], from: number): void {
    if (!this.ahead) return;
    const now = this.clock();
    const until = Math.min(refs.length, from + this.ahead.limits.maxObjects);
    for (let position = from; position < until; position++) {
      const ref = refs[position];
      if (!this.ahead.has(position) && this.admit(ref, now).action === 'read') {
        this.ahead.start(position, locationOf(ref));
        this.startLoad(ref, position);
      }
    }
  }

  private admit(ref: ObjectRef, now: number): Admission {
    return admit(ref, { rules: this.options.rules, acceptAnyKey: this.options.acceptAnyKey ?? false, now, readUntil: this.readUntil });
  }

  /** The object at `position`: admitted, then opened (or taken from the read-ahead), then the next ones opened ahead. */
  private async forwardObject(refs: readonly ObjectRef[], position: number): Promise<void> {
    const ref = refs[position];
    const tracker = new ObjectTracker(ref);
    this.trackers.push(tracker);
    const where: ObjectContext = { bucket: ref.bucket || undefined, key: ref.key };
    const admission = this.admit(ref, this.clock());
    if (admission.action !== 'read') {
      this.ahead?.discard(position);
      this.readAheadFrom(refs, position + 1);
    }
    switch (admission.action) {
      case 'skip':
        tracker.result.status = 'skipped';
        tracker.result.reason = admission.reason;
        this.stats.objectsSkipped++;
        this.options.logger?.info('object skipped', { ...where, reason: admission.reason });
        return;
      case 'defer':
        tracker.failRest(0, admission.reason);
        return;
      case 'read': {
        this.stats.objectsRead++;
        // Opened first, so the object parsed now is not queued behind the ones read ahead.
        const abandon = new AbortController();
        const opening = this.open(ref, position, abandon.signal);
        const loading = this.startLoad(ref, position);
        this.loads.delete(position);
        this.readAheadFrom(refs, position + 1);
        return this.readObject(tracker, admission, where, { opening, abandon }, loading);
      }
    }
  }

  /**
   * The object as read ahead, or opened now; a source that throws rejects, to be met where the open
   * is awaited. `signal` aborts an open that has not answered yet (the object was given up).
   */
  private open(ref: ObjectRef, position: number, signal: AbortSignal): Promise<OpenedObject> {
    try {
      return this.ahead?.take(position, signal) ?? this.options.source.open(locationOf(ref), { signal });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Streams the object's records into batches; a source or parse error fails this object alone. */
  private async readObject(
    tracker: ObjectTracker,
    admitted: Extract<Admission, { action: 'read' }>,
    where: ObjectContext,
    { opening, abandon }: { opening: Promise<OpenedObject>; abandon: AbortController },
    loading?: Promise<number>,
  ): Promise<void> {
    const { ref, result } = tracker;
    const formatter = new RecordFormatter(
      {
        bucket: ref.bucket,
        key: ref.key,
        accountId: admitted.layout.accountId,
        region: admitted.layout.region,
        organizationId: admitted.layout.organizationId,
        forwarder: this.options.forwarder,
        annotations: admitted.route.annotations,
      },
      { limits: this.options.rules.limits, staleRecords: this.options.rules.staleRecords },
    );
    const cursor = ref.ranges ? new RangeCursor(ref.ranges) : undefined;
    let nextIndex = 0;
    let stoppedEarly = false;
    const deadline = this.readDeadline();
    try {
      const ready = Promise.all([opening, this.resumeAt(tracker, loading)]);
      const first = deadline ? await Promise.race([ready, deadline.passed]) : await ready;
      if (first === DEADLINE) {
        // An open that has not answered by then (S3 retrying a first byte that never came): the
        // object is ticketed whole, as one the deadline left unread. The open is aborted (no
        // attempt runs on after the invocation answered); an answer that came anyway is released.
        abandon.abort(new DeadlineAbort(DEADLINE_REASON));
        ready.then(([late]) => void drainNothing(late), () => undefined);
        tracker.failRest(0, DEADLINE_REASON);
        return;
      }
      const [opened, resumeAt] = first;
      if (deadline) deadline.reading = opened;
      result.versionId = opened.versionId ?? ref.versionId;
      for await (const raw of readRecords(opened.body, where, { maxRecordBytes: this.options.maxRecordBytes })) {
        nextIndex = raw.index + 1;
        if (raw.index < resumeAt) {
          this.stats.alreadyForwarded++;
          result.alreadyForwarded++;
          continue;
        }
        if (cursor && !cursor.includes(raw.index)) {
          if (cursor.exhaustedAt(raw.index)) {
            stoppedEarly = true;
            break;
          }
          continue;
        }
        if (this.clock() >= this.readUntil) {
          tracker.failRest(raw.index, DEADLINE_REASON);
          stoppedEarly = true;
          break;
        }
        const closed = this.takeRecord(tracker, raw, formatter, where);
        if (closed) await this.dispatch(closed);
      }
      if (ref.ranges && !stoppedEarly) this.checkRangesRead(ref.ranges, nextIndex, where, result.versionId);
    } catch (err) {
      if (!(err instanceof ParseError || err instanceof SourceError)) throw err;
      // The deadline stopped a read that was waiting for bytes: the rest is ticketed as the
      // deadline's, as if the next record had met it.
      if (deadline?.fired && err.cause instanceof DeadlineAbort) tracker.failRest(nextIndex, DEADLINE_REASON);
      else this.failObject(tracker, err, nextIndex, where);
    } finally {
      deadline?.clear();
    }
  }

  /**
   * One timer per object, at `readUntil`: a read still waiting for bytes then (a stalled body whose
   * stall timeout is further off, an open S3 keeps retrying) is stopped, so the invocation's
   * deadline wins over the source's own timeouts. Records are otherwise checked against the
   * deadline one by one, as they come. None without a deadline.
   */
  private readDeadline(): ReadDeadline | undefined {
    if (!Number.isFinite(this.readUntil)) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const state: ReadDeadline = {
      fired: false,
      passed: new Promise<typeof DEADLINE>((resolve) => {
        timer = setTimeout(
          () => {
            state.fired = true;
            state.reading?.abort?.(new DeadlineAbort(DEADLINE_REASON));
            resolve(DEADLINE);
          },
          Math.max(0, this.readUntil - this.clock()),
        );
        timer.unref?.();
      }),
      clear: () => clearTimeout(timer),
    };
    return state;
  }

  /**
   * Starts loading the watermark a previous delivery left, with the object's open (so a read-ahead
   * object's load is done by its turn too); none without a store, or for a replay.
   */
  private startLoad(ref: ObjectRef, position: number): Promise<number> | undefined {
    const store = this.options.progress;
    const object = progressKeyOf(ref);
    if (!store || object === undefined) return undefined;
    let load = this.loads.get(position);
    if (!load) this.loads.set(position, (load = loadWatermark(store, object, this.stats, this.options.logger)));
    return load;
  }

  /** Where reading the object resumes, once its load is done; its progress is kept from there. */
  private async resumeAt(tracker: ObjectTracker, loading: Promise<number> | undefined): Promise<number> {
    const store = this.options.progress;
    const object = progressKeyOf(tracker.ref);
    if (!store || object === undefined || !loading) return 0;
    const start = await loading;
    if (start > 0) this.options.logger?.info('resuming a previous delivery', { object, recordIndex: start });
    tracker.progress = new ObjectProgress(store, object, start, this.stats, this.options.logger);
    return start;
  }

  /** Counts one record's step and batches its event; returns the batch that had to close to make room, if any. */
  private takeRecord(tracker: ObjectTracker, raw: RawRecord, formatter: RecordFormatter, where: ObjectContext): Batch<Origin> | undefined {
    const { stats } = this;
    stats.records++;
    tracker.result.records++;
    let step: ReturnType<typeof processRecord>;
    try {
      step = processRecord(raw.bytes, raw.index, this.options.rules, formatter, this.clock());
    } catch (err) {
      // Steps only throw on what no CloudTrail record holds (nesting too deep for JSON.stringify):
      // that record fails alone, its ticket blocking the watermark, instead of failing the invocation.
      tracker.progress?.watermark.take(raw.index, true);
      tracker.fail(raw.index, `cannot process the record: ${(err as Error).message}`);
      stats.failed++;
      this.options.logger?.error('record failed', { ...where, recordIndex: raw.index, error: err });
      return undefined;
    }
    if (step.outcome.kind === 'withhold') {
      // Ticketed like a failed record, blocking the watermark: a replay after the rules change sends it.
      stats.malformed++;
      stats.failed++;
      tracker.progress?.watermark.take(raw.index, true);
      tracker.fail(raw.index, step.outcome.reason);
      this.options.logger?.warn('malformed record withheld', { ...where, recordIndex: raw.index, problem: step.problem, reason: step.outcome.reason });
      return undefined;
    }
    if (step.problem) {
      stats.malformed++;
      this.options.logger?.warn('malformed record forwarded as text', { ...where, recordIndex: raw.index, problem: step.problem });
    }
    if (step.redacted) stats.redacted++;
    const { outcome } = step;
    tracker.progress?.watermark.take(raw.index, outcome.kind !== 'drop');
    if (outcome.kind === 'drop') {
      stats.dropped++;
      tracker.result.dropped++;
      return undefined;
    }
    if (outcome.truncated) stats.truncated++;
    if (outcome.restamped) stats.restamped++;
    return this.batcher.add(outcome.json, { object: tracker, index: raw.index });
  }

  /**
   * A replay that read the whole object without meeting some of its ticket's records: they are
   * not in this version (a ticket without a version, whose object was overwritten; one edited by
   * hand). Nothing can send them, so nothing is ticketed, but the operator is told. A range to
   * the end of the file names none (a read that failed after the last record writes one).
   */
  private checkRangesRead(ranges: readonly RecordRange[], objectRecords: number, where: ObjectContext, versionId: string | undefined): void {
    const missing = rangesFrom(ranges, objectRecords).filter((r) => r.to !== null);
    if (missing.length === 0) return;
    this.options.logger?.warn('replay ticket names records the object does not have', { ...where, ...(versionId ? { versionId } : {}), objectRecords, missing });
  }

  private failObject(tracker: ObjectTracker, err: ParseError | SourceError, nextIndex: number, where: ObjectContext): void {
    tracker.result.status = 'failed';
    tracker.result.reason = err.message;
    this.stats.objectsFailed++;
    // A parse error knows how many records came before it; a source error stops at the last record read.
    const from = err instanceof ParseError && err.recordsBefore !== undefined ? err.recordsBefore : nextIndex;
    tracker.failRest(from, err.message);
    this.options.logger?.error('object failed', { ...where, recordIndex: from, error: err });
  }

  /** Sends a batch without waiting for it, once fewer than `concurrency` are in flight. */
  private async dispatch(batch: Batch<Origin>): Promise<void> {
    while (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
    await this.progressCaughtUp();
    this.stats.bytesBatched += batch.body.length;
    const sending = this.options.sender
      .send(batch, this.deadlineMs)
      .then(
        (report) => {
          settleReport(this.stats, batch, report);
          for (const partial of report.partial ?? []) this.options.logger?.warn('Dynatrace accepted only part of a batch', partlyAccepted(partial));
        },
        (err: unknown) => {
          // Senders report failures as data; a throw is a bug, but still must not lose records.
          this.options.logger?.error('sender threw', { error: err });
          settleReport(this.stats, batch, thrownReport(batch, err));
        },
      )
      .then(() => advanceProgress(batch))
      .finally(() => this.inflight.delete(sending));
    this.inflight.add(sending);
  }

  /**
   * Waits while an object's settled records waiting for their progress write reach one window of
   * batches (only while a write is in flight: a failed one does not hold reading up), so a kill
   * resends at most that many beside the batches in flight.
   */
  private async progressCaughtUp(): Promise<void> {
    for (const tracker of this.trackers) {
      const progress = tracker.progress;
      while (progress && progress.lag() >= this.maxProgressLag && progress.writing) await progress.idle();
    }
  }

  /** The final watermarks, once every batch is settled: written before the invocation answers. */
  private async settleProgress(): Promise<void> {
    for (const tracker of this.trackers) tracker.progress?.advance();
    await Promise.all(this.trackers.map((t) => t.progress?.idle()));
  }

  private finish(): ForwardResult {
    const tickets: ReplayTicket[] = [];
    const now = this.clock();
    for (const tracker of this.trackers) {
      tickets.push(...finishObject(tracker, now));
      if (tracker.result.status !== 'skipped') this.logObjectDone(tracker);
    }
    this.stats.tickets = tickets.length;
    return { stats: this.stats, objects: this.trackers.map((t) => t.result), tickets };
  }

  private logObjectDone({ ref, result }: ObjectTracker): void {
    this.options.logger?.info('object done', {
      ...(ref.bucket ? { bucket: ref.bucket } : {}),
      key: ref.key,
      status: result.status,
      records: result.records,
      sent: result.sent,
      dropped: result.dropped,
      failed: result.failed,
      ...(result.alreadyForwarded > 0 ? { alreadyForwarded: result.alreadyForwarded } : {}),
      tickets: result.tickets.length,
    });
  }
}

/** Raises the watermark of each object the settled batch holds records of. */
function advanceProgress(batch: Batch<Origin>): void {
  let last: ObjectTracker | undefined;
  for (const { object } of batch.origins) {
    if (object === last) continue;
    last = object;
    object.progress?.advance();
  }
}

const DEADLINE = Symbol('deadline');
const DEADLINE_REASON = 'deadline: the invocation ran out of time while reading the object';

/** What the deadline timer aborts a waiting read with. */
class DeadlineAbort extends Error {
  override readonly name = 'DeadlineAbort';
}

interface ReadDeadline {
  fired: boolean;
  readonly passed: Promise<typeof DEADLINE>;
  /** The object being read, once open. */
  reading?: OpenedObject;
  clear(): void;
}

/** Releases an object opened too late to be read. */
async function drainNothing(opened: OpenedObject): Promise<void> {
  opened.abort?.(new DeadlineAbort(DEADLINE_REASON));
  try {
    await opened.body[Symbol.asyncIterator]().return?.();
  } catch {
    // Nothing to read from it anyway.
  }
}

function locationOf(ref: ObjectRef): ObjectLocation {
  return { bucket: ref.bucket, key: ref.key, versionId: ref.versionId };
}
