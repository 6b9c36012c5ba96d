import { Batch } from '../../../functions/forwarder/batcher';
import { BatchSender, DeliveryReport } from '../../../functions/forwarder/ingest-client';
import { ObjectRef } from '../../../functions/forwarder/notifications';
import { forwardObjects } from '../../../functions/forwarder/pipeline';
import { ObjectProgress, progressKeyOf, ProgressStore, Watermark } from '../../../functions/forwarder/progress';
import { compileRules } from '../../../functions/forwarder/rules';
import { rulesSchema } from '../../../functions/forwarder/rules-schema';
import { createTicket } from '../../../functions/forwarder/tickets';
import { RecordingSender } from './support/recording-sender';
import { cloudTrailKey, freshen, logFile, MemorySource, stratusRecords } from './support/cloudtrail';

const BUCKET = 'trail-archive-test';
const NOW = Date.now();

describe('Watermark', () => {
  it('advances only over a contiguous run of settled records, whatever order they settle in', () => {
    const w = new Watermark(0);
    for (const i of [0, 1, 2, 3]) w.take(i, true);
    w.sent(2);
    w.sent(3);
    expect(w.value()).toBe(0);
    w.sent(0);
    expect(w.value()).toBe(1);
    w.sent(1);
    expect(w.value()).toBe(4);
  });

  it('counts a dropped record as accounted at once', () => {
    const w = new Watermark(0);
    w.take(0, false);
    w.take(1, true);
    w.take(2, false);
    expect(w.value()).toBe(1);
    w.sent(1);
    expect(w.value()).toBe(3);
  });

  it('stays below a failed record (never settled: its ticket is not durable yet)', () => {
    const w = new Watermark(0);
    for (const i of [0, 1, 2]) w.take(i, true);
    w.sent(0);
    w.sent(2);
    expect(w.value()).toBe(1);
  });

  it('stays below an unread rest, and starts where a previous delivery left off', () => {
    const w = new Watermark(10);
    expect(w.value()).toBe(10);
    for (const i of [10, 11, 12]) w.take(i, false);
    w.block(11);
    expect(w.value()).toBe(11);
  });
});

describe('progressKeyOf', () => {
  it('names a notification object by bucket, key and version; a replay has none', () => {
    expect(progressKeyOf({ bucket: 'b', key: 'k' })).toBe('b/k');
    expect(progressKeyOf({ bucket: 'b', key: 'k', versionId: 'v1' })).toBe('b/k?versionId=v1');
    const ticket = createTicket({ bucket: 'b', key: 'k', ranges: [{ from: 0, to: 3 }], reason: 'HTTP 503', attempt: 1, now: 0 })[0];
    expect(progressKeyOf({ bucket: 'b', key: 'k', ranges: ticket.ranges, ticket })).toBeUndefined();
  });
});

/** A store in memory that keeps every save, and can be told to fail or to hold saves back. */
class FakeStore implements ProgressStore {
  readonly values = new Map<string, number>();
  readonly saves: { object: string; watermark: number }[] = [];
  failSaves = false;
  inFlight = 0;
  maxInFlight = 0;

  readonly loads: string[] = [];

  async load(object: string): Promise<number> {
    this.loads.push(object);
    return this.values.get(object) ?? 0;
  }

  async save(object: string, watermark: number): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.inFlight--;
    if (this.failSaves) throw new Error('throttled');
    this.saves.push({ object, watermark });
    this.values.set(object, Math.max(this.values.get(object) ?? 0, watermark));
  }
}

describe('ObjectProgress', () => {
  it('writes one at a time, only increasing, the latest value last', async () => {
    const store = new FakeStore();
    const counters = { progressSaveFailed: 0 };
    const progress = new ObjectProgress(store, 'b/k', 0, counters);
    for (let i = 0; i < 50; i++) {
      progress.watermark.take(i, false);
      progress.advance();
      if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await progress.idle();
    expect(store.saves.length).toBeGreaterThan(1);
    expect(store.maxInFlight).toBe(1);
    const values = store.saves.map((s) => s.watermark);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
    expect(values.at(-1)).toBe(50);
    expect(progress.lag()).toBe(0);
  });

  it('counts a failed write and throws nothing', async () => {
    const store = new FakeStore();
    store.failSaves = true;
    const counters = { progressSaveFailed: 0 };
    const progress = new ObjectProgress(store, 'b/k', 0, counters);
    progress.watermark.take(0, false);
    progress.advance();
    await progress.idle();
    expect(counters.progressSaveFailed).toBe(1);
    expect(progress.lag()).toBe(1);
  });
});

/** A sender that fails the events of the given record indexes (the rest sent). */
class FailingSender implements BatchSender {
  constructor(private readonly failing: ReadonlySet<number>) {}
  async send<T>(batch: Batch<T>): Promise<DeliveryReport<T>> {
    const failed = batch.origins.filter((o) => this.failing.has((o as { index: number }).index));
    return { accepted: batch.origins.length - failed.length, failed: failed.length ? [{ origins: failed, reason: 'HTTP 400' }] : [], requests: 1, retries: 0, bytesSent: 0, latenciesMs: [] };
  }
}

describe('forwardObjects with a progress store', () => {
  const records = freshen(stratusRecords(), NOW);
  const key = cloudTrailKey();
  const source = new MemorySource().put(BUCKET, key, logFile(records));
  const rules = compileRules(rulesSchema.parse({ version: 1, limits: { maxEventsPerBatch: 20 } }), 'test');
  const run = (sender: BatchSender, progress?: ProgressStore, ref: ObjectRef = { bucket: BUCKET, key }) =>
    forwardObjects([ref], { source, sender, rules, forwarder: 'test', concurrency: 2, progress });

  it('skips the records below the stored watermark and counts them', async () => {
    const store = new FakeStore();
    store.values.set(`${BUCKET}/${key}`, 100);
    const sender = new RecordingSender();
    const result = await run(sender, store);
    expect(records.length).toBeGreaterThan(100);
    expect(result.stats).toMatchObject({ alreadyForwarded: 100, records: records.length - 100, sent: records.length - 100 });
    expect(result.objects[0]).toMatchObject({ alreadyForwarded: 100, status: 'forwarded' });
    expect(sender.events.map((e) => JSON.parse(String(e.content)).eventID)).toEqual(records.slice(100).map((r) => r.eventID));
    expect(store.values.get(`${BUCKET}/${key}`)).toBe(records.length);
  });

  it('saves increasing watermarks, the last one the whole object', async () => {
    const store = new FakeStore();
    const result = await run(new RecordingSender(), store);
    expect(result.stats.sent).toBe(records.length);
    const values = store.saves.map((s) => s.watermark);
    expect(values.length).toBeGreaterThan(1);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.at(-1)).toBe(records.length);
  });

  it('a failed record holds the watermark below it', async () => {
    const store = new FakeStore();
    const result = await run(new FailingSender(new Set([45])), store);
    expect(result.tickets).toHaveLength(1);
    expect(Math.max(...store.saves.map((s) => s.watermark))).toBe(45);
  });

  it('a failed save loses nothing', async () => {
    const store = new FakeStore();
    store.failSaves = true;
    const result = await run(new RecordingSender(), store);
    expect(result.stats).toMatchObject({ sent: records.length, failed: 0, tickets: 0 });
    expect(result.stats.progressSaveFailed).toBeGreaterThan(0);
  });

  it('a replay neither loads nor saves progress', async () => {
    const store = new FakeStore();
    store.values.set(`${BUCKET}/${key}`, 100);
    const ticket = createTicket({ bucket: BUCKET, key, ranges: [{ from: 0, to: 9 }], reason: 'HTTP 503', attempt: 1, now: NOW })[0];
    const result = await run(new RecordingSender(), store, { bucket: BUCKET, key, ranges: ticket.ranges, ticket });
    expect(result.stats).toMatchObject({ sent: 9, alreadyForwarded: 0 });
    expect(store.saves).toEqual([]);
  });

  it('loads each object\'s watermark once, read ahead or not, and resumes each where it was left', async () => {
    const store = new FakeStore();
    const keys = [0, 1, 2].map((i) => cloudTrailKey({ suffix: `Resume${i}` }));
    const many = new MemorySource();
    for (const k of keys) many.put(BUCKET, k, logFile(records));
    keys.forEach((k, i) => store.values.set(`${BUCKET}/${k}`, 10 * (i + 1)));
    const result = await forwardObjects(
      keys.map((k) => ({ bucket: BUCKET, key: k })),
      { source: many, sender: new RecordingSender(), rules, forwarder: 'test', concurrency: 2, progress: store },
    );
    expect([...store.loads].sort()).toEqual(keys.map((k) => `${BUCKET}/${k}`).sort());
    expect(result.objects.map((o) => o.alreadyForwarded)).toEqual([10, 20, 30]);
    expect(result.stats.sent).toBe(3 * records.length - 60);
  });

  it('without a store reads everything, as before', async () => {
    const result = await run(new RecordingSender());
    expect(result.stats).toMatchObject({ sent: records.length, alreadyForwarded: 0 });
  });
});
