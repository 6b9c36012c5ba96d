import { Batch, Batcher } from '../../../functions/forwarder/batcher';
import { gzipSync } from 'node:zlib';
import { gzipWhileFilling } from '../../../functions/forwarder/batch-gzip';
import { Answer, classify, GZIP_LEVEL, IngestClient, REJECTED_TOKEN_RETRY_MS } from '../../../functions/forwarder/ingest-client';
import { DEFAULT_RETRY_POLICY, RetryPolicy } from '../../../functions/forwarder/retry-policy';
import { StaticTokenProvider, TokenProvider } from '../../../functions/forwarder/token';
import { TokenError } from '../../../functions/forwarder/errors';
import { FakeIngestServer, FakeIngestServerOptions } from '../../../tools/lib/fake-ingest-server';

const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 4, minAttemptMs: 0, attemptTimeoutMs: 5_000 };

function batchOf(ids: number[]): Batch<number> {
  const batcher = new Batcher<number>({ maxEvents: 50_000, maxBytes: 1e9 });
  for (const id of ids) {
    const json = JSON.stringify({ content: `event ${id}`, 'trailbridge.record_index': String(id) });
    batcher.add(json, id);
  }
  return batcher.flush()!;
}

describe('IngestClient against the fake Ingest API', () => {
  let server: FakeIngestServer;
  let sleeps: number[];
  let client: IngestClient;

  async function start(options: FakeIngestServerOptions = {}, tokens?: TokenProvider, overrides: Partial<RetryPolicy> = {}) {
    server = await FakeIngestServer.start({ idOf: (e) => String(e['trailbridge.record_index']), ...options });
    sleeps = [];
    client = new IngestClient({
      environmentUrl: server.url,
      tokens: tokens ?? new StaticTokenProvider(server.token),
      policy: { ...policy, ...overrides },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    });
  }
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('sends gzip JSON with the Api-Token header and gets 204', async () => {
    await start();
    const report = await client.send(batchOf([1, 2, 3]), Infinity);
    expect(report).toMatchObject({ accepted: 3, failed: [], requests: 1, retries: 0 });
    expect(report.bytesSent).toBe(server.requests[0].compressedBytes);
    expect(server.requests[0].uncompressedBytes).toBeGreaterThan(server.requests[0].compressedBytes);
    expect([...server.idCounts.keys()]).toEqual(['1', '2', '3']);
  });

  it('retries 429 honouring Retry-After (capped), 503 and resets with backoff, then succeeds', async () => {
    await start({}, undefined, { maxAttempts: 5 });
    server.script({ status: 429, retryAfter: '2' }, { status: 429, retryAfter: '3600' }, { status: 503 }, { reset: 'before-body' });
    const report = await client.send(batchOf([1, 2]), Infinity);
    expect(report).toMatchObject({ accepted: 2, failed: [], requests: 5, retries: 4 });
    expect(sleeps).toEqual([2000, policy.maxRetryAfterMs, 0.5 * policy.baseDelayMs * 4, 0.5 * policy.baseDelayMs * 8]);
    expect(server.duplicates()).toEqual([]);
    expect(server.idCounts.size).toBe(2);
  });

  it('gives up after maxAttempts and reports the events failed with the last status', async () => {
    await start();
    server.script({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const report = await client.send(batchOf([1, 2]), Infinity);
    expect(report.accepted).toBe(0);
    expect(report.failed).toEqual([{ origins: [1, 2], reason: expect.stringMatching(/Dynatrace answered 503/) }]);
    expect(report.requests).toBe(4);
  });

  it('retries a slow response that times out', async () => {
    // The retry must be answered within the attempt timeout too: 1 s leaves room for a loaded machine.
    await start({}, undefined, { attemptTimeoutMs: 1_000 });
    server.script({ delayMs: 3_000 });
    const report = await client.send(batchOf([1]), Infinity);
    expect(report).toMatchObject({ accepted: 1, retries: 1 });
    expect(server.idCounts.get('1')).toBe(1);
  });

  it('isolates the events Dynatrace rejects with 400 and delivers the rest', async () => {
    await start({ rejectEvent: (e) => (['3', '6'].includes(String(e['trailbridge.record_index'])) ? 'bad event' : undefined) });
    const ids = [...Array(10).keys()];
    const report = await client.send(batchOf(ids), Infinity);
    expect(report.accepted).toBe(8);
    expect(report.failed.flatMap((f) => f.origins).sort()).toEqual([3, 6]);
    expect(report.failed[0].reason).toMatch(/rejected by Dynatrace \(400: .*bad event/);
    expect([...server.idCounts.keys()].sort()).toEqual(['0', '1', '2', '4', '5', '7', '8', '9']);
  });

  it('sends the body its batch compressed while filling, and compresses the halves of a split itself', async () => {
    await start({ maxEventsPerRequest: 5 });
    // Level 0 (stored): a body the client's own gzip would not give, so the test sees which one went out.
    const batcher = new Batcher<number>({ maxEvents: 50_000, maxBytes: 1e9 }, () => gzipWhileFilling(0));
    for (const id of [...Array(8).keys()]) batcher.add(JSON.stringify({ content: `event ${id}`, 'trailbridge.record_index': String(id) }), id);
    const batch = batcher.flush()!;
    const compressed = await batch.compressed!;
    expect(compressed.length).not.toBe(gzipSync(batch.body, { level: GZIP_LEVEL }).length);
    const report = await client.send(batch, Infinity);
    expect(report.accepted).toBe(8);
    expect(server.requests[0]).toMatchObject({ status: 413, compressedBytes: compressed.length });
    expect(server.requests.slice(1).map((r) => r.status)).toEqual([204, 204]);
    expect([...server.idCounts.keys()].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });

  it('splits on 413 until the parts fit', async () => {
    await start({ maxEventsPerRequest: 3 });
    const report = await client.send(batchOf([...Array(10).keys()]), Infinity);
    expect(report.accepted).toBe(10);
    expect(server.idCounts.size).toBe(10);
    expect(server.requests.filter((r) => r.status === 413).length).toBeGreaterThan(0);
  });

  it('refetches the token once on 401 and goes on with the new one', async () => {
    let calls = 0;
    const tokens: TokenProvider = {
      get: async () => (calls > 0 ? server.token : 'stale-token'),
      refresh: async () => {
        calls++;
        return server.token;
      },
    };
    await start({}, tokens);
    const report = await client.send(batchOf([1]), Infinity);
    expect(report).toMatchObject({ accepted: 1, failed: [] });
    expect(calls).toBe(1);
  });

  it('fails when the refetched token is rejected too, and fails later batches fast', async () => {
    await start({}, new StaticTokenProvider('dt0c01.WRONG'));
    const first = await client.send(batchOf([1]), Infinity);
    expect(first.failed).toEqual([{ origins: [1], reason: 'Dynatrace rejected the API token (401)' }]);
    expect(server.requests.length).toBe(2);
    const second = await client.send(batchOf([2]), Infinity);
    expect(second.failed[0].reason).toMatch(/rejected the API token/);
    expect(server.requests.length).toBe(2);
  });

  it('tries a refused token again after a while: an operator may re-enable it, or add its scope, without changing its value', async () => {
    await start();
    await client.close();
    let now = 1_000_000;
    client = new IngestClient({ environmentUrl: server.url, tokens: new StaticTokenProvider(server.token), policy, clock: () => now, sleep: async () => undefined, random: () => 0.5 });
    server.script({ status: 401 }, { status: 401 });
    expect((await client.send(batchOf([1]), Infinity)).failed).toEqual([{ origins: [1], reason: 'Dynatrace rejected the API token (401)' }]);
    now += REJECTED_TOKEN_RETRY_MS - 1;
    expect((await client.send(batchOf([2]), Infinity)).failed[0].reason).toMatch(/rejected the API token/);
    expect(server.requests.length).toBe(2);
    now += 1;
    expect(await client.send(batchOf([3]), Infinity)).toMatchObject({ accepted: 1, failed: [] });
    expect([...server.idCounts.keys()]).toEqual(['3']);
  });

  it('reports a token that cannot be read as the failure reason', async () => {
    const tokens: TokenProvider = {
      get: async () => {
        throw new TokenError('cannot read the Dynatrace token from SSM parameter /dt/token: it does not exist', '/dt/token');
      },
      refresh: async () => '',
    };
    await start({}, tokens);
    const report = await client.send(batchOf([1]), Infinity);
    expect(report.failed[0].reason).toMatch(/SSM parameter \/dt\/token: it does not exist/);
    expect(server.requests).toEqual([]);
  });

  it('stops retrying when the deadline would pass', async () => {
    let now = 0;
    server = await FakeIngestServer.start();
    client = new IngestClient({
      environmentUrl: server.url,
      tokens: new StaticTokenProvider(server.token),
      policy: { ...policy, minAttemptMs: 1000 },
      clock: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    server.script({ status: 429, retryAfter: '5' }, { status: 429, retryAfter: '5' });
    const report = await client.send(batchOf([1]), 7_000);
    expect(report.failed[0].reason).toMatch(/deadline reached while retrying \(last: status 429/);
    expect(report.requests).toBe(2);
  });

  it('does not start a request with no time left', async () => {
    await start();
    const report = await client.send(batchOf([1]), Date.now() - 1);
    expect(report.failed[0].reason).toMatch(/deadline reached before delivery/);
    expect(server.requests).toEqual([]);
  });

  it('posts to the ActiveGate path when the URL has one', async () => {
    server = await FakeIngestServer.start();
    client = new IngestClient({ environmentUrl: `${server.url}/e/abc12345/`, tokens: new StaticTokenProvider(server.token), policy });
    await client.send(batchOf([1]), Infinity);
    expect(server.requests[0].status).toBe(204);
  });
});

describe('classify', () => {
  const retryable = DEFAULT_RETRY_POLICY.retryableStatuses;
  const table: [number, string, Answer][] = [
    [204, '', { kind: 'accepted' }],
    [200, '{"details":"partial"}', { kind: 'accepted' }],
    [400, '{"error":"bad event"}', { kind: 'split', reason: 'rejected by Dynatrace (400: {"error":"bad event"})' }],
    [413, '', { kind: 'split', reason: 'too large for Dynatrace (413)' }],
    [401, 'expired', { kind: 'token-rejected', reason: 'Dynatrace rejected the API token (401)' }],
    [403, '', { kind: 'token-rejected', reason: 'Dynatrace rejected the API token (403)' }],
    [429, 'slow down', { kind: 'retryable', reason: 'Dynatrace answered 429: slow down', problem: 'status 429: slow down' }],
    [502, '', { kind: 'retryable', reason: 'Dynatrace answered 502', problem: 'status 502' }],
    [503, '', { kind: 'retryable', reason: 'Dynatrace answered 503', problem: 'status 503' }],
    [504, '', { kind: 'retryable', reason: 'Dynatrace answered 504', problem: 'status 504' }],
    [404, 'no such path', { kind: 'failed', reason: 'Dynatrace answered 404: no such path' }],
    [500, '', { kind: 'failed', reason: 'Dynatrace answered 500' }],
  ];

  it.each(table)('%i %j -> %j', (status, body, answer) => {
    expect(classify(status, body, retryable)).toEqual(answer);
  });

  it('retries exactly the statuses the policy lists', () => {
    expect(classify(500, '', [500]).kind).toBe('retryable');
    expect(classify(503, '', []).kind).toBe('failed');
  });

  it('cuts a long body in the reason to 500 characters', () => {
    const answer = classify(503, 'x'.repeat(2_000), retryable);
    expect(answer).toEqual({ kind: 'retryable', reason: `Dynatrace answered 503: ${'x'.repeat(500)}`, problem: `status 503: ${'x'.repeat(500)}` });
  });
});
