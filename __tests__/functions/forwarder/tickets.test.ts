import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TicketError } from '../../../functions/forwarder/errors';
import { countRecords, normalizeRanges, RangeCursor, rangesFrom, rangesFromIndexes } from '../../../functions/forwarder/record-ranges';
import { createTicket, MAX_RANGES_PER_TICKET, parseTicket, SqsTicketSink, ticketProblem, TICKET_SQS_CLIENT_CONFIG } from '../../../functions/forwarder/tickets';
import { SilentServer, startSilentServer } from './support/silent-server';

describe('record ranges', () => {
  it('compresses indexes into sorted half-open ranges', () => {
    expect(rangesFromIndexes([7, 3, 4, 5, 5, 9, 0])).toEqual([{ from: 0, to: 1 }, { from: 3, to: 6 }, { from: 7, to: 8 }, { from: 9, to: 10 }]);
    expect(rangesFromIndexes([])).toEqual([]);
  });

  it('merges, counts and cuts ranges', () => {
    expect(normalizeRanges([{ from: 5, to: 8 }, { from: 0, to: 2 }, { from: 2, to: 3 }, { from: 7, to: null }, { from: 4, to: 4 }])).toEqual([
      { from: 0, to: 3 },
      { from: 5, to: null },
    ]);
    expect(countRecords([{ from: 0, to: 3 }, { from: 5, to: 6 }])).toBe(4);
    expect(countRecords([{ from: 0, to: null }])).toBeNull();
    expect(rangesFrom([{ from: 0, to: 3 }, { from: 5, to: 9 }, { from: 12, to: null }], 6)).toEqual([{ from: 6, to: 9 }, { from: 12, to: null }]);
  });

  it('answers membership for increasing indexes and knows when nothing is left', () => {
    const cursor = new RangeCursor([{ from: 2, to: 4 }, { from: 6, to: 7 }]);
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => cursor.includes(i))).toEqual([false, false, true, true, false, false, true]);
    expect(cursor.exhaustedAt(7)).toBe(true);
    expect(new RangeCursor([{ from: 1, to: null }]).exhaustedAt(1_000_000)).toBe(false);
  });
});

describe('replay tickets', () => {
  it('round-trips through JSON and refuses what is not a ticket', () => {
    const [ticket] = createTicket({ bucket: 'b', key: 'k', versionId: 'v', ranges: [{ from: 1, to: 2 }], reason: 'r', attempt: 1, now: 0 });
    expect(parseTicket(JSON.parse(JSON.stringify(ticket)))).toEqual(ticket);
    expect(parseTicket({ ...ticket, type: 'other' })).toBeUndefined();
    expect(parseTicket({ ...ticket, ranges: [{ from: -1, to: 2 }] })).toBeUndefined();
    expect(parseTicket({ ...ticket, ranges: [{ from: 3, to: 2 }] })).toBeUndefined();
    expect(parseTicket({ ...ticket, key: '' })).toBeUndefined();
  });

  it('says what makes a value not a ticket', () => {
    const [ticket] = createTicket({ bucket: 'b', key: 'k', ranges: [{ from: 1, to: 2 }], reason: 'r', attempt: 1, now: 0 });
    expect(ticketProblem(ticket)).toBeUndefined();
    expect(ticketProblem([ticket])).toBe('not a JSON object');
    expect(ticketProblem({ ...ticket, type: 'other' })).toBe('type "other" is not "trailbridge.replay-ticket"');
    expect(ticketProblem({ ...ticket, version: 2 })).toBe('version 2 is not the ticket format this forwarder reads (1)');
    expect(ticketProblem({ ...ticket, key: '' })).toBe('key: not a non-empty string');
    expect(ticketProblem({ ...ticket, bucket: 7 })).toBe('bucket: not a string');
    expect(ticketProblem({ ...ticket, ranges: [{ from: 1, to: 2 }, { from: 'x' }] })).toBe('ranges[1]: {"from":"x"} is not a record range (from an integer >= 0, to null or an integer >= from)');
  });

  it('splits many ranges over several tickets that stay within an SQS message', () => {
    const ranges = Array.from({ length: MAX_RANGES_PER_TICKET + 5 }, (_, i) => ({ from: i * 2, to: i * 2 + 1 }));
    const tickets = createTicket({ bucket: 'b', key: 'k', ranges, reason: 'r', attempt: 1, now: 0 });
    expect(tickets.map((t) => t.ranges.length)).toEqual([MAX_RANGES_PER_TICKET, 5]);
    for (const t of tickets) expect(Buffer.byteLength(JSON.stringify(t))).toBeLessThan(256 * 1024);
  });
});

describe('SqsTicketSink', () => {
  const tickets = Array.from({ length: 12 }, (_, i) => createTicket({ bucket: 'b', key: `k${i}`, ranges: [{ from: 0, to: null }], reason: 'r', attempt: 1, now: 0 })[0]);

  it('sends in batches of 10 and resends only the entries SQS failed', async () => {
    const calls: string[][] = [];
    let failOnce = true;
    const sqs = {
      send: async (command: SendMessageBatchCommand) => {
        const ids = command.input.Entries!.map((e) => JSON.parse(e.MessageBody!).key as string);
        calls.push(ids);
        if (failOnce) {
          failOnce = false;
          return { Failed: [{ Id: '3', Code: 'InternalError', SenderFault: false }], Successful: [] };
        }
        return { Failed: [], Successful: [] };
      },
    };
    const waits: number[] = [];
    await new SqsTicketSink(sqs as never, 'https://sqs/q', { sleep: async (ms) => void waits.push(ms) }).write(tickets);
    expect(calls).toEqual([['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'], ['k3'], ['k10', 'k11']]);
    // The resend waits a backoff: not straight into the throttling or error SQS just reported.
    expect(waits).toEqual([200]);
  });

  it('resends entries SQS keeps failing with a doubling backoff, then fails the write', async () => {
    const calls: number[] = [];
    const sqs = {
      send: async (command: SendMessageBatchCommand) => {
        calls.push(command.input.Entries!.length);
        return { Failed: [{ Id: '0', Code: 'ThrottlingException', SenderFault: false }], Successful: [] };
      },
    };
    const waits: number[] = [];
    const sink = new SqsTicketSink(sqs as never, 'https://sqs/q', { maxAttempts: 3, sleep: async (ms) => void waits.push(ms) });
    await expect(sink.write(tickets.slice(0, 2))).rejects.toThrow(/1 replay ticket\(s\) not accepted by the failure queue https:\/\/sqs\/q: ThrottlingException/);
    expect(calls).toEqual([2, 1, 1]);
    expect(waits).toEqual([200, 400]);
  });

  it('fails the write at once for an entry failed by the sender\'s fault (it would fail again), and leaves a thrown call to the client\'s retries', async () => {
    let calls = 0;
    const refused = {
      send: async () => {
        calls++;
        return { Failed: [{ Id: '1', Code: 'InvalidMessageContents', SenderFault: true }], Successful: [] };
      },
    };
    await expect(new SqsTicketSink(refused as never, 'https://sqs/q', { sleep: async () => undefined }).write(tickets.slice(0, 2))).rejects.toThrow(/InvalidMessageContents/);
    expect(calls).toBe(1);
    calls = 0;
    const throwing = {
      send: async () => {
        calls++;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      },
    };
    await expect(new SqsTicketSink(throwing as never, 'https://sqs/q', { sleep: async () => undefined }).write(tickets.slice(0, 2))).rejects.toThrow(TicketError);
    // The SQS client already made its attempts, with its backoff; three more each would outlast the safety margin.
    expect(calls).toBe(1);
  });

  it('names the tickets it could not store: a refused entry, and every ticket from a call that threw on', async () => {
    let call = 0;
    const sqs = {
      send: async (command: SendMessageBatchCommand) => {
        call++;
        if (call === 1) return { Failed: [{ Id: '3', Code: 'InvalidMessageContents', SenderFault: true }], Successful: [] };
        throw Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError', entries: command.input.Entries!.length });
      },
    };
    const error = await new SqsTicketSink(sqs as never, 'https://sqs/q', { sleep: async () => undefined }).write(tickets).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TicketError);
    // The first batch was stored but for k3; the second (k10, k11) was tried and its call threw.
    expect((error as TicketError).unstored?.map((t) => t.key)).toEqual(['k3', 'k10', 'k11']);
    expect((error as TicketError).message).toMatch(/InvalidMessageContents/);
    expect(call).toBe(2);
  });

  it('keeps each SendMessageBatch within the 256 KiB SQS takes in one call, whatever the tickets weigh', async () => {
    // Scattered failures: every other record of a big file, as many ranges as one ticket holds.
    const scattered = Array.from({ length: MAX_RANGES_PER_TICKET }, (_, i) => ({ from: 100_000 + 2 * i, to: 100_001 + 2 * i }));
    const heavy = Array.from({ length: 10 }, (_, i) => createTicket({ bucket: 'b', key: `k${i}`, ranges: scattered, reason: 'r', attempt: 1, now: 0 })[0]);
    const batches: string[][] = [];
    const sqs = {
      send: async (command: SendMessageBatchCommand) => {
        const entries = command.input.Entries!;
        const bytes = entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody!), 0);
        // What SQS answers: the whole call is refused, no entry is stored.
        if (bytes > 262_144) throw Object.assign(new Error(`Batch requests cannot be longer than 262144 bytes (${bytes})`), { name: 'BatchRequestTooLong' });
        batches.push(entries.map((e) => JSON.parse(e.MessageBody!).key as string));
        return { Failed: [], Successful: [] };
      },
    };
    expect(Buffer.byteLength(JSON.stringify(heavy[0]))).toBeGreaterThan(262_144 / 10);
    await new SqsTicketSink(sqs as never, 'https://sqs/q').write(heavy);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(heavy.map((t) => t.key));
  });

  it('throws a TicketError naming the queue when SQS keeps failing', async () => {
    const sqs = { send: async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })) };
    await expect(new SqsTicketSink(sqs as never, 'https://sqs/q', { maxAttempts: 2 }).write(tickets)).rejects.toThrow(TicketError);
    await expect(new SqsTicketSink(sqs as never, 'https://sqs/q', { maxAttempts: 2 }).write(tickets)).rejects.toThrow(/failure queue https:\/\/sqs\/q/);
  });

  it('stops at the end of the time it is given: the call in flight is aborted, the rest is named as not stored', async () => {
    const sent: number[] = [];
    const sqs = {
      send: (command: SendMessageBatchCommand, options?: { abortSignal?: AbortSignal }) => {
        sent.push(command.input.Entries!.length);
        // The first call answers; the second hangs until the signal the sink passed aborts it.
        if (sent.length === 1) return Promise.resolve({ Failed: [], Successful: [] });
        return new Promise((_, reject) => {
          if (!options?.abortSignal) return;
          options.abortSignal.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })), { once: true });
        });
      },
    };
    const out = new AbortController();
    setTimeout(() => out.abort(), 50);
    const error = await new SqsTicketSink(sqs as never, 'https://sqs/q').write(tickets, { signal: out.signal }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TicketError);
    expect((error as TicketError).unstored?.map((t) => t.key)).toEqual(['k10', 'k11']);
    expect((error as TicketError).message).toMatch(/out of time .*failure queue https:\/\/sqs\/q/);
    expect(sent).toEqual([10, 2]);
  });

  it('sends nothing once its time is up, and names every ticket as not stored', async () => {
    const send = jest.fn();
    const error = await new SqsTicketSink({ send } as never, 'https://sqs/q').write(tickets, { signal: AbortSignal.abort() }).catch((err: unknown) => err);
    expect(send).not.toHaveBeenCalled();
    expect((error as TicketError).unstored).toHaveLength(tickets.length);
    expect((error as TicketError).message).toMatch(/out of time/);
  });

  it('does not resend entries SQS failed once its time is up', async () => {
    const out = new AbortController();
    let calls = 0;
    const sqs = {
      send: async () => {
        calls++;
        out.abort();
        return { Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }], Successful: [] };
      },
    };
    const error = await new SqsTicketSink(sqs as never, 'https://sqs/q', { sleep: async () => undefined }).write(tickets.slice(0, 2), { signal: out.signal }).catch((err: unknown) => err);
    expect(calls).toBe(1);
    expect((error as TicketError).unstored?.map((t) => t.key)).toEqual(['k0']);
  });
});

describe('the failure queue client', () => {
  let server: SilentServer;
  beforeAll(async () => {
    server = await startSilentServer();
  });
  afterAll(() => server.close());

  it('has timeouts that throw, so a queue that never answers fails the write with a TicketError in bounded time', async () => {
    expect(TICKET_SQS_CLIENT_CONFIG.requestHandler).toMatchObject({ connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true });
    // The forwarder's config, with a short request timeout for the test: 3 attempts of 200 ms and the SDK's backoff.
    const sqs = new SQSClient({
      ...TICKET_SQS_CLIENT_CONFIG,
      requestHandler: { ...(TICKET_SQS_CLIENT_CONFIG.requestHandler as object), requestTimeout: 200 },
      endpoint: server.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const ticket = createTicket({ bucket: 'b', key: 'k', ranges: [{ from: 0, to: null }], reason: 'r', attempt: 1, now: 0 });
    const started = Date.now();
    const settled = await Promise.race([
      new SqsTicketSink(sqs, `${server.endpoint}/111122223333/failures`).write(ticket).then(
        () => 'written',
        (err: unknown) => err,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 8_000).unref()),
    ]);
    sqs.destroy();
    expect(settled).toBeInstanceOf(TicketError);
    expect(String((settled as Error).message)).toMatch(/TimeoutError/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
