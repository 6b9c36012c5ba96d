/**
 * Read-ahead: the next objects of a run are opened, and the start of their bodies fetched, while
 * the current one is parsed, so a run of small objects does not wait one first-byte latency per
 * object. It changes when bytes arrive, never what is done with them: each object is still
 * parsed at its turn, in order, and an open or a stream that fails early fails at that object's
 * turn, with the same error, after the same bytes, as if it had been read then.
 *
 * Memory: the bytes fetched ahead (as stored, so compressed for CloudTrail) are held against one
 * shared {@link ByteBudget}. An object reads ahead only while the budget has room, so the total
 * exceeds it by at most one chunk per object read ahead; past that, the stream is left unread and
 * TCP holds the sender back.
 */
import { ObjectLocation, ObjectSource, OpenedObject, OpenOptions } from './object-source';

/**
 * Compressed bytes fetched ahead, all objects together. 16 MiB holds the next nine objects of
 * an SQS batch in full unless they are among the largest CloudTrail writes (~2 MB gzipped for
 * 20 MB of records), and keeps the forwarder's peak RSS under 256 MB on the bench's fleet.
 */
export const READ_AHEAD_MAX_BYTES = 16 * 1024 * 1024;

/** Objects opened ahead of the one being parsed: the rest of an SQS batch of 10. */
export const READ_AHEAD_MAX_OBJECTS = 9;

export interface ReadAheadLimits {
  /** Objects opened ahead of the current one. */
  readonly maxObjects: number;
  /** Bytes fetched ahead, all objects together (each may exceed it by its last chunk). */
  readonly maxBytes: number;
}

export const DEFAULT_READ_AHEAD: ReadAheadLimits = { maxObjects: READ_AHEAD_MAX_OBJECTS, maxBytes: READ_AHEAD_MAX_BYTES };

/** The bytes held ahead, and who waits for room. */
export class ByteBudget {
  private usedBytes = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly maxBytes: number) {}

  get used(): number {
    return this.usedBytes;
  }

  get hasRoom(): boolean {
    return this.usedBytes < this.maxBytes;
  }

  take(bytes: number): void {
    this.usedBytes += bytes;
  }

  release(bytes: number): void {
    if (bytes === 0) return;
    this.usedBytes -= bytes;
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  /** Resolves on the next release (the caller checks {@link hasRoom} again). */
  freed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * One object opened ahead. Until {@link take}, it fetches chunks into a queue while the budget
 * has room; {@link take} hands over a body that yields the queue, then the rest of the stream.
 */
class ObjectAhead {
  private readonly opening: Promise<OpenedObject>;
  /** Aborts the open while it has not answered (./object-source.ts, OpenOptions.signal). */
  private readonly abandon = new AbortController();
  private answered = false;
  private iterator?: AsyncIterator<Uint8Array>;
  private readonly queue: Uint8Array[] = [];
  private pulling?: Promise<void>;
  private ended = false;
  private failure?: { error: unknown };
  private handedOver = false;
  private discarded = false;

  constructor(
    source: ObjectSource,
    location: ObjectLocation,
    private readonly budget: ByteBudget,
  ) {
    this.opening = openSafely(source, location, { signal: this.abandon.signal });
    // A failed open is met at the object's turn (or never, if it is not read): not unhandled.
    this.opening.then(
      (opened) => {
        this.answered = true;
        return this.fetchAhead(opened);
      },
      () => {
        this.answered = true;
      },
    );
  }

  /**
   * The object as {@link ObjectSource.open} would give it now; a failed open rejects as it did.
   * `signal` (the reader's) aborts the open if it fires before the open answered.
   */
  async take(signal?: AbortSignal): Promise<OpenedObject> {
    this.handedOver = true;
    if (signal?.aborted) this.abandonOpen(signal.reason);
    else signal?.addEventListener('abort', () => this.abandonOpen(signal.reason), { once: true });
    const opened = await this.opening;
    return { ...opened, body: this.body() };
  }

  /**
   * The object will not be read (the deadline came first): buffered bytes go, the stream is
   * closed, and an open still waiting for S3 is aborted.
   */
  discard(): void {
    this.discarded = true;
    this.abandonOpen(new Error('the object read ahead was discarded'));
    this.releaseQueue();
    this.opening.then(
      () => this.close(),
      () => undefined,
    );
  }

  /** Aborts the open, only while it has not answered: an opened stream is released by its reader or {@link close}. */
  private abandonOpen(reason: unknown): void {
    if (!this.answered) this.abandon.abort(reason);
  }

  private async fetchAhead(opened: OpenedObject): Promise<void> {
    this.iterator = opened.body[Symbol.asyncIterator]();
    while (!this.handedOver && !this.discarded && !this.ended && !this.failure) {
      if (!this.budget.hasRoom) await this.budget.freed();
      else await this.pull();
    }
  }

  /** Fetches one chunk into the queue; one pull at a time, shared by the fetcher and the body. */
  private pull(): Promise<void> {
    this.pulling ??= this.iterator!.next().then(
      (next) => {
        this.pulling = undefined;
        if (next.done) this.ended = true;
        else if (this.discarded) return;
        else {
          this.queue.push(next.value);
          this.budget.take(next.value.byteLength);
        }
      },
      (error: unknown) => {
        this.pulling = undefined;
        this.failure = { error };
      },
    );
    return this.pulling;
  }

  private async *body(): AsyncGenerator<Uint8Array> {
    let finished = false;
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk) {
          this.budget.release(chunk.byteLength);
          yield chunk;
        } else if (this.failure) {
          throw this.failure.error;
        } else if (this.ended) {
          finished = true;
          return;
        } else if (this.pulling) {
          await this.pulling;
        } else {
          break;
        }
      }
      // Nothing fetched ahead is left: the rest comes straight from the stream, as without read-ahead.
      for (;;) {
        const next = await this.iterator!.next();
        if (next.done) break;
        yield next.value;
      }
      finished = true;
    } finally {
      this.releaseQueue();
      if (!finished && !this.failure) await this.iterator?.return?.();
    }
  }

  private releaseQueue(): void {
    const bytes = this.queue.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    this.queue.length = 0;
    this.budget.release(bytes);
  }

  private close(): void {
    const closing = this.pulling ?? Promise.resolve();
    void closing.then(() => this.iterator?.return?.()).catch(() => undefined);
  }
}

/**
 * The objects of one run opened ahead, by their position in the run. The pipeline says which
 * to {@link start} (only those it would read now) and, at each one's turn, {@link take}s it or
 * {@link discard}s it.
 */
export class ReadAhead {
  private readonly ahead = new Map<number, ObjectAhead>();
  private readonly budget: ByteBudget;

  constructor(
    private readonly source: ObjectSource,
    readonly limits: ReadAheadLimits,
  ) {
    this.budget = new ByteBudget(limits.maxBytes);
  }

  /** Bytes fetched ahead and not yet handed to the parser. */
  get bufferedBytes(): number {
    return this.budget.used;
  }

  has(position: number): boolean {
    return this.ahead.has(position);
  }

  /** Starts opening the object at `position`, unless it already is, or as many are open ahead as allowed. */
  start(position: number, location: ObjectLocation): void {
    if (this.ahead.has(position) || this.ahead.size >= this.limits.maxObjects) return;
    this.ahead.set(position, new ObjectAhead(this.source, location, this.budget));
  }

  /**
   * The object at `position` as opened ahead, or undefined when it was not. `signal` aborts its
   * open if it fires before the open answered (the reader gave the object up).
   */
  take(position: number, signal?: AbortSignal): Promise<OpenedObject> | undefined {
    const object = this.ahead.get(position);
    this.ahead.delete(position);
    return object?.take(signal);
  }

  discard(position: number): void {
    this.ahead.get(position)?.discard();
    this.ahead.delete(position);
  }

  /** Everything still ahead is discarded (the run ended early). */
  close(): void {
    for (const position of [...this.ahead.keys()]) this.discard(position);
  }
}

/** A source that throws instead of rejecting still fails only its own object, at its turn. */
function openSafely(source: ObjectSource, location: ObjectLocation, options: OpenOptions): Promise<OpenedObject> {
  try {
    return source.open(location, options);
  } catch (err) {
    return Promise.reject(err);
  }
}
