import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { SourceError } from '../../../functions/forwarder/errors';
import { Batch, batchEvents } from '../../../functions/forwarder/batcher';
import { BatchSender, DeliveryReport } from '../../../functions/forwarder/ingest-client';
import { ObjectRef } from '../../../functions/forwarder/notifications';
import { LOG_OBJECT_S3_TIMEOUTS, logObjectS3Options, S3ObjectSource } from '../../../functions/forwarder/object-source';
import { forwardObjects } from '../../../functions/forwarder/pipeline';
import { compileRules } from '../../../functions/forwarder/rules';
import { rulesSchema } from '../../../functions/forwarder/rules-schema';
import { cloudTrailKey, freshen, logFile, stratusRecords } from './support/cloudtrail';

const BUCKET = 'trail';
const STALL_MS = 300;
const FIRST_BYTE_MS = 200;
const RULES = compileRules(rulesSchema.parse({ version: 1, limits: { maxEventsPerBatch: 2 } }), 'test');

type Behaviour = { kind: 'serve'; body: Buffer } | { kind: 'no-headers' } | { kind: 'stall-after'; body: Buffer; bytes: number };

/**
 * An S3 stand-in the real S3Client talks to (path style): per key it serves the body, never
 * answers (no headers), or sends the headers and the first bytes of the body and then nothing.
 */
class StallingS3 {
  readonly requests = new Map<string, number>();
  /** Per key, when each request the stand-in never finished answering was closed by the client (ms since the epoch). */
  readonly dropped = new Map<string, number[]>();
  private readonly objects = new Map<string, Behaviour>();
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}
  endpoint = '';

  static async start(): Promise<StallingS3> {
    let self: StallingS3 | undefined;
    const server = createServer((req, res) => self!.answer(req, res));
    self = new StallingS3(server);
    server.on('connection', (socket) => {
      self!.sockets.add(socket);
      socket.on('close', () => self!.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return self;
  }

  put(key: string, behaviour: Behaviour): this {
    this.objects.set(key, behaviour);
    return this;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const key = decodeURIComponent((req.url ?? '').split('?')[0]).replace(`/${BUCKET}/`, '');
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    res.on('close', () => {
      if (!res.writableFinished) this.dropped.set(key, [...(this.dropped.get(key) ?? []), Date.now()]);
    });
    const object = this.objects.get(key);
    if (!object) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code><Message>no</Message></Error>');
      return;
    }
    if (object.kind === 'no-headers') return;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(object.body.length) });
    if (object.kind === 'serve') res.end(object.body);
    else res.write(object.body.subarray(0, object.bytes));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A sender that takes its time over each batch, so reading waits behind it (backpressure); keeps `<tag>#<record index>` of each event. */
class SlowSender implements BatchSender {
  readonly sent: string[] = [];
  constructor(private readonly delayMs: number) {}
  async send<T>(batch: Batch<T>): Promise<DeliveryReport<T>> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    for (const json of batchEvents(batch)) {
      const event = JSON.parse(json) as Record<string, unknown>;
      this.sent.push(`${tagOf(String(event['log.source.aws.s3.key.name']))}#${String(event['trailbridge.record_index'])}`);
    }
    return { accepted: batch.origins.length, failed: [], requests: 1, retries: 0, bytesSent: batch.body.length, latenciesMs: [] };
  }
  of(tag: string): string[] {
    return this.sent.filter((s) => s.startsWith(`${tag}#`));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Waits until `done()` holds, for at most `withinMs`. */
async function waitFor(done: () => boolean, withinMs = 5_000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`not done within ${withinMs} ms`);
    await sleep(20);
  }
}

const all = (tag: string, count: number) => Array.from({ length: count }, (_, n) => `${tag}#${n}`);

/** A plain-JSON log file of `count` records, each padded so the file spans many socket reads. */
function records(count: number, paddingBytes = 2_000): Buffer {
  const base = freshen(stratusRecords(), Date.now());
  return logFile(Array.from({ length: count }, (_, n) => ({ ...base[n % base.length], eventID: `id-${n}`, padding: 'x'.repeat(paddingBytes) })), { gzip: false });
}

/** The test's tag in a key made by `key(tag)`. */
function tagOf(k: string): string {
  return /_([a-z]+)0*\.json$/.exec(k)?.[1] ?? k;
}

describe('S3 timeouts: a first byte that never comes, a body that stalls while read, a body left unread', () => {
  let s3: StallingS3;
  const clients: S3Client[] = [];
  beforeEach(async () => {
    s3 = await StallingS3.start();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await s3.close();
  });
  const track = (c: S3Client) => (clients.push(c), c);

  const client = (maxAttempts = 3) =>
    track(new S3Client({
      ...logObjectS3Options({}),
      ...LOG_OBJECT_S3_TIMEOUTS,
      // The forwarder's handler options, with a short first-byte timeout for the test.
      requestHandler: { ...(LOG_OBJECT_S3_TIMEOUTS.requestHandler as object), requestTimeout: FIRST_BYTE_MS },
      maxAttempts,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    }));
  const key = (suffix: string) => cloudTrailKey({ suffix: suffix.padEnd(16, '0') }).replace(/\.gz$/, '');
  const ref = (k: string): ObjectRef => ({ bucket: BUCKET, key: k });

  test("the forwarder's S3 client fails a GetObject whose headers never come, per attempt, and the SDK tries again", async () => {
    expect(LOG_OBJECT_S3_TIMEOUTS.requestHandler).toMatchObject({ throwOnRequestTimeout: true, requestTimeout: expect.any(Number), connectionTimeout: expect.any(Number) });
    const k = key('noheaders');
    s3.put(k, { kind: 'no-headers' });
    const source = new S3ObjectSource(client(2), { stallTimeoutMs: STALL_MS });
    const started = Date.now();
    const error = await source.open({ bucket: BUCKET, key: k }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).message).toMatch(/TimeoutError|requestTimeout/);
    expect(s3.requests.get(k)).toBe(2);
    // Two attempts of 200 ms and the SDK's backoff between them (at most ~1 s at first retry).
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('a body that stalls mid-stream while it is read fails its object in bounded time: the records after it are ticketed, the next object is forwarded', async () => {
    const stalled = records(200);
    const [kStalled, kNext] = [key('stalled'), key('next')];
    s3.put(kStalled, { kind: 'stall-after', body: stalled, bytes: Math.floor(stalled.length / 2) });
    s3.put(kNext, { kind: 'serve', body: records(5) });
    const sender = new SlowSender(0);
    const started = Date.now();
    const result = await forwardObjects([ref(kStalled), ref(kNext)], {
      source: new S3ObjectSource(client(), { stallTimeoutMs: STALL_MS }),
      sender,
      rules: RULES,
      forwarder: 'test',
      readAhead: false,
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    const [first, second] = result.objects;
    expect(first.status).toBe('failed');
    expect(first.reason).toMatch(/stalled/);
    // Every record of the first half was read and sent; the ticket starts right after the last one.
    const sentOfStalled = sender.of('stalled').length;
    expect(sender.of('stalled')).toEqual(all('stalled', sentOfStalled));
    expect(sentOfStalled).toBeGreaterThan(0);
    expect(sentOfStalled).toBeLessThan(200);
    expect(first.tickets).toHaveLength(1);
    expect(first.tickets[0].ranges).toEqual([{ from: sentOfStalled, to: null }]);
    expect(first.tickets[0].reason).toMatch(/the object stream failed: .*stalled/);
    expect(second.status).toBe('forwarded');
    expect(sender.of('next')).toEqual(all('next', 5));
  });

  test('a stream read ahead, or held back by the batches in flight, for longer than the stall timeout is not failed: its records arrive intact', async () => {
    // The first object takes ~0.8 s to send (batches of 2, 100 ms each, one in flight), so its own
    // stream waits unread behind the sender, and the second, read ahead under a 1-byte budget, sits
    // unread with its bytes in the socket: both for several stall timeouts. The third stalls when
    // its turn comes, so the stall timeout is known to be active in the same run.
    const [kSlow, kAhead, kStalls] = [key('slow'), key('ahead'), key('stalls')];
    s3.put(kSlow, { kind: 'serve', body: records(16) });
    s3.put(kAhead, { kind: 'serve', body: records(20, 30_000) });
    s3.put(kStalls, { kind: 'stall-after', body: records(50), bytes: 10 });
    const sender = new SlowSender(100);
    const started = Date.now();
    const result = await forwardObjects([ref(kSlow), ref(kAhead), ref(kStalls)], {
      source: new S3ObjectSource(client(), { stallTimeoutMs: STALL_MS }),
      sender,
      rules: RULES,
      forwarder: 'test',
      concurrency: 1,
      readAhead: { maxObjects: 2, maxBytes: 1 },
    });
    expect(Date.now() - started).toBeGreaterThan(4 * STALL_MS);
    expect(result.objects.map((o) => o.status)).toEqual(['forwarded', 'forwarded', 'failed']);
    expect(sender.of('slow')).toEqual(all('slow', 16));
    expect(sender.of('ahead')).toEqual(all('ahead', 20));
    expect(result.objects[2].reason).toMatch(/stalled/);
    expect(result.objects[2].tickets[0].ranges).toEqual([{ from: 0, to: null }]);
    expect(s3.requests.get(kAhead)).toBe(1);
  }, 20_000);

  test("the invocation's deadline wins over a stall timeout or a first-byte retry further off: the read stops at it, and the rest is ticketed as the deadline's", async () => {
    const stalled = records(40);
    const [kStalled, kNoHeaders] = [key('stalled'), key('noheaders')];
    s3.put(kStalled, { kind: 'stall-after', body: stalled, bytes: Math.floor(stalled.length / 2) });
    s3.put(kNoHeaders, { kind: 'no-headers' });
    // Timeouts of 10 s (stall) and 2 x 1.5 s (first byte), a deadline to stop reading in 1 s.
    const source = new S3ObjectSource(
      track(new S3Client({
        ...LOG_OBJECT_S3_TIMEOUTS,
        requestHandler: { ...(LOG_OBJECT_S3_TIMEOUTS.requestHandler as object), requestTimeout: 1_500 },
        maxAttempts: 2,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      })),
      { stallTimeoutMs: 10_000 },
    );
    for (const [k, expectedFrom] of [
      [kStalled, undefined],
      [kNoHeaders, 0],
    ] as const) {
      const sender = new SlowSender(0);
      const started = Date.now();
      const result = await forwardObjects([ref(k)], { source, sender, rules: RULES, forwarder: 'test', readAhead: false, deadlineMs: started + 2_000, drainMs: 1_000 });
      expect(Date.now() - started).toBeLessThan(1_400);
      const [object] = result.objects;
      // As for any object the deadline cut: partial when some of it was sent, failed when none.
      expect(object.status).toBe(expectedFrom === undefined ? 'partial' : 'failed');
      expect(object.tickets).toHaveLength(1);
      expect(object.tickets[0].reason).toMatch(/^deadline: /);
      const sent = sender.of(tagOf(k)).length;
      expect(object.tickets[0].ranges).toEqual([{ from: expectedFrom ?? sent, to: null }]);
      if (expectedFrom === undefined) expect(sent).toBeGreaterThan(0);
    }
    // The open the deadline left behind has ended before the server goes (the next test shows when).
    await waitFor(() => (s3.dropped.get(kNoHeaders) ?? []).length > 0);
  }, 15_000);

  /** A client whose first-byte timeout (1.5 s, 3 attempts) is further off than the test's deadline to stop reading (1 s). */
  const patientClient = () =>
    track(new S3Client({
      ...LOG_OBJECT_S3_TIMEOUTS,
      requestHandler: { ...(LOG_OBJECT_S3_TIMEOUTS.requestHandler as object), requestTimeout: 1_500 },
      maxAttempts: 3,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    }));

  test('a GetObject the deadline leaves unanswered is aborted at the deadline: S3 sees the request end then, and no attempt after it', async () => {
    const k = key('noheaders');
    s3.put(k, { kind: 'no-headers' });
    const started = Date.now();
    const result = await forwardObjects([ref(k)], {
      source: new S3ObjectSource(patientClient(), { stallTimeoutMs: 10_000 }),
      sender: new SlowSender(0),
      rules: RULES,
      forwarder: 'test',
      readAhead: false,
      deadlineMs: started + 2_000,
      drainMs: 1_000,
    });
    const answered = Date.now();
    // The ticket is the one it always was: the whole object, as the deadline's.
    expect(result.objects[0]).toMatchObject({ status: 'failed' });
    expect(result.objects[0].tickets.map((t) => [t.ranges, t.reason])).toEqual([[[{ from: 0, to: null }], expect.stringMatching(/^deadline: /)]]);
    await waitFor(() => (s3.dropped.get(k) ?? []).length > 0);
    // Ended by the deadline (1 s in), not by the first-byte timeout (1.5 s in).
    expect(s3.dropped.get(k)![0] - started).toBeLessThan(1_400);
    expect(s3.dropped.get(k)![0]).toBeLessThanOrEqual(answered + 50);
    // Without the abort the SDK would try again at ~1.5 s and ~3 s: wait past the second.
    await sleep(3_300 - (Date.now() - started));
    expect(s3.requests.get(k)).toBe(1);
  }, 15_000);

  test('a GetObject read ahead, taken at its turn and still unanswered at the deadline, is aborted then, and makes no attempt after it', async () => {
    const [kFirst, kAhead] = [key('first'), key('ahead')];
    s3.put(kFirst, { kind: 'serve', body: records(4) });
    s3.put(kAhead, { kind: 'no-headers' });
    const started = Date.now();
    const result = await forwardObjects([ref(kFirst), ref(kAhead)], {
      source: new S3ObjectSource(patientClient(), { stallTimeoutMs: 10_000 }),
      sender: new SlowSender(0),
      rules: RULES,
      forwarder: 'test',
      readAhead: { maxObjects: 1, maxBytes: 1024 * 1024 },
      deadlineMs: started + 2_000,
      drainMs: 1_000,
    });
    const [first, ahead] = result.objects;
    expect(first.status).toBe('forwarded');
    expect(ahead.status).toBe('failed');
    expect(ahead.tickets.map((t) => [t.ranges, t.reason])).toEqual([[[{ from: 0, to: null }], expect.stringMatching(/^deadline: /)]]);
    await waitFor(() => (s3.dropped.get(kAhead) ?? []).length > 0);
    expect(s3.dropped.get(kAhead)![0] - started).toBeLessThan(1_400);
    await sleep(3_300 - (Date.now() - started));
    expect(s3.requests.get(kAhead)).toBe(1);
  }, 15_000);

  test('a GetObject read ahead for an object the deadline leaves unread is aborted when the object is discarded, and makes no attempt after it', async () => {
    const [kSlow, kAhead] = [key('slow'), key('ahead')];
    s3.put(kSlow, { kind: 'serve', body: records(16) });
    s3.put(kAhead, { kind: 'no-headers' });
    // The first object's 8 batches take 300 ms each, one in flight: reading stops at 1 s, within it.
    const started = Date.now();
    const result = await forwardObjects([ref(kSlow), ref(kAhead)], {
      source: new S3ObjectSource(patientClient(), { stallTimeoutMs: 10_000 }),
      sender: new SlowSender(300),
      rules: RULES,
      forwarder: 'test',
      concurrency: 1,
      readAhead: { maxObjects: 1, maxBytes: 1024 * 1024 },
      deadlineMs: started + 2_000,
      drainMs: 1_000,
    });
    const [slow, ahead] = result.objects;
    expect(slow.status).toBe('partial');
    expect(s3.requests.get(kAhead)).toBe(1);
    // Ticketed whole, as any object the deadline leaves unread.
    expect(ahead.status).toBe('failed');
    expect(ahead.tickets.map((t) => [t.ranges, t.reason])).toEqual([[[{ from: 0, to: null }], 'deadline: the invocation ran out of time before reading the object']]);
    await waitFor(() => (s3.dropped.get(kAhead) ?? []).length > 0);
    // Aborted when reading stops (1 s in), before the invocation's end (2 s); the slack is for a
    // loaded machine (a CI run under load took 1,477 ms).
    expect(s3.dropped.get(kAhead)![0] - started).toBeLessThan(1_800);
    await sleep(3_300 - (Date.now() - started));
    expect(s3.requests.get(kAhead)).toBe(1);
  }, 15_000);
});
