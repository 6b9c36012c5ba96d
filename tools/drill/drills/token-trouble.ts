/**
 * Drill 5: trouble with the Dynatrace token and its key, each on a cold container: SSM throttling
 * (retryable: the SDK's retries recover), the parameter missing and KMS refusing to decrypt (not
 * retryable: every record ticketed with a reason that names the fix; replayed once fixed), and
 * the token rotated under a warm cache (401, the token fetched again, the batch resent). The
 * tokens must never appear in a log line, an answer or a ticket.
 */
import { exactlyOnce, allIn, check, secretsAbsent } from '../checks';
import { Drill, DrillOutcome } from '../drill';
import { takenBetween, tally, ticketedIds } from '../ledger';
import { seededRandom, seededUuid, sizedTrailFile, TrailFile } from '../trail-files';
import { DEFAULT_TIMEOUT_MS, DrillWorld, notification, TOKEN_PARAMETER } from '../world';
import { Invocation } from '../function-container';

async function coldInvoke(world: DrillWorld, dtUrl: string, port: number, file: TrailFile): Promise<Invocation> {
  const container = world.container({ dtUrl, extensionPort: port });
  const answer = await container.invoke(notification([file], `token-${file.key}`), DEFAULT_TIMEOUT_MS);
  await container.stop();
  return answer;
}

export const tokenTrouble: Drill = {
  name: 'token-trouble',
  title: 'SSM throttled, parameter missing, KMS decrypt denied, token rotated (401 then the new one)',
  async run(world, { quick, seed }): Promise<DrillOutcome> {
    const random = seededRandom(seed);
    const bytes = quick ? 400_000 : 2_000_000;
    const [throttled, missing, denied, rotated] = ['throttled', 'missing', 'denied', 'rotated'].map((name) => world.put(sizedTrailFile(`token-${name}`, bytes, random)));
    const sink = await world.startSink();
    const extension = await world.startExtension();
    const port = extension.port;
    const answers: Invocation[] = [];

    world.ssm.script({ throttle: true }, { throttle: true });
    answers.push(await coldInvoke(world, sink.url, port, throttled));
    const afterThrottle = world.deliveries();

    world.ssm.failing = { notFound: true };
    answers.push(await coldInvoke(world, sink.url, port, missing));
    world.ssm.failing = { kmsDenied: true };
    answers.push(await coldInvoke(world, sink.url, port, denied));
    world.ssm.failing = undefined;

    const oldToken = `dt0c01.DRILLOLD${seededUuid(random).replace(/-/g, '').slice(0, 16).toUpperCase()}.${seededUuid(random).replace(/-/g, '')}`;
    const newToken = `dt0c01.DRILLNEW${seededUuid(random).replace(/-/g, '').slice(0, 16).toUpperCase()}.${seededUuid(random).replace(/-/g, '')}`;
    const rotatedSink = await world.startSink({ token: newToken });
    world.ssm.script({ value: oldToken });
    answers.push(await coldInvoke(world, rotatedSink.url, port, rotated));

    // Fixed: the parameter exists and the key may be used again; the operator replays the queue.
    world.ssm.set(TOKEN_PARAMETER, sink.token);
    const before = world.deliveries();
    const replay = await world.replay(world.container({ dtUrl: sink.url, extensionPort: port }));
    const after = world.deliveries();
    const standing = await world.drainQueue();
    const tickets = world.replayedTickets;
    const ticketed = ticketedIds(tickets, world.files);
    const reasons = (file: TrailFile) => [...new Set(tickets.filter((t) => t.key === file.key).map((t) => t.reason))].join('; ');

    const checks = [
      check('every invocation answered', answers.every((a) => !a.error && !a.timedOut && !a.died), answers.map((a) => a.error ?? `${a.durationMs} ms`).join(', ')),
      exactlyOnce('SSM throttled twice: recovered, each record delivered once', throttled.ids, afterThrottle),
      allIn('parameter missing: every record ticketed', missing.ids, ticketed),
      check('parameter missing: the reason names the fix', /does not exist.*put-parameter/.test(reasons(missing)), reasons(missing)),
      allIn('KMS decrypt denied: every record ticketed', denied.ids, ticketed),
      check('KMS decrypt denied: the reason names the permission', /kms:Decrypt/.test(reasons(denied)), reasons(denied)),
      check('token rotated: Dynatrace answered 401 first', rotatedSink.requests.some((r) => r.status === 401), `statuses ${rotatedSink.requests.map((r) => r.status).join(' ')}`),
      exactlyOnce('token rotated: each record delivered once with the new token', rotated.ids, after),
      check('no ticket for the recovered cases', !tickets.some((t) => t.key === throttled.key || t.key === rotated.key)),
      check('replay once fixed: every message done', replay.left.length === 0 && !replay.stoppedBy && replay.received > 0, `${replay.received} received, ${replay.left.length} left`),
      exactlyOnce('missing and denied: each record delivered exactly once after the fix', [...missing.ids, ...denied.ids], after),
      secretsAbsent('no token in any log line, answer or ticket', [sink.token, oldToken, newToken], [world.logs(), JSON.stringify(answers), JSON.stringify(replay.answers), JSON.stringify(tickets), JSON.stringify(standing)]),
    ];
    const files = [throttled, missing, denied, rotated];
    const ledger = tally({ expected: files.flatMap((f) => f.ids), deliveries: after, ticketed, replayed: takenBetween(before, after), standing: ticketedIds(standing, world.files) });
    return { ledger, checks, notes: [`4 cold starts, one file each (${(bytes / 1e6).toFixed(1)} MB); SSM answered ${world.ssm.calls} GetParameter calls`] };
  },
};
