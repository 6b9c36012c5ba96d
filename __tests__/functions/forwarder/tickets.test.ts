import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { TicketError } from '../../../functions/forwarder/errors';
import { countRecords, normalizeRanges, RangeCursor, rangesFrom, rangesFromIndexes } from '../../../functions/forwarder/record-ranges';
import { createTicket, MAX_RANGES_PER_TICKET, parseTicket, SqsTicketSink } from '../../../functions/forwarder/tickets';

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
    await new SqsTicketSink(sqs as never, 'https://sqs/q').write(tickets);
    expect(calls).toEqual([['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'], ['k3'], ['k10', 'k11']]);
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
    await expect(new SqsTicketSink(sqs as never, 'https://sqs/q', 2).write(tickets)).rejects.toThrow(TicketError);
    await expect(new SqsTicketSink(sqs as never, 'https://sqs/q', 2).write(tickets)).rejects.toThrow(/failure queue https:\/\/sqs\/q/);
  });
});
