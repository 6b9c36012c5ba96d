import { Batch, Batcher } from '../../../functions/forwarder/batcher';
import { finishObject, MAX_KEPT_LATENCIES, ObjectTracker, Origin, settleReport, thrownReport } from '../../../functions/forwarder/bookkeeping';
import { DeliveryReport } from '../../../functions/forwarder/ingest-client';
import { emptyStats } from '../../../functions/forwarder/pipeline';

const NOW = Date.UTC(2026, 0, 1);
const ref = (key: string, extra = {}) => ({ bucket: 'b', key, ...extra });

/** One batch of the given records of the given trackers, as the pipeline builds it. */
function batchOf(origins: Origin[]): Batch<Origin> {
  const batcher = new Batcher<Origin>({ maxEvents: 1000, maxBytes: 1 << 20 });
  for (const origin of origins) expect(batcher.add(`{"content":"${origin.index}"}`, origin)).toBeUndefined();
  return batcher.flush()!;
}
function report(fields: Partial<DeliveryReport<Origin>>): DeliveryReport<Origin> {
  return { accepted: 0, failed: [], requests: 1, retries: 0, bytesSent: 10, latenciesMs: [], ...fields };
}

describe('settleReport', () => {
  it('counts every event of a batch as sent or failed, per object, and the request figures', () => {
    const a = new ObjectTracker(ref('a'));
    const b = new ObjectTracker(ref('b'));
    const origins = [0, 1, 2].map((index) => ({ object: a, index })).concat([0, 1].map((index) => ({ object: b, index })));
    const stats = emptyStats();
    settleReport(stats, batchOf(origins), report({ accepted: 3, failed: [{ origins: [origins[1], origins[4]], reason: 'rejected by Dynatrace (400)' }], requests: 3, retries: 2, bytesSent: 99, latenciesMs: [5, 7] }));
    expect(stats).toMatchObject({ sent: 3, failed: 2, requests: 3, retries: 2, bytesSent: 99, latenciesMs: [5, 7] });
    expect([a.result.sent, a.result.failed, b.result.sent, b.result.failed]).toEqual([2, 1, 1, 1]);
    expect([...a.failures]).toEqual([['rejected by Dynatrace (400)', [1]]]);
    expect([...b.failures]).toEqual([['rejected by Dynatrace (400)', [1]]]);
  });

  it('fails every event of a batch whose sender threw, with the error as the reason', () => {
    const a = new ObjectTracker(ref('a'));
    const batch = batchOf([0, 1].map((index) => ({ object: a, index })));
    const stats = emptyStats();
    settleReport(stats, batch, thrownReport(batch, new Error('boom')));
    expect(stats).toMatchObject({ sent: 0, failed: 2, requests: 0 });
    expect([...a.failures]).toEqual([['sender error: Error: boom', [0, 1]]]);
  });

  it(`keeps at most ${MAX_KEPT_LATENCIES} latencies`, () => {
    const a = new ObjectTracker(ref('a'));
    const stats = emptyStats();
    const latenciesMs = Array.from({ length: 600 }, (_, i) => i);
    settleReport(stats, batchOf([{ object: a, index: 0 }]), report({ latenciesMs }));
    settleReport(stats, batchOf([{ object: a, index: 1 }]), report({ latenciesMs }));
    expect(stats.latenciesMs).toHaveLength(MAX_KEPT_LATENCIES);
    expect(stats.latenciesMs.slice(598, 602)).toEqual([598, 599, 0, 1]);
  });
});

describe('finishObject', () => {
  it('leaves an object with nothing undelivered forwarded, without tickets', () => {
    const t = new ObjectTracker(ref('a'));
    t.result.sent = 3;
    expect(finishObject(t, NOW)).toEqual([]);
    expect(t.result).toMatchObject({ status: 'forwarded', tickets: [] });
  });

  it('tickets failed records in ranges, one ticket per reason, then the unread rest; partial when some were sent', () => {
    const t = new ObjectTracker(ref('a', { versionId: 'v7' }));
    t.result.sent = 5;
    for (const i of [3, 4, 5, 9]) t.fail(i, '503');
    t.fail(6, '400');
    t.failRest(12, 'deadline');
    const tickets = finishObject(t, NOW);
    expect(tickets.map((x) => [x.reason, x.ranges, x.attempt, x.versionId])).toEqual([
      ['503', [{ from: 3, to: 6 }, { from: 9, to: 10 }], 1, 'v7'],
      ['400', [{ from: 6, to: 7 }], 1, 'v7'],
      ['deadline', [{ from: 12, to: null }], 1, 'v7'],
    ]);
    expect(t.result.tickets).toEqual(tickets);
    expect(t.result.status).toBe('partial');
    expect(tickets[0].createdAt).toBe(new Date(NOW).toISOString());
  });

  it('calls an object failed when nothing of it was sent or dropped, and partial when a rule dropped some', () => {
    const none = new ObjectTracker(ref('a'));
    none.failRest(0, 'deadline');
    finishObject(none, NOW);
    expect(none.result.status).toBe('failed');

    const dropped = new ObjectTracker(ref('b'));
    dropped.result.dropped = 1;
    dropped.fail(1, '503');
    finishObject(dropped, NOW);
    expect(dropped.result.status).toBe('partial');
  });

  it('keeps a failed or skipped status, and tickets a replay as the next attempt within its own ranges', () => {
    const replay = new ObjectTracker(ref('a', { ranges: [{ from: 2, to: 4 }, { from: 8, to: 9 }], ticket: { attempt: 2 } }));
    replay.result.status = 'failed';
    replay.failRest(3, 'truncated gzip');
    expect(finishObject(replay, NOW).map((x) => [x.ranges, x.attempt])).toEqual([[[{ from: 3, to: 4 }, { from: 8, to: 9 }], 3]]);
    expect(replay.result.status).toBe('failed');

    const skipped = new ObjectTracker(ref('b'));
    skipped.result.status = 'skipped';
    expect(finishObject(skipped, NOW)).toEqual([]);
    expect(skipped.result.status).toBe('skipped');
  });

  it('writes no ticket for a replay whose ranges all lie before where reading stopped', () => {
    const replay = new ObjectTracker(ref('a', { ranges: [{ from: 0, to: 2 }] }));
    replay.failRest(5, 'deadline');
    expect(finishObject(replay, NOW)).toEqual([]);
    expect(replay.result.status).toBe('forwarded');
  });
});
