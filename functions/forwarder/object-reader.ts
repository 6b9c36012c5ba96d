/**
 * Streams the records of one CloudTrail log file: bytes -> gunzip when they start with 1f 8b
 * (whatever the key or Content-Encoding say) -> {@link RecordSplitter}. Memory holds one chunk
 * and the record being read, whatever the file size.
 */
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ObjectContext, ParseError, SourceError } from './errors';
import { RawRecord, RecordSplitter, SplitError } from './record-splitter';

/** Gunzip output chunk size: big enough to amortize per-chunk work, small next to the budget. */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

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
  let chunks: AsyncIterable<Uint8Array>;
  let head: Buffer;
  try {
    head = await readHead(source);
  } catch (err) {
    throw streamError(err, context, 0);
  }
  const rest = guarded(head, source, context);
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    pipeline(Readable.from(rest, { objectMode: false }), gunzip, () => {
      // Errors surface through the iteration of `gunzip` below.
    });
    chunks = gunzip;
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
