/**
 * Drill 7: objects that can never be forwarded as they are, in one notification: a corrupt gzip
 * stream, `Records` that is not an array, a 1 MB record, a record with invalid UTF-8, a digest
 * file, a key outside the CloudTrail layout. Each is handled once as documented (the readable
 * part sent and the rest ticketed; truncated; forwarded as text; skipped) and the invocation
 * answers, so Lambda does not deliver it again. The replay of their tickets must end, too: with
 * REPLAY_MAX_ATTEMPTS=2 a poison ticket fails once more in a first replay, which stops on that
 * batch (nothing of it was sent, its objects could not be read), so its new ticket is not replayed
 * by the same run (it would otherwise use up its attempts in one run); a second replay fails it
 * again and returns it to the queue (for its dead-letter queue), not written again.
 */
import { gzipSync } from 'node:zlib';
import { check, exactlyOnce, restTicketedFrom } from '../checks';
import { Drill, DrillOutcome } from '../drill';
import { tally, takenBetween, ticketedIds } from '../ledger';
import { DRILL_ACCOUNT, DRILL_BUCKET, DRILL_REGION, makeRecords, seededRandom, seededUuid, sizedTrailFile, trailFile, TrailFile } from '../trail-files';
import { DEFAULT_TIMEOUT_MS, notification } from '../world';

const REPLAY_MAX_ATTEMPTS = 2;
const BIG_RECORD_BYTES = 1024 * 1024;
const CORRUPT_FILE_BYTES = 2_000_000;

/** The compressed bytes with a run of them overwritten in the middle: the deflate stream breaks there. */
function corrupted(file: TrailFile, random: () => number): TrailFile {
  const body = Buffer.from(file.body);
  const at = Math.floor(body.length * (0.3 + 0.4 * random()));
  for (let i = at; i < Math.min(body.length, at + 64); i++) body[i] = Math.floor(random() * 256);
  return { ...file, body };
}

/** A record whose JSON text holds bytes that are not UTF-8 (0xC3 0x28) inside its userAgent. */
function invalidUtf8Record(record: Record<string, unknown>): Buffer {
  const text = JSON.stringify({ ...record, userAgent: 'drill-MARK' });
  const [head, tail] = text.split('MARK');
  return Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(tail)]);
}

function otherObject(key: string, document: unknown): TrailFile {
  return { bucket: DRILL_BUCKET, key, body: gzipSync(JSON.stringify(document)), ids: [], uncompressedBytes: JSON.stringify(document).length };
}

export const poisonInput: Drill = {
  name: 'poison-input',
  title: 'Corrupt gzip, Records not an array, a 1 MB record, invalid UTF-8, a digest file, a key outside the layout',
  async run(world, { seed, log }): Promise<DrillOutcome> {
    const random = seededRandom(seed);
    // The same file in quick and full runs: a poison file need not be large, and one seed then
    // breaks the stream at the same place in both.
    const corrupt = world.put(corrupted(sizedTrailFile('poison-corrupt', CORRUPT_FILE_BYTES, random), random));
    const notArray = world.put(otherObject(corrupt.key.replace('poison-corrupt', 'poison-notarray'), { Records: { eventID: seededUuid(random) } }));

    const bigRecords = makeRecords(20_000, random);
    const bigAt = Math.floor(bigRecords.length / 2);
    bigRecords[bigAt] = { eventID: bigRecords[bigAt].eventID, ...bigRecords[bigAt], requestParameters: { policyDocument: 'x'.repeat(BIG_RECORD_BYTES) } };
    const big = world.put(trailFile('poison-big', bigRecords, bigRecords.map((r) => String(r.eventID))));

    const utf8Records = makeRecords(20_000, random);
    const badAt = Math.floor(utf8Records.length / 2);
    const utf8 = world.put(trailFile('poison-utf8', utf8Records.map((r, i) => (i === badAt ? invalidUtf8Record(r) : r)), utf8Records.map((r) => String(r.eventID))));

    const digestKey = `AWSLogs/${DRILL_ACCOUNT}/CloudTrail-Digest/${DRILL_REGION}/2026/12/01/${DRILL_ACCOUNT}_CloudTrail-Digest_${DRILL_REGION}_drill_${DRILL_REGION}_20261201T000000Z.json.gz`;
    const digest = world.put(otherObject(digestKey, { awsAccountId: DRILL_ACCOUNT, digestStartTime: '2026-12-01T00:00:00Z', logFiles: [] }));
    const outside = world.put({ ...sizedTrailFile('poison-outside', 20_000, random), key: 'exports/cloudtrail/2026-12-01/drill-export.json.gz' });

    const sink = await world.startSink({ keepEvents: true });
    const extension = await world.startExtension();
    const objects = [corrupt, notArray, big, utf8, digest, outside];
    const first = world.container({ dtUrl: sink.url, extensionPort: extension.port, env: { REPLAY_MAX_ATTEMPTS: String(REPLAY_MAX_ATTEMPTS) } });
    const answer = await first.invoke(notification(objects), DEFAULT_TIMEOUT_MS);
    const before = world.deliveries();
    const gets = objects.map((o) => world.s3.getsOf(o.bucket, o.key));
    const lines = first.logLines();

    const replayContainer = world.container({ dtUrl: sink.url, extensionPort: extension.port, env: { REPLAY_MAX_ATTEMPTS: String(REPLAY_MAX_ATTEMPTS) } });
    const firstReplay = await world.replay(replayContainer);
    const handedFirst = world.replayedTickets.slice();
    const replay = await world.replay(replayContainer);
    const handedSecond = world.replayedTickets.slice(handedFirst.length);
    const after = world.deliveries();
    const standing = await world.drainQueue();
    const tickets = world.replayedTickets;
    const firstTickets = tickets.filter((t) => t.attempt === 1);
    const eventOf = (file: TrailFile, index: number) => sink.events.find((e) => e['log.source.aws.s3.key.name'] === file.key && Number(e['trailbridge.record_index']) === index);
    const skippedSaid = (key: string) => lines.some((l) => l.message === 'object skipped' && l.key === key);
    const reasonOf = (file: TrailFile) => firstTickets.filter((t) => t.key === file.key).map((t) => t.reason).join('; ');
    log(`  corrupt gzip: ${reasonOf(corrupt)}`);

    const checks = [
      check('the invocation answered (Lambda does not deliver it again)', !answer.error && !answer.timedOut && !answer.died, answer.error ?? `${answer.durationMs} ms`),
      check('each object read once, digest and outside key not read', JSON.stringify(gets) === JSON.stringify([1, 1, 1, 1, 0, 0]), `GETs ${gets.join(', ')}`),
      restTicketedFrom('corrupt gzip: the readable part sent, the rest ticketed', corrupt, firstTickets, before, true),
      check('Records not an array: ticketed with the reason', /"Records" is not an array/.test(reasonOf(notArray)), reasonOf(notArray)),
      exactlyOnce('1 MB record: every record of its file sent once', big.ids, after),
      check('1 MB record: sent truncated', eventOf(big, bigAt)?.['trailbridge.truncated'] === 'true', `${String(eventOf(big, bigAt)?.content ?? '').length} characters of content`),
      exactlyOnce('invalid UTF-8: every record of its file sent once', utf8.ids, after),
      check('invalid UTF-8: sent as text, flagged', eventOf(utf8, badAt)?.['trailbridge.record_problem'] === 'invalid-utf8', String(eventOf(utf8, badAt)?.['trailbridge.record_problem'])),
      check('digest file: skipped, said in a log line', skippedSaid(digest.key)),
      check('key outside the layout: skipped, said in a log line', skippedSaid(outside.key)),
      check(
        'first replay: each poison ticket failed again once, and the run stopped on that batch (nothing of it sent, its objects unreadable): its new tickets were not replayed by the same run',
        firstTickets.length === 2 &&
          handedFirst.length === firstTickets.length &&
          handedFirst.every((t) => t.attempt === 1) &&
          firstReplay.left.length === 0 &&
          /^nothing of a batch was sent and 2 objects could not be read/.test(firstReplay.stoppedBy ?? ''),
        `handed tickets by attempt ${JSON.stringify(handedFirst.map((t) => t.attempt))}, ${firstReplay.heldBack} held back, ${firstReplay.left.length} left, ${firstReplay.answers.length} invocations, stopped: ${firstReplay.stoppedBy ?? 'no'}`,
      ),
      check(
        'the function answered the replay command with its summary (asked for by the client context the command sends): its new tickets counted',
        firstReplay.untold === 0 && firstReplay.newTickets === firstTickets.length && replay.untold === 0,
        `first replay: ${firstReplay.newTickets} new tickets, ${firstReplay.failedAgain} records failed again, ${firstReplay.untold + replay.untold} answers without a summary`,
      ),
      check(
        `second replay ends it: each poison ticket failed again, then was returned to the queue (REPLAY_MAX_ATTEMPTS=${REPLAY_MAX_ATTEMPTS})`,
        handedSecond.length === firstTickets.length &&
          handedSecond.every((t) => t.attempt === REPLAY_MAX_ATTEMPTS) &&
          world.givenUpTickets.length === firstTickets.length &&
          !tickets.some((t) => t.attempt > REPLAY_MAX_ATTEMPTS) &&
          replay.left.length === firstTickets.length &&
          replay.heldBack === 0,
        `handed tickets by attempt ${JSON.stringify(handedSecond.map((t) => t.attempt))}, ${world.givenUpTickets.length} given up, ${replay.left.length} left, ${replay.heldBack} held back, ${replay.answers.length} invocations`,
      ),
      check('the replay sent nothing (poison stays poison)', takenBetween(before, after).size === 0),
    ];
    const forwarded = [corrupt, big, utf8];
    const ledger = tally({
      expected: forwarded.flatMap((f) => f.ids),
      deliveries: after,
      ticketed: ticketedIds(firstTickets, world.files),
      replayed: takenBetween(before, after),
      standing: ticketedIds([...world.givenUpTickets, ...standing], world.files),
    });
    return {
      ledger,
      checks,
      notes: ['records: those of the corrupt, 1 MB-record and invalid-UTF-8 files (the digest and the outside key are skipped as documented; "Records" not an array holds none); the corrupt rest stays ticketed, returned to the queue for its dead-letter queue'],
    };
  },
};
