/**
 * Drill 3: Dynatrace answers 429 (with and without Retry-After) and takes 10 seconds to answer,
 * for the whole invocation, whose Lambda timeout is short. The timeout guard must stop reading in
 * time, ticket what was not sent from the right record, and the handler must answer before the
 * timeout; a replay against a healthy Dynatrace then delivers the ticketed records exactly once.
 */
import { Fault } from '../../lib/fake-ingest-server';
import { check, exactlyOnce, restTicketedFrom } from '../checks';
import { Drill, DrillOutcome } from '../drill';
import { takenBetween, tally, ticketedIds } from '../ledger';
import { seededRandom, sizedTrailFile } from '../trail-files';
import { notification } from '../world';

const SLOW_ANSWER_MS = 10_000;
/**
 * The quick run's Lambda timeout. Reading stops a quarter of the way before the deadline (the
 * drain time), and the first requests must reach the sink by then even on a loaded machine: at
 * 6 s (reading stopped 3.75 s in) one run had the sink answer only the two 429 requests before
 * the handler returned, and failed. With the quick safety margin of 2 s the deadline is 8 s in, before any
 * slow answer (SLOW_ANSWER_MS) returns, and the handler's answer (about 8.3 s in, tickets written)
 * has well over a second to spare.
 */
const QUICK_TIMEOUT_MS = 10_000;
/**
 * The quick file must outlast what the forwarder can read before reading stops, however fast the
 * machine: no 10-second answer returns before the deadline, so once the four batches in flight
 * (DRILL_CONCURRENCY) each wait on one, nothing more is sent. Slow answers are requests 3, 4, 8 and
 * 9, so at most 9 batches leave and a 10th fills: 10 x 1,000 records (DRILL_MAX_EVENTS_PER_BATCH).
 * A failed batch frees its place at once (a 429 whose retry would pass the deadline), which is how
 * 8 MB (6,261 records) was read to its end on an idle machine and left no rest to ticket ("no
 * open-ended ticket"). 20 MB holds about 15,700 records.
 */
const QUICK_FILE_BYTES = 20_000_000;

/** Request n meets, in turn: 429 with Retry-After, 429 without, two 10-second answers, a prompt 204. */
export function throttlingFault(requestNumber: number): Fault | undefined {
  switch (requestNumber % 5) {
    case 1:
      return { status: 429, retryAfter: '1' };
    case 2:
      return { status: 429 };
    case 3:
    case 4:
      return { delayMs: SLOW_ANSWER_MS };
    default:
      return undefined;
  }
}

export const dynatraceSlow: Drill = {
  name: 'dynatrace-slow',
  title: 'Dynatrace throttles (429, with and without Retry-After) and answers in 10 s until the deadline',
  async run(world, { quick, seed }): Promise<DrillOutcome> {
    const random = seededRandom(seed);
    const timeoutMs = quick ? QUICK_TIMEOUT_MS : 30_000;
    const safetyMarginMs = quick ? 2_000 : 3_000;
    const file = world.put(sizedTrailFile('slow', quick ? QUICK_FILE_BYTES : 30_000_000, random));
    const handedOut = { 429: 0, slow: 0 };
    const slowSink = await world.startSink({
      faultFor: (n) => {
        const fault = throttlingFault(n);
        if (fault && 'status' in fault) handedOut[429]++;
        if (fault && 'delayMs' in fault) handedOut.slow++;
        return fault;
      },
    });
    const extension = await world.startExtension();
    const container = world.container({ dtUrl: slowSink.url, extensionPort: extension.port, env: { SAFETY_MARGIN_MS: String(safetyMarginMs) } });
    const answer = await container.invoke(notification([file]), timeoutMs);
    const before = world.deliveries();
    const statuses = slowSink.requests.map((r) => r.status);

    const healthy = await world.startSink();
    const replay = await world.replay(world.container({ dtUrl: healthy.url, extensionPort: extension.port }));
    const after = world.deliveries();
    const standing = await world.drainQueue();
    const tickets = world.replayedTickets;
    const deadlineTicket = tickets.find((t) => t.ranges.some((r) => r.to === null));

    const checks = [
      check(`the handler answered before its ${timeoutMs / 1000} s timeout`, !answer.timedOut && !answer.died && answer.durationMs < timeoutMs, `${answer.timedOut ? 'timed out' : `answered after ${answer.durationMs} ms`}${answer.error ? `, threw: ${answer.error}` : ''}`),
      check('the sink answered 429 and slowly', handedOut[429] >= 2 && handedOut.slow >= 1, `${handedOut[429]} answers 429, ${handedOut.slow} answers of ${SLOW_ANSWER_MS / 1000} s`),
      restTicketedFrom('the unsent rest ticketed from the right record', file, tickets, before, true),
      check('the rest was ticketed by the timeout guard', deadlineTicket?.reason.startsWith('deadline') === true, deadlineTicket?.reason ?? 'no open-ended ticket'),
      check('replay: every message done', replay.left.length === 0 && !replay.stoppedBy, `${replay.received} received, ${replay.left.length} left`),
      exactlyOnce('each record delivered exactly once in the end', file.ids, after),
    ];
    const ledger = tally({ expected: file.ids, deliveries: after, ticketed: ticketedIds(tickets, world.files), replayed: takenBetween(before, after), standing: ticketedIds(standing, world.files) });
    return {
      ledger,
      checks,
      notes: [`Lambda timeout ${timeoutMs / 1000} s, SAFETY_MARGIN_MS ${safetyMarginMs}; answered after ${answer.durationMs} ms; ${file.ids.length} records; sink statuses ${statuses.join(' ')}`],
    };
  },
};
