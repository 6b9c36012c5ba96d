import { SourceError } from '../../../../functions/forwarder/errors';
import { ObjectLocation, ObjectSource, OpenedObject } from '../../../../functions/forwarder/object-source';

/** How one object of a {@link LoggingSource} behaves. */
export interface ScriptedObject {
  readonly body: Buffer;
  /** The open rejects with a SourceError of this code. */
  readonly failOpen?: string;
  /** The stream breaks after this many chunks. */
  readonly breakAfterChunks?: number;
  /** The open answers after this many ms (S3's first-byte latency). @default 0 */
  readonly openDelayMs?: number;
}

/**
 * An object store that logs, in order, when each open starts (`open NAME`), each chunk it hands
 * out (`chunk NAME`), the end of each stream (`end NAME`) and each stream its reader closed
 * before the end (`close NAME`), and counts the bytes handed out per object: what read-ahead does is visible
 * from here.
 */
export class LoggingSource implements ObjectSource {
  readonly log: string[] = [];
  readonly bytesOut = new Map<string, number>();
  private readonly objects = new Map<string, { name: string; object: ScriptedObject }>();

  constructor(readonly chunkBytes = 1024) {}

  put(bucket: string, key: string, name: string, object: ScriptedObject): this {
    this.objects.set(`${bucket}/${key}`, { name, object });
    return this;
  }

  /** The log lines of one kind (`open`, `chunk`, `end`, `close`), as object names. */
  names(kind: string): string[] {
    return this.log.filter((line) => line.startsWith(`${kind} `)).map((line) => line.slice(kind.length + 1));
  }

  async open(location: ObjectLocation): Promise<OpenedObject> {
    const entry = this.objects.get(`${location.bucket}/${location.key}`);
    if (!entry) throw new SourceError('the object does not exist', { bucket: location.bucket, key: location.key, code: 'NoSuchKey' });
    const { name, object } = entry;
    this.log.push(`open ${name}`);
    if (object.openDelayMs) await new Promise((resolve) => setTimeout(resolve, object.openDelayMs));
    if (object.failOpen) throw new SourceError(object.failOpen, { bucket: location.bucket, key: location.key, code: object.failOpen });
    const chunks = this.stream(name, object);
    let ended = false;
    const iterator: AsyncIterator<Uint8Array> = {
      next: async () => {
        const next = await chunks.next();
        ended ||= next.done === true;
        return next;
      },
      return: async () => {
        if (!ended) this.log.push(`close ${name}`);
        ended = true;
        return chunks.return(undefined);
      },
    };
    return { versionId: location.versionId ?? `v-${name}`, contentLength: object.body.length, body: { [Symbol.asyncIterator]: () => iterator } };
  }

  private async *stream(name: string, object: ScriptedObject): AsyncGenerator<Uint8Array> {
    for (let at = 0, chunks = 0; at < object.body.length; at += this.chunkBytes, chunks++) {
      if (chunks === object.breakAfterChunks) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      // A macrotask per chunk, as a socket gives them, so the reader and the read-ahead interleave.
      await new Promise((resolve) => setImmediate(resolve));
      const chunk = object.body.subarray(at, at + this.chunkBytes);
      this.log.push(`chunk ${name}`);
      this.bytesOut.set(name, (this.bytesOut.get(name) ?? 0) + chunk.length);
      yield chunk;
    }
    this.log.push(`end ${name}`);
  }
}
