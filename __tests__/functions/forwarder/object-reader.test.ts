import { gzipSync } from 'node:zlib';
import { ParseError, SourceError } from '../../../functions/forwarder/errors';
import { readRecords, WHOLE_GUNZIP_MAX_INPUT_BYTES, WHOLE_GUNZIP_MAX_OUTPUT_BYTES } from '../../../functions/forwarder/object-reader';
import { decodeRecord } from '../../../functions/forwarder/record-decoder';
import { logFile, pantherRecords, stratusRecords } from './support/cloudtrail';

const ctx = { bucket: 'trail-bucket', key: 'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/01/f.json.gz' };

async function* chunks(buf: Buffer, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function readAll(buf: Buffer, size?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const r of readRecords(chunks(buf, size), ctx)) out.push(decodeRecord(r.bytes).value ?? decodeRecord(r.bytes).text);
  return out;
}

async function readError(buf: Buffer): Promise<Error> {
  try {
    await readAll(buf);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('readRecords', () => {
  const records = pantherRecords().slice(0, 100);

  it('gunzips a gzipped file and yields its records', async () => {
    expect(await readAll(logFile(records))).toEqual(records);
  });

  it('reads plain JSON too, and sniffs gzip from the bytes, not the name', async () => {
    expect(await readAll(logFile(records, { gzip: false }))).toEqual(records);
    expect(await readAll(logFile(records), 1)).toEqual(records);
  });

  it('fails a truncated gzip file with a ParseError naming bucket, key and the records read', async () => {
    const gz = logFile(records);
    const err = await readError(gz.subarray(0, Math.floor(gz.length * 0.6)));
    expect(err).toBeInstanceOf(ParseError);
    expect(err.message).toMatch(/^s3:\/\/trail-bucket\/AWSLogs\/.*f\.json\.gz.*: truncated/);
  });

  it('fails a corrupt gzip file', async () => {
    const gz = Buffer.from(logFile(records));
    for (let i = 20; i < 60; i++) gz[i] ^= 0xff;
    const err = await readError(gz);
    expect(err).toBeInstanceOf(ParseError);
    expect(err.message).toMatch(/corrupt gzip|truncated/);
  });

  // A small object that fails the whole gunzip is streamed, so either way the error comes at the
  // end, with the records the splitter completed before it; those of the chunk that carries the
  // trailer fail with it (and are ticketed from recordsBefore), not forwarded.
  it.each([
    ['small: the whole gunzip rejects it, the stream reports it', 40, -6, /corrupt gzip \(incorrect data check\)/],
    ['large, streamed', 4000, -6, /corrupt gzip \(incorrect data check\)/],
    ['its length (ISIZE), small', 40, -2, /corrupt gzip \(incorrect length check\)/],
    ['its length (ISIZE), large', 4000, -2, /corrupt gzip \(incorrect length check\)/],
  ])("fails a gzip file whose content does not match its trailer's CRC-32 or length: %s", async (_name, count, at, message) => {
    const many = Array.from({ length: count }, (_, i) => ({ ...records[i % records.length], eventID: `crc-${i}` }));
    const gz = Buffer.from(logFile(many));
    expect(gz.length > WHOLE_GUNZIP_MAX_INPUT_BYTES).toBe(count > 40);
    gz[gz.length + at] ^= 0xff;
    const err = await readError(gz);
    expect(err).toBeInstanceOf(ParseError);
    expect(err.message).toMatch(message);
    expect((err as ParseError).recordsBefore).toBeGreaterThanOrEqual(0);
    expect((err as ParseError).recordsBefore).toBeLessThan(count);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), /empty file/],
    ['a file that is not JSON', Buffer.from('<Error><Code>AccessDenied</Code></Error>'), /not JSON/],
    ['JSON without Records', Buffer.from('{"foo":[]}'), /no "Records" array/],
    ['gzipped JSON without Records', gzipSync('{"foo":[]}'), /no "Records" array/],
    ['an empty gzip stream', gzipSync(Buffer.alloc(0)), /empty file/],
  ])('fails %s with a clear ParseError', async (_name, buf, message) => {
    const err = await readError(buf);
    expect(err).toBeInstanceOf(ParseError);
    expect(err.message).toMatch(message);
    expect(err.message).toContain('s3://trail-bucket/');
  });

  it('yields every record before a structural error in the same chunk, then fails from the record after them', async () => {
    const text = `${JSON.stringify({ Records: records.slice(0, 5) }).slice(0, -2)},,{}]}`;
    const seen: number[] = [];
    let error: unknown;
    try {
      for await (const r of readRecords(chunks(Buffer.from(text), 1 << 20), ctx)) seen.push(r.index);
    } catch (err) {
      error = err;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).message).toMatch(/empty element before record 5/);
    expect((error as ParseError).recordsBefore).toBe(5);
  });

  it('yields nothing for {"Records":[]}', async () => {
    expect(await readAll(gzipSync('{"Records":[]}'))).toEqual([]);
  });

  it('passes a record with invalid UTF-8 on, marked, with the bad bytes replaced', async () => {
    const body = Buffer.concat([Buffer.from('{"Records":[{"eventName":"A'), Buffer.from([0xc3, 0x28]), Buffer.from('"},{"eventName":"B"}]}')]);
    const raw: Buffer[] = [];
    for await (const r of readRecords(chunks(gzipSync(body)), ctx)) raw.push(r.bytes);
    expect(raw).toHaveLength(2);
    const first = decodeRecord(raw[0]);
    expect(first.problem).toBe('invalid-utf8');
    expect((first.value as { eventName: string }).eventName).toBe('A\ufffd(');
    expect(decodeRecord(raw[1]).problem).toBeUndefined();
  });

  it('reads a 1 MB record whole', async () => {
    const big = { ...records[0], requestParameters: { blob: 'x'.repeat(1024 * 1024) } };
    const out = await readAll(logFile([records[1], big, records[2]]), 64 * 1024);
    expect(out).toEqual([records[1], big, records[2]]);
  });

  it('reports a broken source stream as a SourceError', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield logFile(records).subarray(0, 500);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    let error: unknown;
    try {
      for await (const _r of readRecords(broken(), ctx)) {
        // consume
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toMatch(/s3:\/\/trail-bucket\/.*: the object stream failed: socket hang up/);
  });
});

describe('readRecords: small gzipped objects in one call, bigger ones streamed', () => {
  /** A source that counts the chunks pulled from it and whether it was released. */
  function countingSource(buf: Buffer, size = 1000) {
    const state = { pulled: 0, total: Math.ceil(buf.length / size), released: false };
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < buf.length; i += size) {
          state.pulled++;
          yield buf.subarray(i, i + size);
        }
      } finally {
        state.released = true;
      }
    }
    return { state, body: body() };
  }

  /** Every record of the shared data with distinct ids, so the file does not compress to almost nothing. */
  function bigFileRecords(): Record<string, unknown>[] {
    return [...pantherRecords(), ...stratusRecords(), ...pantherRecords()].map((r, i) => ({ ...r, eventID: `${i}-${Math.sin(i + 1).toString(36)}` }));
  }

  it('reads a small gzipped object whole before its first record', async () => {
    // Bigger than a stream reads ahead of its consumer (~32 KB), at most the size read whole.
    const all = bigFileRecords();
    let count = Math.floor((all.length * WHOLE_GUNZIP_MAX_INPUT_BYTES) / logFile(all).length);
    while (logFile(all.slice(0, count)).length > WHOLE_GUNZIP_MAX_INPUT_BYTES) count -= 2;
    const records = all.slice(0, count);
    const gz = logFile(records);
    expect(gz.length).toBeLessThanOrEqual(WHOLE_GUNZIP_MAX_INPUT_BYTES);
    expect(gz.length).toBeGreaterThan((WHOLE_GUNZIP_MAX_INPUT_BYTES * 3) / 4);
    const { state, body } = countingSource(gz);
    const out: unknown[] = [];
    const pulledAtFirst: number[] = [];
    for await (const r of readRecords(body, ctx)) {
      if (out.length === 0) pulledAtFirst.push(state.pulled);
      out.push(decodeRecord(r.bytes).value);
    }
    expect(out).toEqual(records);
    expect(pulledAtFirst).toEqual([state.total]);
  });

  it('streams a bigger gzipped object: its first records come before the rest of it is read', async () => {
    const records = bigFileRecords();
    const gz = logFile(records);
    expect(gz.length).toBeGreaterThan(2 * WHOLE_GUNZIP_MAX_INPUT_BYTES);
    const { state, body } = countingSource(gz);
    const out: unknown[] = [];
    let pulledAtFirst = -1;
    for await (const r of readRecords(body, ctx)) {
      if (out.length === 0) pulledAtFirst = state.pulled;
      out.push(decodeRecord(r.bytes).value);
    }
    expect(out).toEqual(records);
    expect(pulledAtFirst).toBeGreaterThan(0);
    expect(pulledAtFirst).toBeLessThan(state.total);
  });

  it('releases the source of a streamed object when reading stops after its first record', async () => {
    const { state, body } = countingSource(logFile(bigFileRecords()));
    const seen: number[] = [];
    for await (const r of readRecords(body, ctx)) {
      seen.push(r.index);
      break;
    }
    expect(seen).toEqual([0]);
    // The stream is torn down on the next turns of the event loop.
    for (let turn = 0; turn < 10 && !state.released; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(state.released).toBe(true);
    expect(state.pulled).toBeLessThan(state.total);
  });

  it('reads a small object that inflates beyond WHOLE_GUNZIP_MAX_OUTPUT_BYTES, all of it', async () => {
    const [first, second] = pantherRecords();
    const records = [first, { ...second, requestParameters: { blob: 'x'.repeat(WHOLE_GUNZIP_MAX_OUTPUT_BYTES + 1) } }, first];
    const gz = logFile(records);
    expect(gz.length).toBeLessThanOrEqual(WHOLE_GUNZIP_MAX_INPUT_BYTES);
    expect(await readAll(gz)).toEqual(records);
  });

  it('yields the records before the cut of a small truncated gzip object, then fails from the next one', async () => {
    const gz = logFile(pantherRecords().slice(0, 100));
    expect(gz.length).toBeLessThanOrEqual(WHOLE_GUNZIP_MAX_INPUT_BYTES);
    const seen: number[] = [];
    let error: unknown;
    try {
      for await (const r of readRecords(chunks(gz.subarray(0, Math.floor(gz.length * 0.6))), ctx)) seen.push(r.index);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect(seen.length).toBeGreaterThan(0);
    expect((error as ParseError).recordsBefore).toBe(seen.length);
    expect((error as ParseError).message).toMatch(new RegExp(`truncated gzip after ${seen.length} complete record`));
  });
});
