/**
 * Progress checkpoints: how far into an object a notification's delivery has got, kept outside
 * the process, so a second delivery of the same notification (Lambda's retry after a crash, a
 * kill or a timeout) resumes where the first left off instead of resending the whole object.
 *
 * The watermark is a record index: every record below it was sent or dropped by a rule. A record
 * that failed blocks it, because its ticket is not durable until the invocation ends; so does an
 * unread rest. After a kill the second delivery therefore resends only what Dynatrace may have
 * taken without the watermark knowing: the batches in flight, and the settled records whose
 * progress write had not landed (the pipeline pauses reading when those reach one window of
 * batches, so a write covers at most that many).
 *
 * Only notification deliveries use it; ticket replays (ranges) are exact already.
 *
 * The object is named by bucket, key and versionId. Without a versionId, bucket and key: CloudTrail
 * writes every key once (its name ends in a unique suffix), so the name alone is one object. The
 * notification's sequencer or ETag would tell an overwritten object apart, but neither is in the
 * parsed notification, and a retry carries the same ones anyway.
 */
import type { Logger } from '../lib/logger';
import type { ObjectRef } from './notifications';

/** Where watermarks are kept. `save` only ever raises a watermark (conditional write). */
export interface ProgressStore {
  /** Records of the object already accounted (sent or dropped): the index to resume at; 0 when unknown. */
  load(object: string): Promise<number>;
  save(object: string, watermark: number): Promise<void>;
}

/** The store's name for the object a notification names, or undefined for a replay (ranges). */
export function progressKeyOf(ref: ObjectRef): string | undefined {
  if (ref.ranges || ref.ticket) return undefined;
  return ref.versionId ? `${ref.bucket}/${ref.key}?versionId=${ref.versionId}` : `${ref.bucket}/${ref.key}`;
}

/**
 * The contiguous watermark of one object, from the records taken (read, and dropped or batched)
 * and settled. Pure: records are taken in index order, settled in any order.
 */
export class Watermark {
  private low: number;
  private taken: number;
  private ceiling = Number.POSITIVE_INFINITY;
  /** Batched and not yet sent: in flight, or failed (waiting for its ticket). */
  private readonly outstanding = new Set<number>();

  constructor(readonly start: number) {
    this.low = start;
    this.taken = start;
  }

  /** A record read and either dropped (accounted now) or batched (outstanding until it settles as sent). */
  take(index: number, batched: boolean): void {
    if (batched) this.outstanding.add(index);
    this.taken = Math.max(this.taken, index + 1);
  }

  /** A batched record Dynatrace took. A failed one is never settled: it blocks the watermark. */
  sent(index: number): void {
    this.outstanding.delete(index);
  }

  /** Records from `from` on were not read (deadline, source or parse error): the watermark stays below. */
  block(from: number): void {
    this.ceiling = Math.min(this.ceiling, from);
  }

  value(): number {
    while (this.low < this.taken && !this.outstanding.has(this.low)) this.low++;
    return Math.max(this.start, Math.min(this.low, this.ceiling));
  }
}

export interface ProgressCounters {
  /** Progress writes that failed (logged; they can only cause duplicates later). */
  progressSaveFailed: number;
}

/**
 * One object's watermark and its writes: serialized (one in flight, the latest value queued),
 * only increasing, and a failed write logged and counted, never thrown.
 */
export class ObjectProgress {
  readonly watermark: Watermark;
  /** The highest watermark stored (or the one loaded). */
  private durable: number;
  private wanted: number;
  /** The write in flight, if any. */
  writing?: Promise<void>;

  constructor(
    private readonly store: ProgressStore,
    readonly object: string,
    start: number,
    private readonly counters: ProgressCounters,
    private readonly logger?: Logger,
  ) {
    this.watermark = new Watermark(start);
    this.durable = start;
    this.wanted = start;
  }

  /** Records accounted but not yet stored: what a kill now would resend beside the batches in flight. */
  lag(): number {
    return this.wanted - this.durable;
  }

  /** Starts a write of the current watermark if it rose; never waits for it. */
  advance(): void {
    this.wanted = Math.max(this.wanted, this.watermark.value());
    if (!this.writing && this.wanted > this.durable) this.writing = this.writeLoop();
  }

  /** Resolves once no write is in flight (the last one may have failed: see the counters). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.wanted > this.durable) {
        const value = this.wanted;
        try {
          await this.store.save(this.object, value);
          this.durable = value;
        } catch (err) {
          this.counters.progressSaveFailed++;
          this.logger?.warn('progress not saved: a second delivery would resend from the last saved record', { object: this.object, watermark: value, error: err });
          return;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}

/** Loads an object's watermark; a failed load is logged and means 0 (resend all: duplicates, never loss). */
export async function loadWatermark(store: ProgressStore, object: string, counters: { progressLoadFailed: number }, logger?: Logger): Promise<number> {
  try {
    const watermark = await store.load(object);
    return Number.isSafeInteger(watermark) && watermark > 0 ? watermark : 0;
  } catch (err) {
    counters.progressLoadFailed++;
    logger?.warn('progress not loaded: reading the object from its first record', { object, error: err });
    return 0;
  }
}
