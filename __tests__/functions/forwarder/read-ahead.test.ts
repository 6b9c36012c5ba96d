import { randomBytes } from 'node:crypto';
import { SourceError } from '../../../functions/forwarder/errors';
import { ObjectRef } from '../../../functions/forwarder/notifications';
import { ForwardOptions, forwardObjects } from '../../../functions/forwarder/pipeline';
import { DEFAULT_READ_AHEAD, ReadAhead, ReadAheadLimits } from '../../../functions/forwarder/read-ahead';
import { compileRules } from '../../../functions/forwarder/rules';
import { rulesSchema } from '../../../functions/forwarder/rules-schema';
import { BatchSender } from '../../../functions/forwarder/ingest-client';
import { cloudTrailKey, freshen, logFile, stratusRecords } from './support/cloudtrail';
import { LoggingSource } from './support/logging-source';
import { RecordingSender } from './support/recording-sender';

const BUCKET = 'trail-archive-test';
const NOW = Date.now();
const CHUNK = 1000;
const RULES = compileRules(rulesSchema.parse({ version: 1, limits: { maxBatchBytes: 64 * 1024 } }), 'test');

/** Lets every pending chunk, open and fetch run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

const location = (name: string) => ({ bucket: BUCKET, key: name });

describe('ReadAhead', () => {
  test('fetches one object ahead up to the budget, then waits; the body then gives every byte in order', async () => {
    const body = randomBytes(20 * CHUNK);
    const source = new LoggingSource(CHUNK).put(BUCKET, 'a', 'a', { body });
    const ahead = new ReadAhead(source, { maxObjects: 3, maxBytes: 3.5 * CHUNK });
    ahead.start(0, location('a'));
    await settle();
    // A pull starts only while the total is under the budget: 4 chunks reach 3.5, the fifth waits.
    expect(source.bytesOut.get('a')).toBe(4 * CHUNK);
    expect(ahead.bufferedBytes).toBe(4 * CHUNK);
    const opened = await ahead.take(0)!;
    expect((await drain(opened.body)).equals(body)).toBe(true);
    expect(ahead.bufferedBytes).toBe(0);
    expect(source.names('end')).toEqual(['a']);
  });

  test('shares the budget between objects, exceeding it by at most one chunk each, and refills as the parser takes bytes', async () => {
    const source = new LoggingSource(CHUNK);
    const names = ['a', 'b', 'c'];
    for (const name of names) source.put(BUCKET, name, name, { body: randomBytes(30 * CHUNK) });
    const limits = { maxObjects: 3, maxBytes: 10 * CHUNK };
    const ahead = new ReadAhead(source, limits);
    names.forEach((name, i) => ahead.start(i, location(name)));
    await settle();
    const held = () => names.reduce((sum, name) => sum + (source.bytesOut.get(name) ?? 0), 0);
    expect(held()).toBeGreaterThanOrEqual(limits.maxBytes);
    expect(held()).toBeLessThanOrEqual(limits.maxBytes + names.length * CHUNK);
    expect(ahead.bufferedBytes).toBe(held());

    const first = await ahead.take(0)!;
    let chunks = 0;
    let most = 0;
    for await (const _ of first.body) {
      chunks++;
      await settle();
      most = Math.max(most, ahead.bufferedBytes);
    }
    expect(chunks).toBe(30);
    // The parser's own object no longer counts; the others filled the room it left, and no more.
    expect(source.bytesOut.get('b')! + source.bytesOut.get('c')!).toBeGreaterThan(held() - 30 * CHUNK - 1);
    expect(most).toBeLessThanOrEqual(limits.maxBytes + names.length * CHUNK);
    expect(ahead.bufferedBytes).toBeGreaterThanOrEqual(limits.maxBytes);
  });

  test('opens no more than maxObjects ahead', () => {
    const source = new LoggingSource(CHUNK);
    for (const name of ['a', 'b', 'c']) source.put(BUCKET, name, name, { body: randomBytes(CHUNK) });
    const ahead = new ReadAhead(source, { maxObjects: 2, maxBytes: 100 * CHUNK });
    ['a', 'b', 'c'].forEach((name, i) => ahead.start(i, location(name)));
    expect(source.names('open')).toEqual(['a', 'b']);
    expect([ahead.has(0), ahead.has(1), ahead.has(2)]).toEqual([true, true, false]);
  });

  test('a failed open rejects at the take with the same error, and not before', async () => {
    const source = new LoggingSource(CHUNK).put(BUCKET, 'a', 'a', { body: randomBytes(CHUNK), failOpen: 'AccessDenied' });
    const ahead = new ReadAhead(source, DEFAULT_READ_AHEAD);
    ahead.start(0, location('a'));
    await settle(); // an unhandled rejection here would fail the test run
    await expect(ahead.take(0)).rejects.toThrow(SourceError);
    await expect(ahead.take(0)).toBeUndefined();
  });

  test('a stream that breaks while read ahead gives the chunks before the break, then the same error', async () => {
    const body = randomBytes(10 * CHUNK);
    const source = new LoggingSource(CHUNK).put(BUCKET, 'a', 'a', { body, breakAfterChunks: 3 });
    const ahead = new ReadAhead(source, DEFAULT_READ_AHEAD);
    ahead.start(0, location('a'));
    await settle();
    const opened = await ahead.take(0)!;
    const got: Buffer[] = [];
    await expect(
      (async () => {
        for await (const chunk of opened.body) got.push(Buffer.from(chunk));
      })(),
    ).rejects.toThrow('socket hang up');
    expect(Buffer.concat(got).equals(body.subarray(0, 3 * CHUNK))).toBe(true);
    expect(ahead.bufferedBytes).toBe(0);
  });

  test('a discarded object frees its bytes and closes its stream, even one still opening', async () => {
    const source = new LoggingSource(CHUNK)
      .put(BUCKET, 'a', 'a', { body: randomBytes(20 * CHUNK) })
      .put(BUCKET, 'b', 'b', { body: randomBytes(20 * CHUNK), openDelayMs: 20 });
    const ahead = new ReadAhead(source, { maxObjects: 2, maxBytes: 5 * CHUNK });
    ahead.start(0, location('a'));
    ahead.start(1, location('b'));
    await settle();
    expect(ahead.bufferedBytes).toBeGreaterThan(0);
    ahead.close();
    expect(ahead.bufferedBytes).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await settle();
    expect(source.names('close').sort()).toEqual(['a', 'b']);
    expect(ahead.bufferedBytes).toBe(0);
  });

});

describe('forwardObjects with read-ahead', () => {
  /** `count` log files of the stratus records, named f0, f1, ...; `script` changes how some behave. */
  function fleet(count: number, script: Record<string, Partial<Parameters<LoggingSource['put']>[3]>> = {}) {
    const source = new LoggingSource(CHUNK);
    const refs: ObjectRef[] = [];
    const records = freshen(stratusRecords(), NOW).slice(0, 40);
    for (let i = 0; i < count; i++) {
      const name = `f${i}`;
      const key = cloudTrailKey({ suffix: `File${String(i).padStart(12, '0')}` });
      source.put(BUCKET, key, name, { body: logFile(records.map((r) => ({ ...r, eventID: `${name}-${String(r.eventID)}` }))), ...script[name] });
      refs.push({ bucket: BUCKET, key });
    }
    return { source, refs, records: records.length };
  }

  const run = (refs: ObjectRef[], source: LoggingSource, sender: BatchSender, readAhead: ReadAheadLimits | false, extra: Partial<ForwardOptions> = {}) =>
    forwardObjects(refs, { source, sender, rules: RULES, forwarder: 'test', concurrency: 2, readAhead, ...extra });

  test('opens the next objects while the first is parsed, and parses and sends in the same order as without', async () => {
    const limits = { maxObjects: 3, maxBytes: 64 * 1024 };
    const on = fleet(6);
    const off = fleet(6);
    const sentOn = new RecordingSender();
    const sentOff = new RecordingSender();
    await run(on.refs, on.source, sentOn, limits);
    await run(off.refs, off.source, sentOff, false);

    const beforeFirstEnd = on.source.log.slice(0, on.source.log.indexOf('end f0'));
    expect(beforeFirstEnd.filter((l) => l.startsWith('open'))).toEqual(['open f0', 'open f1', 'open f2', 'open f3']);
    // Without read-ahead each open waits for the end of the object before it.
    expect(off.source.log.filter((l) => l.startsWith('open') || l.startsWith('end'))).toEqual(
      Array.from({ length: 6 }, (_, i) => [`open f${i}`, `end f${i}`]).flat(),
    );
    expect(sentOn.events.length).toBe(6 * on.records);
    expect(sentOn.events.map((e) => e['trailbridge.record_index'] + String(e['log.source.aws.s3.key.name']))).toEqual(
      sentOff.events.map((e) => e['trailbridge.record_index'] + String(e['log.source.aws.s3.key.name'])),
    );
  });

  test('holds no more than the budget (plus a chunk per object) of the objects not yet parsed', async () => {
    const limits = { maxObjects: 3, maxBytes: 3 * CHUNK };
    const { source, refs } = fleet(5);
    await run(refs, source, new RecordingSender(), limits);
    // Until f0 has ended, every chunk of another object handed out is held ahead of the parser.
    const beforeFirstEnd = source.log.slice(0, source.log.indexOf('end f0'));
    const aheadChunks = beforeFirstEnd.filter((l) => l.startsWith('chunk') && l !== 'chunk f0').length;
    expect(aheadChunks * CHUNK).toBeGreaterThanOrEqual(limits.maxBytes);
    expect(aheadChunks * CHUNK).toBeLessThanOrEqual(limits.maxBytes + limits.maxObjects * CHUNK);
    expect(source.names('end')).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
  });

  test('tickets and object results are identical with and without read-ahead, whatever fails', async () => {
    // The trailer's CRC-32 (bytes -8..-5) flipped: always corrupt. A byte flipped inside the deflate
    // data reads as corrupt or as truncated depending on the bytes, and these change with the clock.
    const corrupt = logFile(freshen(stratusRecords(), NOW).slice(0, 40));
    corrupt[corrupt.length - 6] ^= 0xff;
    const script = {
      f1: { failOpen: 'AccessDenied' },
      f2: { breakAfterChunks: 2 },
      f3: { body: corrupt },
      f4: { openDelayMs: 15 },
    };
    const results = [];
    for (const readAhead of [{ maxObjects: 4, maxBytes: 4 * CHUNK }, false] as const) {
      const { source, refs } = fleet(9, script);
      // A non-CloudTrail key between them: skipped, never opened.
      const withSkip = [...refs.slice(0, 5), { bucket: BUCKET, key: 'not/a/cloudtrail/key.json.gz' }, ...refs.slice(5)];
      let now = NOW;
      // The time runs out while f5 is parsed: its second batch's send takes the rest, so f6..f8
      // (opened ahead when read-ahead is on) are left unread.
      const sender = new RecordingSender();
      const timed: BatchSender = {
        send(batch) {
          if (batch.origins.some((o: any) => o.object.ref.key === refs[5].key)) now = NOW + 120_000;
          return sender.send(batch);
        },
      };
      const result = await run(withSkip, source, timed, readAhead, {
        clock: () => now,
        deadlineMs: NOW + 100_000,
        drainMs: 10_000,
        rules: compileRules(rulesSchema.parse({ version: 1, limits: { maxBatchBytes: 64 * 1024 } }), 'test'),
      });
      results.push({ result, sent: sender.events.map((e) => `${String(e['log.source.aws.s3.key.name'])}#${String(e['trailbridge.record_index'])}`), opened: source.names('open') });
    }
    const [on, off] = results;
    // f0, f1 (open denied), f2 (stream broke), f3 (corrupt gzip), f4, the foreign key, f5 (the time ran out), f6..f8 (never reached).
    expect(on.result.objects.map((o) => o.status)).toEqual(['forwarded', 'failed', 'failed', 'failed', 'forwarded', 'skipped', 'partial', 'failed', 'failed', 'failed']);
    expect(on.result.objects.map((o) => o.reason ?? '').slice(1, 4)).toEqual([expect.stringMatching(/AccessDenied/), expect.stringMatching(/stream failed/), expect.stringMatching(/corrupt gzip/)]);
    expect(on.result.objects).toEqual(off.result.objects);
    expect(on.result.tickets).toEqual(off.result.tickets);
    expect(on.result.stats).toEqual(off.result.stats);
    expect(on.sent).toEqual(off.sent);
    // The objects the deadline left unread keep the version of their notification (none), not the one opened ahead.
    expect(on.result.objects.slice(7).map((o) => o.versionId)).toEqual([undefined, undefined, undefined]);
    expect(on.opened).toEqual(expect.arrayContaining(['f6', 'f7', 'f8']));
    expect(off.opened).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
  });
});
