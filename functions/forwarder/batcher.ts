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
  /** `body` compressed while the batch filled, when the batcher had a {@link BodyCompressor}. */
  readonly compressed?: Promise<Buffer>;
  /** Offset in `body` where each event starts. */
  readonly offsets: readonly number[];
  /** What each event stands for (its file and record index), parallel to `offsets`. */
  readonly origins: readonly T[];
}

export interface BatchLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

/**
 * Compresses a body while its batch fills: a batch that closes at the end of an invocation (on
 * a fleet of small objects, often the only one) is then not compressed only after the last
 * record, while the function waits. Bytes come in order, each once, and are never changed after.
 */
export interface BodyCompressor {
  write(bytes: Buffer): void;
  /** The last bytes; resolves to the compressed body (a rejection is for the sender to meet). */
  end(last: Buffer): Promise<Buffer>;
}

/** Committed bytes are handed to the compressor in pieces of at least this size, so each costs little. */
export const COMPRESS_PIECE_BYTES = 256 * 1024;

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
  /** Bytes handed to the compressor. */
  private compressedUpTo = 0;

  constructor(
    capacity: number,
    private readonly compressor?: BodyCompressor,
  ) {
    this.buffer = Buffer.allocUnsafe(capacity);
    this.buffer[0] = OPEN;
  }

  /**
   * Appends the event if the body stays within `maxBytes` (closing bracket included); false,
   * with nothing changed, otherwise. The event is measured by writing it when the buffer has room
   * for the worst case (3 bytes per UTF-16 unit), so the common case encodes it once.
   */
  tryAdd(json: string, origin: T, maxBytes: number): boolean {
    const start = this.length + (this.offsets.length > 0 ? 1 : 0);
    let bytes: number;
    if (start + json.length * 3 + 1 <= this.buffer.length) {
      bytes = this.buffer.write(json, start, 'utf8');
      if (start + bytes + 1 > maxBytes) return false;
    } else {
      bytes = Buffer.byteLength(json);
      if (start + bytes + 1 > Math.min(maxBytes, this.buffer.length)) return false;
      this.buffer.write(json, start, 'utf8');
    }
    if (start > this.length) this.buffer[this.length] = COMMA;
    this.offsets.push(start);
    this.origins.push(origin);
    this.length = start + bytes;
    // Only committed bytes: a later event that does not fit is written past `length` and dropped.
    if (this.compressor && this.length - this.compressedUpTo >= COMPRESS_PIECE_BYTES) {
      this.compressor.write(this.buffer.subarray(this.compressedUpTo, this.length));
      this.compressedUpTo = this.length;
    }
    return true;
  }

  close(): Batch<T> {
    this.buffer[this.length] = CLOSE;
    const body = this.buffer.subarray(0, this.length + 1);
    if (!this.compressor) return { body, offsets: this.offsets, origins: this.origins };
    const compressed = this.compressor.end(body.subarray(this.compressedUpTo));
    // Met when the batch is sent; a batch waiting for its turn must not count as an unhandled rejection.
    compressed.catch(() => undefined);
    return { body, compressed, offsets: this.offsets, origins: this.origins };
  }
}

export class Batcher<T> {
  private current?: OpenBatch<T>;

  /** @param compressor gives each new batch its {@link BodyCompressor}; @default - bodies are left to the sender to compress */
  constructor(
    private readonly limits: BatchLimits,
    private readonly compressor?: () => BodyCompressor,
  ) {}

  /**
   * Adds a serialized event. Returns the batch that had to be closed to make room, if any. An
   * event bigger than `maxBytes` on its own still goes out, alone in its batch.
   */
  add(json: string, origin: T): Batch<T> | undefined {
    const cur = this.current;
    if (cur) {
      if (cur.offsets.length < this.limits.maxEvents && cur.tryAdd(json, origin, this.limits.maxBytes)) return undefined;
      this.current = undefined;
    }
    // allocUnsafe does not touch the pages: a small batch costs only what it writes.
    const fresh = new OpenBatch<T>(Math.max(this.limits.maxBytes, Buffer.byteLength(json) + ARRAY_OVERHEAD), this.compressor?.());
    fresh.tryAdd(json, origin, Number.POSITIVE_INFINITY);
    this.current = fresh;
    return cur?.close();
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
