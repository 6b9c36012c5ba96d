/**
 * A body stream that stops sending while it is being read fails in bounded time.
 *
 * Only a wait counts: the time between a `next()` on the body and its answer. A stream nobody
 * reads (read ahead and held back by the byte budget, or paused while the batches in flight are
 * full) is idle on purpose and never fails here. That is why this is not the HTTP handler's socket
 * timeout (`socketTimeout`), which counts any silence on the socket, paused or not, and would
 * destroy those streams.
 *
 * Cost: no timer per chunk. A wait bumps a counter at its start and its end; one interval per
 * {@link StallWatch}, running only while a body it watches is open, looks every quarter of the
 * timeout and fails a body that was waiting, with no progress, for four looks in a row: after
 * between `stallMs` and 1.25 x `stallMs`. Looks are counted, not clock time, so an event loop
 * busy for longer than the timeout (a big object parsed in one go) does not fail a body whose
 * bytes sat in the socket meanwhile: every look is followed by the event loop's I/O.
 */

/** The looks at a waiting body without progress after which it fails. */
const LOOKS = 4;

/** The error a stalled body fails with (object-reader.ts turns it into a SourceError naming the object). */
export class StallError extends Error {
  override readonly name = 'StallError';
}

export class StallWatch {
  private readonly bodies = new Set<WatchedBody>();
  private timer?: NodeJS.Timeout;

  /** @param stallMs a wait this long without a byte fails the body */
  constructor(readonly stallMs: number) {
    if (!(stallMs > 0)) throw new Error(`stallMs: ${stallMs} is not a positive number of milliseconds`);
  }

  /** The stream, failing with a {@link StallError} when a read of it waits `stallMs` without a byte; the stream is destroyed then. */
  watch<T>(stream: AsyncIterable<T> & { destroy?: (error?: Error) => unknown }): WatchedStream<T> {
    return new WatchedBody<T>(stream, this);
  }

  /** @internal */
  add(body: WatchedBody): void {
    this.bodies.add(body);
    if (!this.timer) {
      this.timer = setInterval(() => this.look(), Math.max(1, Math.floor(this.stallMs / LOOKS)));
      this.timer.unref();
    }
  }

  /** @internal */
  remove(body: WatchedBody): void {
    this.bodies.delete(body);
    if (this.bodies.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private look(): void {
    for (const body of this.bodies) {
      if (!body.waiting || body.events !== body.seen) {
        body.seen = body.events;
        body.looks = 0;
      } else if (++body.looks >= LOOKS) {
        body.abort(new StallError(`no bytes for ${this.stallMs} ms while the object was being read (the body stalled)`));
      }
    }
  }
}

export interface WatchedStream<T> extends AsyncIterable<T> {
  /** Fails the read under way, and every later one, with `error`, and destroys the stream. */
  abort(error: Error): void;
}

class WatchedBody<T = unknown> implements WatchedStream<T>, AsyncIterator<T> {
  waiting = false;
  /** Bumped when a wait starts and when it ends: progress, as {@link StallWatch} sees it. */
  events = 0;
  seen = 0;
  looks = 0;
  private inner?: AsyncIterator<T>;
  private rejectWait?: (error: Error) => void;
  private failure?: Error;
  private done = false;

  constructor(
    private readonly stream: AsyncIterable<T> & { destroy?: (error?: Error) => unknown },
    private readonly owner: StallWatch,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (!this.inner) {
      this.inner = this.stream[Symbol.asyncIterator]();
      this.owner.add(this);
    }
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.failure) return Promise.reject(this.failure);
    const inner = this.inner ?? this[Symbol.asyncIterator]();
    this.waiting = true;
    this.events++;
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.rejectWait = reject;
      inner.next().then(
        (result) => {
          this.settled();
          if (result.done) this.stop();
          resolve(result);
        },
        (error: unknown) => {
          this.settled();
          this.stop();
          reject(error);
        },
      );
    });
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.stop();
    const result = await this.inner?.return?.(value);
    return result ?? { done: true, value: value as T };
  }

  /** Fails the wait under way (and any later read) and destroys the stream, so its connection is not reused. */
  abort(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.stop();
    const reject = this.rejectWait;
    this.settled();
    reject?.(error);
    try {
      this.stream.destroy?.(error);
    } catch {
      // The wait has failed already; a stream that cannot be destroyed is dropped.
    }
  }

  private settled(): void {
    this.waiting = false;
    this.events++;
    this.rejectWait = undefined;
  }

  private stop(): void {
    if (this.done) return;
    this.done = true;
    this.owner.remove(this);
  }
}
