/**
 * Streams the records of one CloudTrail log file: bytes -> gunzip when they start with 1f 8b
 * (whatever the key or Content-Encoding say) -> {@link RecordSplitter}. Memory holds one chunk
 * and the record being read, whatever the file size (a small gzipped object: all of it, see
 * {@link WHOLE_GUNZIP_MAX_INPUT_BYTES}).
 */
import { Readable, pipeline } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ObjectContext, ParseError, SourceError } from './errors';
import { RawRecord, RecordSplitter, SplitError } from './record-splitter';

/** Gunzip output chunk size: big enough to amortize per-chunk work, small next to the budget. */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/**
 * A gzipped object of at most this many bytes (as stored) is gunzipped in one call once all of
 * it is in. Most CloudTrail objects are a few KB, and a gunzip stream costs ~0.5 ms of CPU per
 * object to set up and drive (a zlib handle, thread-pool round trips, stream plumbing): more than
 * inflating them. Above ~64 KB (~0.5 MB of records) inflating on the main thread costs more than
 * the stream saves, so bigger objects stream.
 */
export const WHOLE_GUNZIP_MAX_INPUT_BYTES = 64 * 1024;
/** The most a small object may inflate to in one call; beyond (a gzip bomb, say) it streams. */
export const WHOLE_GUNZIP_MAX_OUTPUT_BYTES = 2 * 1024 * 1024;

export interface ReadOptions {
  /** @default DEFAULT_MAX_RECORD_BYTES */
  readonly maxRecordBytes?: number;
}

/**
 * Yields each record's raw bytes in file order. Throws {@link ParseError} (not gzip-clean, not
 * JSON, truncated, no Records) or {@link SourceError} (the stream broke), naming the object and
 * the records already produced. Stopping the iteration early releases the source stream.
 */
export async function* readRecords(
  body: AsyncIterable<Uint8Array>,
  context: ObjectContext,
  options: ReadOptions = {},
): AsyncGenerator<RawRecord> {
  const splitter = new RecordSplitter(options.maxRecordBytes);
  const source = body[Symbol.asyncIterator]();
  let chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  let head: Buffer;
  try {
    head = await readHead(source);
  } catch (err) {
    throw streamError(err, context, 0);
  }
  const rest = guarded(head, source, context);
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const start = await readUpTo(rest, WHOLE_GUNZIP_MAX_INPUT_BYTES);
    const whole = start.complete ? gunzipWhole(start.chunks) : undefined;
    chunks = whole ? [whole] : gunzipStream(replay(start, rest));
  } else {
    chunks = rest;
  }

  try {
    for await (const chunk of chunks) yield* splitChunk(splitter, chunk);
    splitter.end();
  } catch (err) {
    throw streamError(err, context, splitter.recordCount);
  }
}

function gunzipStream(compressed: AsyncIterable<Buffer>): AsyncIterable<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  pipeline(Readable.from(compressed, { objectMode: false }), gunzip, () => {
    // Errors surface through the iteration of the gunzip stream.
  });
  return gunzip;
}

/** The first chunks of the object, up to just over `maxBytes`; `complete` when that is all of it. Never throws: a failure is kept. */
interface ObjectStart {
  readonly chunks: Buffer[];
  readonly complete: boolean;
  readonly failure?: { readonly error: unknown };
}

async function readUpTo(rest: AsyncGenerator<Buffer>, maxBytes: number): Promise<ObjectStart> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    while (bytes <= maxBytes) {
      const next = await rest.next();
      if (next.done) return { chunks, complete: true };
      chunks.push(next.value);
      bytes += next.value.length;
    }
    return { chunks, complete: false };
  } catch (error) {
    return { chunks, complete: false, failure: { error } };
  }
}

/**
 * The small object's records in one call; undefined when it is not clean gzip or inflates too
 * far, so that the stream reads it and reports what it meets, after the records it meets first,
 * exactly as for a big object.
 */
function gunzipWhole(chunks: readonly Buffer[]): Buffer | undefined {
  try {
    return gunzipSync(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), { maxOutputLength: WHOLE_GUNZIP_MAX_OUTPUT_BYTES });
  } catch {
    return undefined;
  }
}

/** The chunks already read, then their failure or the rest of the source (released when reading stops early). */
async function* replay(start: ObjectStart, rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* start.chunks;
    if (start.failure) throw start.failure.error;
    if (!start.complete) yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

/** The records a chunk completes; when the chunk breaks the document, those before the break first, then the error. */
function* splitChunk(splitter: RecordSplitter, chunk: Uint8Array): Generator<RawRecord> {
  let records: RawRecord[];
  try {
    records = splitter.push(chunk);
  } catch (err) {
    if (err instanceof SplitError) yield* err.completed;
    throw err;
  }
  yield* records;
}

/** Reads until at least two bytes are known (or the stream ends), to sniff the gzip magic. */
async function readHead(source: AsyncIterator<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < 2) {
    const next = await source.next();
    if (next.done) break;
    const buf = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    parts.push(buf);
    length += buf.length;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** The head, then the rest of the source; source failures are marked as such. */
async function* guarded(head: Buffer, source: AsyncIterator<Uint8Array>, context: ObjectContext): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  } catch (err) {
    throw new SourceError(`the object stream failed: ${(err as Error).message}`, context, { cause: err });
  } finally {
    await source.return?.();
  }
}

function streamError(err: unknown, context: ObjectContext, recordsBefore: number): Error {
  if (err instanceof SourceError || err instanceof ParseError) return err;
  if (err instanceof SplitError) return new ParseError(err.message, context, { cause: err, recordsBefore: err.recordsBefore });
  const code = (err as { code?: string }).code;
  if (code === 'Z_BUF_ERROR') {
    return new ParseError(`truncated gzip after ${recordsBefore} complete record(s)`, context, { cause: err, recordsBefore });
  }
  if (code === 'Z_DATA_ERROR' || code === 'Z_NEED_DICT') {
    return new ParseError(`corrupt gzip (${(err as Error).message}) after ${recordsBefore} complete record(s)`, context, { cause: err, recordsBefore });
  }
  return new SourceError(`the object stream failed: ${(err as Error).message ?? String(err)}`, context, { cause: err });
}
