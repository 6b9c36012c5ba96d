import { gunzipSync } from 'node:zlib';
import { gzipWhileFilling } from '../../../functions/forwarder/batch-gzip';
import { Batch, batchEvents, Batcher, BodyCompressor, COMPRESS_PIECE_BYTES, splitBatch } from '../../../functions/forwarder/batcher';

const event = (n: number, size = 10) => JSON.stringify({ content: `${n}`.padEnd(size, 'é') });

function fill(batcher: Batcher<number>, count: number, size?: number): Batch<number>[] {
  const out: Batch<number>[] = [];
  for (let i = 0; i < count; i++) {
    const json = event(i, size);
    const closed = batcher.add(json, i);
    if (closed) out.push(closed);
  }
  const last = batcher.flush();
  if (last) out.push(last);
  return out;
}

describe('Batcher', () => {
  it('closes a batch at the event cap', () => {
    const batches = fill(new Batcher({ maxEvents: 3, maxBytes: 1e9 }), 7);
    expect(batches.map((b) => b.origins)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('measures the body in serialized UTF-8 bytes and stays within the byte budget', () => {
    const batches = fill(new Batcher({ maxEvents: 50_000, maxBytes: 1000 }), 100, 40);
    for (const b of batches) {
      expect(b.body.length).toBeLessThanOrEqual(1000);
      expect(JSON.parse(b.body.toString('utf8'))).toEqual(batchEvents(b).map((e) => JSON.parse(e)));
    }
    expect(batches.flatMap((b) => b.origins)).toEqual([...Array(100).keys()]);
    // Full batches: the next event would not have fitted.
    const perEvent = Buffer.byteLength(event(0, 40)) + 1;
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches.slice(0, -1)) expect(b.body.length + perEvent).toBeGreaterThan(1000);
  });

  it('fills a batch to the exact byte budget, multibyte characters measured as UTF-8', () => {
    // 'é' is 1 UTF-16 unit and 2 UTF-8 bytes: the batcher must count the bytes, not the length.
    for (const maxBytes of [200, 201, 202, 203, 257]) {
      const batches = fill(new Batcher({ maxEvents: 50_000, maxBytes }), 60, 17);
      expect(batches.flatMap((b) => b.origins)).toEqual([...Array(60).keys()]);
      for (const b of batches) {
        expect(b.body.length).toBeLessThanOrEqual(maxBytes);
        expect(batchEvents(b)).toEqual(b.origins.map((n) => event(n, 17)));
      }
      expect(batches.length).toBeGreaterThan(1);
      for (const b of batches.slice(0, -1)) expect(b.body.length + Buffer.byteLength(event(0, 17)) + 1).toBeGreaterThan(maxBytes);
    }
  });

  it('sends an event bigger than the budget alone', () => {
    const batcher = new Batcher<number>({ maxEvents: 10, maxBytes: 50 });
    const big = event(1, 100);
    expect(batcher.add(event(0), 0)).toBeUndefined();
    expect(batcher.add(big, 1)?.origins).toEqual([0]);
    expect(batcher.add(event(2), 2)?.origins).toEqual([1]);
    expect(batcher.flush()?.origins).toEqual([2]);
  });

  it('never returns an empty batch', () => {
    const batcher = new Batcher<number>({ maxEvents: 1, maxBytes: 100 });
    expect(batcher.flush()).toBeUndefined();
    expect(fill(batcher, 0)).toEqual([]);
  });

  it('splits a batch into halves whose sizes add up', () => {
    const [batch] = fill(new Batcher({ maxEvents: 100, maxBytes: 1e9 }), 5);
    const [a, b] = splitBatch(batch);
    expect(a.origins).toEqual([0, 1, 2]);
    expect(b.origins).toEqual([3, 4]);
    expect(JSON.parse(a.body.toString())).toEqual([0, 1, 2].map((n) => JSON.parse(event(n))));
    expect(JSON.parse(b.body.toString())).toEqual([3, 4].map((n) => JSON.parse(event(n))));
    expect(batchEvents(b)).toEqual([event(3), event(4)]);
    const [c, d] = splitBatch(b);
    expect([batchEvents(c), batchEvents(d)]).toEqual([[event(3)], [event(4)]]);
  });
});

describe('Batcher with a BodyCompressor', () => {
  /** Records what each batch's compressor is handed; "compresses" to the concatenation. */
  function recordingCompressor(pieces: Buffer[][]): () => BodyCompressor {
    return () => {
      const mine: Buffer[] = [];
      pieces.push(mine);
      return {
        write: (bytes) => mine.push(Buffer.from(bytes)),
        end: async (last) => {
          mine.push(Buffer.from(last));
          return Buffer.concat(mine);
        },
      };
    };
  }

  it('hands each batch its body once, in order, in pieces of at least COMPRESS_PIECE_BYTES, events that did not fit left out', async () => {
    const pieces: Buffer[][] = [];
    const maxBytes = 3 * COMPRESS_PIECE_BYTES + 1000;
    const batches = fill(new Batcher({ maxEvents: 50_000, maxBytes }, recordingCompressor(pieces)), 3000, 700);
    expect(batches.length).toBeGreaterThan(2);
    expect(pieces).toHaveLength(batches.length);
    for (const [i, b] of batches.entries()) {
      // Buffer.equals: jest's toEqual walks a buffer element by element (seconds per MB).
      const compressed = await b.compressed;
      expect(compressed?.length).toBe(b.body.length);
      expect(compressed?.equals(b.body)).toBe(true);
      expect(pieces[i].length).toBeGreaterThan(1);
      for (const piece of pieces[i].slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(COMPRESS_PIECE_BYTES);
    }
    expect(batches.flatMap((b) => b.origins)).toEqual([...Array(3000).keys()]);
  });

  it('gzips the body while the batch fills: it gunzips to the body', async () => {
    const batches = fill(new Batcher({ maxEvents: 50_000, maxBytes: 4 * COMPRESS_PIECE_BYTES }, () => gzipWhileFilling(3)), 4000, 500);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) {
      expect(b.compressed).toBeDefined();
      const body = gunzipSync(await b.compressed!);
      expect(body.length).toBe(b.body.length);
      expect(body.equals(b.body)).toBe(true);
    }
  });

  it('leaves the halves of a split batch uncompressed, for the sender to compress', async () => {
    const [batch] = fill(new Batcher({ maxEvents: 50_000, maxBytes: 1e6 }, () => gzipWhileFilling(3)), 10);
    expect(batch.compressed).toBeDefined();
    for (const half of splitBatch(batch)) expect(half.compressed).toBeUndefined();
  });
});
