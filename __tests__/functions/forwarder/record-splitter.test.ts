import { RecordSplitter, SplitError } from '../../../functions/forwarder/record-splitter';
import { stratusRecords } from './support/cloudtrail';

/** Feeds `text` in chunks of `size` bytes and returns the parsed records. */
function split(input: string | Buffer, size = 1_000_000, maxRecordBytes?: number): unknown[] {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const splitter = new RecordSplitter(maxRecordBytes);
  const out: unknown[] = [];
  for (let i = 0; i < buf.length; i += size) {
    for (const r of splitter.push(buf.subarray(i, i + size))) {
      expect(r.index).toBe(out.length);
      out.push(JSON.parse(r.bytes.toString('utf8')));
    }
  }
  splitter.end();
  return out;
}

function splitError(input: string): SplitError {
  try {
    split(input);
  } catch (err) {
    expect(err).toBeInstanceOf(SplitError);
    return err as SplitError;
  }
  throw new Error('expected a SplitError');
}

describe('RecordSplitter', () => {
  const records = stratusRecords().slice(0, 40);

  it('yields each record of a Records object, whatever the chunk size', () => {
    const text = JSON.stringify({ Records: records });
    for (const size of [1, 2, 3, 7, 64, 4096, text.length]) expect(split(text, size)).toEqual(records);
  });

  it('reads a bare array and pretty-printed JSON', () => {
    expect(split(JSON.stringify(records, null, 2), 13)).toEqual(records);
  });

  it('skips keys before and after Records, including nested brackets and braces in strings', () => {
    const text = `{"meta":{"a":[1,{"b":"]}\\"{["}]},"s":"Records","Records":[{"x":"}{][\\\\"},{"y":1}],"after":[[]]}`;
    expect(split(text, 1)).toEqual([{ x: '}{][\\' }, { y: 1 }]);
  });

  it('ends strings only at unescaped quotes: runs of backslashes before quotes, at every chunk boundary', () => {
    const values = ['\\', '\\\\', '"', '\\"', '\\\\"', 'a"b\\', '\\\\\\"x', '"}]', '\\u0022'];
    const recordsWithEscapes = values.map((v, i) => ({ [`k${i}"\\`]: v, tail: [v, { v }] }));
    const text = JSON.stringify({ Records: recordsWithEscapes });
    for (let size = 1; size <= 40; size++) expect(split(text, size)).toEqual(recordsWithEscapes);
  });

  it('keeps non-object elements as records for the decoder to judge', () => {
    expect(split('{"Records":[1,"two",null,[3],{"ok":true}]}', 2)).toEqual([1, 'two', null, [3], { ok: true }]);
  });

  it('accepts a UTF-8 byte order mark and multi-byte characters across chunks', () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ Records: [{ name: 'Zoë 日本 🚀' }] }))]);
    expect(split(text, 1)).toEqual([{ name: 'Zoë 日本 🚀' }]);
  });

  it('returns no records for an empty Records array', () => {
    expect(split('{"Records":[]}')).toEqual([]);
    expect(split(' [ ] ')).toEqual([]);
  });

  it.each([
    ['', /empty file/],
    ['   \n', /empty file/],
    ['hello', /not JSON: the file starts with "h"/],
    ['{"records":[]}', /no "Records" array/],
    ['{}', /no "Records" array/],
    ['{"Records":{"a":1}}', /"Records" is not an array/],
    ['{"Records":[{"a":1},{"b":', /truncated: .* after 1 complete record/],
    ['{"Records":[{"a":1}]', /truncated/],
    ['{"Records":[{"a":1}]} x', /after the end of the document/],
    ['{"Records":[{"a":1},,{"b":2}]}', /empty element before record 1/],
    ['{"Records":[{"a":1},]}', /trailing comma/],
  ])('rejects %j', (input, message) => {
    expect(splitError(input).message).toMatch(message);
  });

  it('counts the records produced before a structural error', () => {
    expect(splitError('{"Records":[{"a":1},{"b":2},{"c"').recordsBefore).toBe(2);
  });

  it('hands over the records a chunk completed before a structural error in the same chunk (they are counted, so they must not be lost)', () => {
    const splitter = new RecordSplitter();
    expect(splitter.push(Buffer.from('{"Records":[{"a":1},'))).toHaveLength(1);
    let caught: unknown;
    try {
      splitter.push(Buffer.from('{"b":2},{"c":3}]} x'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SplitError);
    const error = caught as SplitError;
    expect(error.message).toMatch(/after the end of the document/);
    expect(error.recordsBefore).toBe(3);
    // The earlier chunk's record was returned already; only this chunk's two come with the error.
    expect(error.completed.map((r) => [r.index, r.bytes.toString()])).toEqual([[1, '{"b":2}'], [2, '{"c":3}']]);
  });

  it('refuses a record larger than the limit instead of holding it', () => {
    const big = JSON.stringify({ Records: [{ a: 'x'.repeat(5000) }] });
    expect(() => split(big, 100, 1000)).toThrow(/record 0 is larger than 1000 bytes/);
  });
});
