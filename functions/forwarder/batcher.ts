/**
 * Groups serialized events into request bodies within Dynatrace's limits: at most `maxEvents`
 * events and `maxBytes` bytes of UTF-8 JSON (`[e1,e2,...]`, brackets and commas counted). A batch
 * is closed before an event would push it over a cap, never after.
 *
 * Events are written straight into the body buffer as they come, so a batch costs its body's
 * bytes and nothing more (no array of strings, no join), which keeps the forwarder's memory flat.
 */

export interface Batch<T> {
  /** The request body: a JSON array of the events, UTF-8. */
  readonly body: Buffer;
  /** Offset in `body` where each event starts. */
  readonly offsets: readonly number[];
  /** What each event stands for (its file and record index), parallel to `offsets`. */
  readonly origins: readonly T[];
}

export interface BatchLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c; // ,
/** `[` + `]` */
const ARRAY_OVERHEAD = 2;

class OpenBatch<T> {
  readonly offsets: number[] = [];
  readonly origins: T[] = [];
  private readonly buffer: Buffer;
  /** Bytes written, the closing bracket excluded. */
  length = 1;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
    this.buffer[0] = OPEN;
  }

  /** The body size with this event added. */
  bytesWith(eventBytes: number): number {
    return this.length + eventBytes + (this.offsets.length > 0 ? 1 : 0) + 1;
  }

  fits(eventBytes: number): boolean {
    return this.bytesWith(eventBytes) <= this.buffer.length;
  }

  add(json: string, origin: T): void {
    if (this.offsets.length > 0) this.buffer[this.length++] = COMMA;
    this.offsets.push(this.length);
    this.length += this.buffer.write(json, this.length, 'utf8');
    this.origins.push(origin);
  }

  close(): Batch<T> {
    this.buffer[this.length] = CLOSE;
    return { body: this.buffer.subarray(0, this.length + 1), offsets: this.offsets, origins: this.origins };
  }
}

export class Batcher<T> {
  private current?: OpenBatch<T>;

  constructor(private readonly limits: BatchLimits) {}

  /**
   * Adds an event of `bytes` UTF-8 bytes. Returns the batch that had to be closed to make room,
   * if any. An event bigger than `maxBytes` on its own still goes out, alone in its batch.
   */
  add(json: string, bytes: number, origin: T): Batch<T> | undefined {
    let closed: Batch<T> | undefined;
    const cur = this.current;
    if (cur && (cur.offsets.length >= this.limits.maxEvents || cur.bytesWith(bytes) > this.limits.maxBytes || !cur.fits(bytes))) {
      closed = cur.close();
      this.current = undefined;
    }
    // allocUnsafe does not touch the pages: a small batch costs only what it writes.
    this.current ??= new OpenBatch<T>(Math.max(this.limits.maxBytes, bytes + ARRAY_OVERHEAD));
    this.current.add(json, origin);
    return closed;
  }

  /** Closes and returns the open batch; undefined when it is empty (an empty array is never sent). */
  flush(): Batch<T> | undefined {
    const cur = this.current;
    this.current = undefined;
    return cur && cur.offsets.length > 0 ? cur.close() : undefined;
  }
}

/** End (exclusive) of event `i` in the body. */
function eventEnd(batch: Batch<unknown>, i: number): number {
  return i + 1 < batch.offsets.length ? batch.offsets[i + 1] - 1 : batch.body.length - 1;
}

/** Events `[from, to)` as a batch of their own. */
export function sliceBatch<T>(batch: Batch<T>, from: number, to: number): Batch<T> {
  const start = batch.offsets[from];
  const events = batch.body.subarray(start, eventEnd(batch, to - 1));
  const body = Buffer.allocUnsafe(events.length + ARRAY_OVERHEAD);
  body[0] = OPEN;
  events.copy(body, 1);
  body[body.length - 1] = CLOSE;
  return { body, offsets: batch.offsets.slice(from, to).map((o) => o - start + 1), origins: batch.origins.slice(from, to) };
}

/** Splits a batch in two halves (for 400 and 413 answers). */
export function splitBatch<T>(batch: Batch<T>): [Batch<T>, Batch<T>] {
  const mid = Math.ceil(batch.offsets.length / 2);
  return [sliceBatch(batch, 0, mid), sliceBatch(batch, mid, batch.offsets.length)];
}

/** The serialized events (for printing and tests). */
export function batchEvents(batch: Batch<unknown>): string[] {
  return batch.offsets.map((start, i) => batch.body.toString('utf8', start, eventEnd(batch, i)));
}
