import { gunzipSync, gzipSync } from 'node:zlib';
import { gzipWhileFilling } from '../../../functions/forwarder/batch-gzip';
import { BatchSender, IngestClient } from '../../../functions/forwarder/ingest-client';
import { ForwardOptions, forwardObjects } from '../../../functions/forwarder/pipeline';
import { DEFAULT_RETRY_POLICY } from '../../../functions/forwarder/retry-policy';
import { compileRules, CompiledRules, defaultRules } from '../../../functions/forwarder/rules';
import { RulesDocumentInput, rulesSchema } from '../../../functions/forwarder/rules-schema';
import { StaticTokenProvider } from '../../../functions/forwarder/token';
import { ObjectRef } from '../../../functions/forwarder/notifications';
import { ReplayTicket } from '../../../functions/forwarder/tickets';
import { Logger } from '../../../functions/lib/logger';
import { RecordingSender } from './support/recording-sender';
import { Fault, FakeIngestServer, FakeIngestServerOptions } from '../../../tools/lib/fake-ingest-server';
import { cloudTrailKey, CloudTrailRecord, freshen, logFile, MemorySource, pantherRecords, stratusRecords } from './support/cloudtrail';

const BUCKET = 'trail-archive-test';
const NOW = Date.now();

function rules(doc: Partial<RulesDocumentInput> = {}): CompiledRules {
  return compileRules(rulesSchema.parse({ version: 1, ...doc }), 'test');
}
/** Small batches so a file spans many requests. */
const SMALL_BATCHES = { limits: { maxBatchBytes: 64 * 1024 } };

/** The shared records in `count` CloudTrail log files of one bucket. */
function files(count: number): { source: MemorySource; refs: ObjectRef[]; total: number } {
  const source = new MemorySource();
  const refs: ObjectRef[] = [];
  const all = freshen([...stratusRecords(), ...pantherRecords()], NOW);
  const per = Math.ceil(all.length / count);
  for (let i = 0; i < count; i++) {
    const key = cloudTrailKey({ suffix: `File${String(i).padStart(12, '0')}` });
    source.put(BUCKET, key, logFile(all.slice(i * per, (i + 1) * per)));
    refs.push({ bucket: BUCKET, key });
  }
  return { source, refs, total: all.length };
}

describe('forwardObjects, through the ingest client', () => {
  let server: FakeIngestServer;
  let client: IngestClient;
  let sleeps: number;

  async function start(options: FakeIngestServerOptions = {}) {
    server = await FakeIngestServer.start(options);
    sleeps = 0;
    client = new IngestClient({
      environmentUrl: server.url,
      tokens: new StaticTokenProvider(server.token),
      policy: { ...DEFAULT_RETRY_POLICY, attemptTimeoutMs: 2_000 },
      connections: 3,
      sleep: async () => {
        sleeps++;
      },
    });
  }
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  const run = (refs: ObjectRef[], source: MemorySource, extra: Partial<ForwardOptions> = {}) =>
    forwardObjects(refs, { source, sender: client, rules: rules(SMALL_BATCHES), forwarder: 'test', concurrency: 3, ...extra });

  it('delivers every record of real CloudTrail files exactly once', async () => {
    await start();
    const { source, refs, total } = files(3);
    const result = await run(refs, source);
    expect(result.stats).toMatchObject({ objectsRead: 3, records: total, sent: total, failed: 0, dropped: 0 });
    expect(result.stats.requests).toBeGreaterThan(3);
    expect(server.idCounts.size).toBe(total);
    expect(server.duplicates()).toEqual([]);
    expect(result.tickets).toEqual([]);
    expect(server.requests.every((r) => r.events > 0)).toBe(true);
  });

  it('delivers every record exactly once through 429s, 503s, resets and slow answers', async () => {
    const faults: Record<number, Fault> = { 0: { status: 503 }, 1: { reset: 'before-body' }, 2: { status: 429, retryAfter: '1' }, 3: { delayMs: 5 } };
    await start({ faultFor: (n) => (n % 2 === 0 ? faults[(n / 2) % 4] : undefined) });
    const { source, refs, total } = files(4);
    const result = await run(refs, source);
    expect(result.stats.retries).toBeGreaterThan(3);
    expect(sleeps).toBeGreaterThan(0);
    expect(result.stats).toMatchObject({ records: total, sent: total, failed: 0 });
    expect(server.idCounts.size).toBe(total);
    expect(server.duplicates()).toEqual([]);
  });

  it('a batch Dynatrace took only part of (200) counts as sent and is logged with its objects and record ranges', async () => {
    await start({ faultFor: (n) => (n === 2 ? { status: 200, ingest: true, body: '{"details":{"code":200,"message":"1 invalid event"}}' } : undefined) });
    const { source, refs, total } = files(2);
    const logs: string[] = [];
    const result = await run(refs, source, { logger: new Logger({ service: 't', write: (line) => logs.push(line) }) });
    const partialRequest = server.requests.find((r) => r.number === 2)!;
    expect(partialRequest.status).toBe(200);
    expect(result.stats).toMatchObject({ records: total, sent: total, failed: 0, partlyAccepted: partialRequest.events });
    const warnings = logs.map((line) => JSON.parse(line)).filter((l) => l.message === 'Dynatrace accepted only part of a batch');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ events: partialRequest.events, details: expect.stringContaining('1 invalid event') });
    const objects: { key: string; records: { from: number; to: number }[] }[] = warnings[0].objects;
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.every((o) => refs.some((r) => r.key === o.key))).toBe(true);
    expect(objects.flatMap((o) => o.records).reduce((n, r) => n + r.to - r.from, 0)).toBe(partialRequest.events);
  });

  it('tickets what an outage keeps from Dynatrace, and the replay sends exactly those records', async () => {
    // Requests 3 to 20 fail for good (503 until the attempts run out).
    await start({ faultFor: (n) => (n >= 3 && n <= 20 ? { status: 503 } : undefined) });
    const { source, refs, total } = files(2);
    const first = await run(refs, source);
    expect(first.stats.failed).toBeGreaterThan(0);
    expect(first.stats.sent + first.stats.failed).toBe(total);
    expect(first.tickets.length).toBeGreaterThan(0);
    for (const t of first.tickets) {
      expect(t).toMatchObject({ bucket: BUCKET, versionId: 'v1', attempt: 1, reason: expect.stringMatching(/503/) });
    }
    expect(server.idCounts.size).toBe(first.stats.sent);

    const replayRefs: ObjectRef[] = first.tickets.map((ticket: ReplayTicket) => ({ bucket: ticket.bucket, key: ticket.key, versionId: ticket.versionId, ranges: ticket.ranges, ticket }));
    const replay = await run(replayRefs, source);
    expect(replay.stats).toMatchObject({ records: first.stats.failed, sent: first.stats.failed, failed: 0 });
    expect(server.idCounts.size).toBe(total);
    expect(server.duplicates()).toEqual([]);
  });

  it('survives every bad input: each object fails alone, with its bucket and key, and the others go on', async () => {
    await start();
    const good = freshen(stratusRecords().slice(0, 5), NOW);
    const source = new MemorySource(777);
    const key = (suffix: string, extra = {}) => cloudTrailKey({ suffix, ...extra });
    const put = (k: string, body: Buffer) => (source.put(BUCKET, k, body), { bucket: BUCKET, key: k } as ObjectRef);
    const gz = logFile(good);
    const corrupt = Buffer.from(gz);
    for (let i = 20; i < 40; i++) corrupt[i] ^= 0x55;
    const invalidUtf8 = gzipSync(Buffer.concat([Buffer.from('{"Records":[{"eventName":"Bad'), Buffer.from([0xff, 0xfe]), Buffer.from(`"},${JSON.stringify(good[0])}]}`)]));
    const big = { ...good[1], eventID: 'big', requestParameters: { blob: 'x'.repeat(1024 * 1024) } };
    const refs: ObjectRef[] = [
      put(key('Good000000000001'), gz),
      put(key('Corrupt000000001'), corrupt),
      put(key('Truncated0000001'), gz.subarray(0, gz.length - 30)),
      put(key('PlainJson0000001'), logFile(good, { gzip: false })),
      put(key('Empty00000000001'), Buffer.alloc(0)),
      put(key('NoRecords0000001'), gzipSync('{"Records":[]}')),
      put(key('NotCloudTrail001'), gzipSync('{"hello":"world"}')),
      put(key('NonObjects000001'), gzipSync(`{"Records":[1,"two",null,${JSON.stringify(good[2])}]}`)),
      put(key('InvalidUtf800001'), invalidUtf8),
      put(key('OneMegabyte00001'), logFile([big])),
      put(key('Digest0000000001', { kind: 'CloudTrail-Digest' }), gzipSync('{"digest":true}')),
      put(key('Insight000000001', { kind: 'CloudTrail-Insight' }), logFile([{ ...good[3], eventType: 'AwsCloudTrailInsight' }])),
      put(`AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/17/with space and ünïcödé 日本.json.gz`, logFile(good)),
      { bucket: BUCKET, key: key('Missing000000001') },
      { bucket: BUCKET, key: key('Denied0000000001') },
    ];
    source.errors.set(`${BUCKET}/${key('Denied0000000001')}`, 'access denied: the function role needs s3:GetObject');

    const result = await run(refs, source);
    const status = Object.fromEntries(result.objects.map((o) => [o.key.split('_').pop()!.replace('.json.gz', ''), [o.status, o.sent, o.reason ?? '']]));
    expect(status).toEqual({
      Good000000000001: ['forwarded', 5, ''],
      Corrupt000000001: ['failed', 0, expect.stringMatching(/^s3:\/\/trail-archive-test\/AWSLogs\/.*Corrupt000000001\.json\.gz: (corrupt gzip|truncated)/)],
      Truncated0000001: ['failed', expect.any(Number), expect.stringMatching(/Truncated0000001\.json\.gz: truncated gzip/)],
      PlainJson0000001: ['forwarded', 5, ''],
      Empty00000000001: ['failed', 0, expect.stringMatching(/Empty00000000001\.json\.gz: empty file/)],
      NoRecords0000001: ['forwarded', 0, ''],
      NotCloudTrail001: ['failed', 0, expect.stringMatching(/no "Records" array/)],
      NonObjects000001: ['forwarded', 4, ''],
      InvalidUtf800001: ['forwarded', 2, ''],
      OneMegabyte00001: ['forwarded', 1, ''],
      Digest0000000001: ['skipped', 0, 'CloudTrail digest file'],
      Insight000000001: ['forwarded', 1, ''],
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/17/with space and ünïcödé 日本': ['forwarded', 5, ''],
      Missing000000001: ['failed', 0, expect.stringMatching(/Missing000000001\.json\.gz: the object does not exist/)],
      Denied0000000001: ['failed', 0, expect.stringMatching(/Denied0000000001\.json\.gz: access denied/)],
    });
    // Every failed object is ticketed from the first record not delivered, to the end of the file.
    for (const o of result.objects.filter((x) => x.status === 'failed')) {
      expect(o.tickets).toEqual([expect.objectContaining({ ranges: [{ from: o.records, to: null }], reason: o.reason })]);
    }
    expect(result.stats).toMatchObject({ truncated: 1, malformed: 4, objectsSkipped: 1 });
    const bigEvent = server.events.find((e) => String(e['log.source.aws.s3.key.name']).includes('OneMegabyte'))!;
    expect(Buffer.byteLength(String(bigEvent.content))).toBeLessThanOrEqual(65_536);
    expect(server.duplicates()).toEqual([]);
  });

  it('restamps stale records so an ActiveGate that rejects old records takes them', async () => {
    await start({ rejectStaleRecords: true });
    const source = new MemorySource().put(BUCKET, cloudTrailKey(), logFile(stratusRecords()));
    const result = await run([{ bucket: BUCKET, key: cloudTrailKey() }], source);
    expect(result.stats).toMatchObject({ records: 310, sent: 310, restamped: 310, failed: 0 });
  });
});

describe('forwardObjects, without HTTP', () => {
  const run = (refs: ObjectRef[], source: MemorySource, sender: BatchSender, extra: Partial<ForwardOptions> = {}) =>
    forwardObjects(refs, { source, sender, rules: rules(SMALL_BATCHES), forwarder: 'test', concurrency: 3, ...extra });

  it('drops what the filters drop, counts it, and redacts configured fields', async () => {
    const sender = new RecordingSender();
    const records = freshen(stratusRecords(), NOW);
    const source = new MemorySource().put(BUCKET, cloudTrailKey(), logFile(records));
    const result = await run([{ bucket: BUCKET, key: cloudTrailKey() }], source, sender, {
      rules: rules({
        filters: [{ name: 'no-reads', action: 'drop', pattern: { readOnly: [true] } }],
        redactions: [{ path: 'sourceIPAddress', mask: 'REDACTED' }],
        routes: [{ name: 'prod', annotations: { 'dt.security_context': 'prod' } }],
      }),
    });
    const reads = records.filter((r) => r.readOnly === true).length;
    const withIp = records.filter((r) => r.readOnly !== true && 'sourceIPAddress' in r).length;
    expect(reads).toBeGreaterThan(0);
    expect(result.stats).toMatchObject({ records: 310, dropped: reads, sent: 310 - reads, redacted: withIp });
    expect(sender.events).toHaveLength(310 - reads);
    expect(sender.events.length).toBeGreaterThan(0);
    for (const e of sender.events) {
      const content = JSON.parse(String(e.content)) as CloudTrailRecord;
      expect(content.readOnly).not.toBe(true);
      if ('sourceIPAddress' in content) expect(content.sourceIPAddress).toBe('REDACTED');
      expect(e['dt.security_context']).toBe('prod');
    }
  });

  it("gives each batch the sender's BodyCompressor, so the body is compressed while the batch fills", async () => {
    const { source, refs } = files(3);
    const bodies: [Buffer, Buffer | undefined][] = [];
    const sender: BatchSender = {
      bodyCompressor: () => gzipWhileFilling(1),
      send: async (batch) => {
        bodies.push([batch.body, batch.compressed && (await batch.compressed)]);
        return { accepted: batch.origins.length, failed: [], requests: 1, retries: 0, bytesSent: 0, latenciesMs: [] };
      },
    };
    await run(refs, source, sender);
    expect(bodies.length).toBeGreaterThan(1);
    for (const [body, compressed] of bodies) {
      expect(compressed).toBeDefined();
      const gunzipped = gunzipSync(compressed!);
      expect(gunzipped.length).toBe(body.length);
      expect(gunzipped.equals(body)).toBe(true);
    }
    // A sender without a compressor gets none.
    const plain: (Buffer | undefined)[] = [];
    await run(refs, source, { send: async (batch) => (plain.push(batch.compressed && (await batch.compressed)), new RecordingSender().send(batch)) });
    expect(plain.length).toBe(bodies.length);
    expect(plain.every((c) => c === undefined)).toBe(true);
  });

  it('withholds a record that is not a JSON object while redactions are configured: ticketed with the reason, never sent; the others redacted and sent', async () => {
    const records = freshen(stratusRecords(), NOW).slice(0, 4);
    const key = cloudTrailKey({ suffix: 'Unredactable' });
    // Not an object (the splitter lets any JSON value through as a record; a structural error fails the object).
    const broken = '["ConsoleLogin","198.51.100.7"]';
    const body = `{"Records":[${JSON.stringify(records[0])},${broken},${records.slice(1).map((r) => JSON.stringify(r)).join(',')}]}`;
    const sender = new RecordingSender();
    const result = await run([{ bucket: BUCKET, key }], new MemorySource().put(BUCKET, key, gzipSync(body)), sender, {
      rules: rules({ redactions: [{ path: 'sourceIPAddress', mask: 'REDACTED' }] }),
    });
    expect(result.objects.map((o) => [o.status, o.records, o.sent, o.failed])).toEqual([['partial', 5, 4, 1]]);
    expect(result.tickets).toEqual([expect.objectContaining({ key, ranges: [{ from: 1, to: 2 }], reason: expect.stringMatching(/not a JSON object, so the redactions .* cannot be applied/) })]);
    expect(result.stats).toMatchObject({ malformed: 1, failed: 1, sent: 4 });
    expect(sender.events.map((e) => String(e.content)).some((c) => c.includes('198.51.100.7'))).toBe(false);
    expect(sender.events.map((e) => JSON.parse(String(e.content)).eventID)).toEqual(records.map((r) => r.eventID));
  });

  it('fails a record the steps cannot handle alone (nested too deep to re-serialize): ticketed, the rest of the file and the other objects sent', async () => {
    const records = freshen(stratusRecords(), NOW).slice(0, 5);
    // Pretty-printed, so the step compacts it with JSON.stringify, which recursion this deep overflows.
    const depth = 200_000;
    const deep = `{"eventVersion":"1.08",\n"eventID":"deep","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const poisoned = cloudTrailKey({ suffix: 'Poisoned' });
    const healthy = cloudTrailKey({ suffix: 'Healthy' });
    const body = `{"Records":[${[records[0], records[1]].map((r) => JSON.stringify(r)).join(',')},${deep},${records.slice(2).map((r) => JSON.stringify(r)).join(',')}]}`;
    const source = new MemorySource().put(BUCKET, poisoned, gzipSync(body)).put(BUCKET, healthy, logFile(records));
    const sender = new RecordingSender();
    const saved = new Map<string, number>();
    const progress = { load: async () => 0, save: async (object: string, watermark: number) => void saved.set(object, watermark) };
    const result = await run([{ bucket: BUCKET, key: poisoned }, { bucket: BUCKET, key: healthy }], source, sender, { progress });
    // Its ticket is not stored before the invocation ends: a second delivery after a crash must read it again.
    expect(saved.get(`${BUCKET}/${poisoned}`)).toBe(2);
    expect(saved.get(`${BUCKET}/${healthy}`)).toBe(5);
    expect(result.objects.map((o) => [o.status, o.records, o.sent, o.failed])).toEqual([
      ['partial', 6, 5, 1],
      ['forwarded', 5, 5, 0],
    ]);
    expect(result.tickets).toEqual([expect.objectContaining({ key: poisoned, ranges: [{ from: 2, to: 3 }], reason: expect.stringMatching(/cannot process the record: .*call stack/) })]);
    expect(sender.events.map((e) => JSON.parse(String(e.content)).eventID)).toEqual([...records, ...records].map((r) => r.eventID));
  });

  it('skips objects no route forwards', async () => {
    const sender = new RecordingSender();
    const source = new MemorySource().put(BUCKET, cloudTrailKey(), logFile(stratusRecords()));
    const result = await run([{ bucket: BUCKET, key: cloudTrailKey() }], source, sender, { rules: rules({ routes: [{ name: 'other', bucket: 'other-bucket' }] }) });
    expect(result.objects[0]).toMatchObject({ status: 'skipped', reason: 'no route matches the bucket and key', tickets: [] });
    expect(result.stats).toMatchObject({ objectsRead: 0, objectsSkipped: 1, records: 0 });
    expect(source.opened).toEqual([]);
    expect(sender.batches).toEqual([]);
  });

  // The open of the second object takes the time, so this is the run without read-ahead (each
  // open at its object's turn); read-ahead.test.ts checks the deadline with read-ahead on.
  it('stops reading at the deadline and tickets the rest of the file and the objects not reached', async () => {
    let now = NOW;
    const { source, refs } = files(3);
    const opening = source.open.bind(source);
    source.open = async (location) => {
      const opened = await opening(location);
      if (location.key === refs[1].key) now += 60_000; // the second object takes the time left
      return opened;
    };
    const result = await run(refs, source, new RecordingSender(), { clock: () => now, deadlineMs: NOW + 70_000, drainMs: 20_000, readAhead: false });
    expect(result.objects.map((o) => o.status)).toEqual(['forwarded', 'failed', 'failed']);
    expect(result.objects[1].tickets[0]).toMatchObject({ ranges: [{ from: 0, to: null }], reason: expect.stringMatching(/deadline/) });
    expect(result.objects[2].tickets[0]).toMatchObject({ ranges: [{ from: 0, to: null }], reason: expect.stringMatching(/before reading/) });
    expect(result.stats).toMatchObject({ objectsRead: 2, tickets: 2 });
    expect(source.opened.map((o) => o.key)).toEqual([refs[0].key, refs[1].key]);
  });

  it("times the wait after the last record: the last batch's answer, not the reading before it", async () => {
    let now = NOW;
    const { source, refs } = files(2);
    const opening = source.open.bind(source);
    source.open = async (location) => {
      now += 1_000; // each open takes a second: reading, not settling
      return opening(location);
    };
    const recording = new RecordingSender();
    const answerMs = [250, 400];
    const sender: BatchSender = {
      send: async (batch) => {
        const report = await recording.send(batch);
        now += answerMs[recording.batches.length - 1] ?? 0;
        return report;
      },
    };
    // Default limits: both files' events fit one batch, sent at the end.
    const one = await run(refs, source, sender, { clock: () => now, rules: rules(), readAhead: false });
    expect(recording.batches).toHaveLength(1);
    expect(one.stats.settleMs).toBe(250);

    // Two batches in flight at the end (the one that filled at the first file's end, and the last): both answers are waited for.
    now = NOW;
    recording.batches.length = 0;
    const oneBatchPerFile = rules({ limits: { maxEventsPerBatch: Math.ceil(one.stats.records / 2) } });
    const two = await run(refs, source, { send: (batch, deadlineMs) => new Promise((resolve) => setImmediate(() => resolve(sender.send(batch, deadlineMs)))) }, { clock: () => now, rules: oneBatchPerFile, readAhead: false });
    expect(recording.batches).toHaveLength(2);
    expect(two.stats.settleMs).toBeGreaterThanOrEqual(400);
    expect(two.stats.settleMs).toBeLessThan(2_000);
  });

  it('replays only the ticketed ranges and stops reading after the last one', async () => {
    const sender = new RecordingSender();
    const records = freshen(stratusRecords(), NOW);
    const key = cloudTrailKey();
    const source = new MemorySource().put(BUCKET, key, logFile(records));
    const result = await run([{ bucket: BUCKET, key, versionId: 'v1', ranges: [{ from: 3, to: 5 }, { from: 10, to: 11 }] }], source, sender);
    expect(result.stats).toMatchObject({ records: 3, sent: 3 });
    expect(sender.events.map((e) => Number(e['trailbridge.record_index']))).toEqual([3, 4, 10]);
    expect(source.opened[0].versionId).toBe('v1');
  });

  it('says when a ticket names records the object does not have (another version, a ticket edited by hand)', async () => {
    const records = freshen(stratusRecords().slice(0, 20), NOW);
    const key = cloudTrailKey();
    const source = new MemorySource().put(BUCKET, key, logFile(records));
    const logs: string[] = [];
    const logger = new Logger({ service: 't', write: (line) => logs.push(line) });
    const result = await run([{ bucket: BUCKET, key, ranges: [{ from: 18, to: 25 }, { from: 30, to: 31 }] }], source, new RecordingSender(), { logger });
    expect(result.stats).toMatchObject({ records: 2, sent: 2, failed: 0 });
    const warnings = logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'WARN');
    expect(warnings).toEqual([
      expect.objectContaining({ message: 'replay ticket names records the object does not have', bucket: BUCKET, key, objectRecords: 20, missing: [{ from: 20, to: 25 }, { from: 30, to: 31 }] }),
    ]);

    // A range to the end of the file (a read that failed after the last record) names none it lacks.
    logs.length = 0;
    await run([{ bucket: BUCKET, key, ranges: [{ from: 20, to: null }] }], source, new RecordingSender(), { logger });
    expect(logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'WARN')).toEqual([]);
  });

  it('accounts for every record when the default rules apply', async () => {
    const { source, refs, total } = files(1);
    const result = await forwardObjects(refs, { source, sender: new RecordingSender(), rules: defaultRules(), forwarder: 'test' });
    const s = result.stats;
    expect(s.records).toBe(total);
    expect(s.records).toBe(s.sent + s.dropped + s.failed);
  });

  it('keeps at most `concurrency` batches in flight, sent in record order', async () => {
    const recording = new RecordingSender();
    let inFlight = 0;
    let most = 0;
    const slow: BatchSender = {
      async send(batch) {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
        return recording.send(batch);
      },
    };
    const { source, refs, total } = files(3);
    const result = await run(refs, source, slow, { concurrency: 2 });
    expect(result.stats).toMatchObject({ sent: total, requests: recording.batches.length });
    expect(recording.batches.length).toBeGreaterThan(4);
    expect(most).toBe(2);
    const order = recording.events.map((e) => `${e['log.source.aws.s3.key.name']}#${String(e['trailbridge.record_index']).padStart(6, '0')}`);
    expect(order).toEqual([...order].sort());
  });
});
