/**
 * Groups serialized events into request bodies within Dynatrace's limits: at most
 * `maxEvents` events and `maxBytes` bytes of UTF-8 JSON (`[e1,e2,...]`, brackets and commas
 * counted). A batch is closed before an event would push it over a cap, never after.
 */

export interface Batch<T> {
  /** Serialized events. */
  readonly events: string[];
  /** What each event stands for (its file and record index), parallel to `events`. */
  readonly origins: T[];
  /** Size of the JSON array body in bytes. */
  bytes: number;
}

export interface BatchLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

/** `[` + `]` */
const ARRAY_OVERHEAD = 2;

export function emptyBatch<T>(): Batch<T> {
  return { events: [], origins: [], bytes: ARRAY_OVERHEAD };
}

/** Adds one event's size to a batch size: a comma before every event but the first. */
export function bytesWith(batch: Batch<unknown>, eventBytes: number): number {
  return batch.bytes + eventBytes + (batch.events.length > 0 ? 1 : 0);
}

export class Batcher<T> {
  private current: Batch<T> = emptyBatch();

  constructor(private limits: BatchLimits) {}

  /** Rules can change the limits between files; the open batch keeps what it has. */
  setLimits(limits: BatchLimits): void {
    this.limits = limits;
  }

  /**
   * Adds an event. Returns the batch that had to be closed to make room, if any. An event bigger
   * than `maxBytes` on its own still goes out, alone in its batch.
   */
  add(json: string, bytes: number, origin: T): Batch<T> | undefined {
    let closed: Batch<T> | undefined;
    const cur = this.current;
    if (cur.events.length > 0 && (cur.events.length >= this.limits.maxEvents || bytesWith(cur, bytes) > this.limits.maxBytes)) {
      closed = cur;
      this.current = emptyBatch();
    }
    const target = this.current;
    target.bytes = bytesWith(target, bytes);
    target.events.push(json);
    target.origins.push(origin);
    return closed;
  }

  /** Closes and returns the open batch; undefined when it is empty (an empty array is never sent). */
  flush(): Batch<T> | undefined {
    if (this.current.events.length === 0) return undefined;
    const closed = this.current;
    this.current = emptyBatch();
    return closed;
  }

  get pendingEvents(): number {
    return this.current.events.length;
  }
}

/** Splits a batch in two halves (for 400 and 413 answers). */
export function splitBatch<T>(batch: Batch<T>, eventBytes: (json: string) => number = Buffer.byteLength): [Batch<T>, Batch<T>] {
  const mid = Math.ceil(batch.events.length / 2);
  const make = (from: number, to: number): Batch<T> => {
    const events = batch.events.slice(from, to);
    let bytes = ARRAY_OVERHEAD + Math.max(0, events.length - 1);
    for (const e of events) bytes += eventBytes(e);
    return { events, origins: batch.origins.slice(from, to), bytes };
  };
  return [make(0, mid), make(mid, batch.events.length)];
}

/** The request body: a JSON array of the events. */
export function batchBody(batch: Batch<unknown>): Buffer {
  return Buffer.from(`[${batch.events.join(',')}]`, 'utf8');
}
