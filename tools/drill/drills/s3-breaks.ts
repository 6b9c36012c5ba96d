/**
 * Drill 4: S3 breaks in the middle of objects: the connection reset after N bytes of the body,
 * 503 SlowDown on every attempt the SDK makes, a gzip stream cut short. Each object's unread rest
 * must be ticketed from the right record, and the replay (S3 healthy again) deliver exactly the
 * ticketed records.
 */
import { check, exactlyOnce, restTicketedFrom } from '../checks';
import { Drill, DrillOutcome } from '../drill';
import { takenBetween, tally, ticketedIds } from '../ledger';
import { seededRandom, sizedTrailFile } from '../trail-files';
import { DEFAULT_TIMEOUT_MS, notification } from '../world';

/** More than the SDK's attempts (3 in its standard retry mode), so the read fails. */
const SLOW_DOWN_ANSWERS = 4;

export const s3Breaks: Drill = {
  name: 's3-breaks',
  title: 'S3 resets after N bytes, answers 503 SlowDown, sends a truncated gzip',
  async run(world, { quick, seed }): Promise<DrillOutcome> {
    const random = seededRandom(seed);
    const bytes = quick ? 3_000_000 : 12_000_000;
    const reset = sizedTrailFile('reset', bytes, random);
    const slowDown = sizedTrailFile('slowdown', bytes, random);
    const truncated = sizedTrailFile('truncated', bytes, random);
    // The cut points: seeded, somewhere in the middle of the compressed object.
    const resetAt = Math.floor(reset.body.length * (0.2 + 0.6 * random()));
    const truncateAt = Math.floor(truncated.body.length * (0.2 + 0.6 * random()));
    world.put(reset, [{ resetAfterBytes: resetAt }]);
    world.put(slowDown, Array.from({ length: SLOW_DOWN_ANSWERS }, () => ({ slowDown: true as const })));
    world.put(truncated, [{ truncateAtBytes: truncateAt }]);

    const sink = await world.startSink();
    const extension = await world.startExtension();
    const answer = await world.container({ dtUrl: sink.url, extensionPort: extension.port }).invoke(notification([reset, slowDown, truncated]), DEFAULT_TIMEOUT_MS);
    const before = world.deliveries();
    const gets = [reset, slowDown, truncated].map((f) => world.s3.getsOf(f.bucket, f.key));
    const replay = await world.replay(world.container({ dtUrl: sink.url, extensionPort: extension.port }));
    const after = world.deliveries();
    const standing = await world.drainQueue();
    const tickets = world.replayedTickets;
    const reasonOf = (key: string) => tickets.filter((t) => t.key === key).map((t) => t.reason).join('; ');

    const checks = [
      check('the invocation answered (no retry of the notification)', !answer.error && !answer.timedOut && !answer.died, answer.error ?? `${answer.durationMs} ms`),
      restTicketedFrom(`reset after ${resetAt} of ${reset.body.length} bytes: rest ticketed from the right record`, reset, tickets, before, true),
      restTicketedFrom('503 SlowDown on every attempt: the whole object ticketed', slowDown, tickets, before, false),
      check('the SlowDown ticket says SlowDown', /SlowDown/.test(reasonOf(slowDown.key)), reasonOf(slowDown.key)),
      restTicketedFrom(`gzip cut at ${truncateAt} of ${truncated.body.length} bytes: rest ticketed from the right record`, truncated, tickets, before, true),
      check('the truncated ticket says truncated', /truncated/.test(reasonOf(truncated.key)), reasonOf(truncated.key)),
      check('replay: every message done', replay.left.length === 0 && !replay.stoppedBy && replay.received > 0, `${replay.received} received, ${replay.left.length} left`),
      exactlyOnce('replay exact: each record delivered exactly once in the end', [reset, slowDown, truncated].flatMap((f) => f.ids), after),
    ];
    const ledger = tally({
      expected: [reset, slowDown, truncated].flatMap((f) => f.ids),
      deliveries: after,
      ticketed: ticketedIds(tickets, world.files),
      replayed: takenBetween(before, after),
      standing: ticketedIds(standing, world.files),
    });
    return { ledger, checks, notes: [`3 objects of ${(bytes / 1e6).toFixed(0)} MB in one notification; GETs in the first invocation: reset ${gets[0]}, SlowDown ${gets[1]}, truncated ${gets[2]}`] };
  },
};
