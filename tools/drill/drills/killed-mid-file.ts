/**
 * Drill 1: the function is killed (SIGKILL, as a crash or an out-of-memory end does) at a random
 * point of a large file, and Lambda delivers the same notification again to a fresh container.
 *
 * The bound on duplicates: the second delivery resumes at the progress watermark the first one
 * stored (PROGRESS_TABLE, functions/forwarder/progress.ts), so it resends only what Dynatrace may
 * have taken beyond it: the batches in flight at the kill, at most DT_CONCURRENCY x
 * maxEventsPerBatch (pipeline.ts waits before dispatching another), plus the settled records whose
 * progress write had not landed, which reading keeps below one more such window (it pauses for the
 * write in flight beyond that). So per kill 2 x DT_CONCURRENCY x maxEventsPerBatch = 2 x 4 x 500
 * (this drill's rules cap batches at 500 events, so even the quick run's file makes enough
 * requests for late kills).
 */
import { Check, Drill, DrillOutcome } from '../drill';
import { tally } from '../ledger';
import { seededRandom, sizedTrailFile, TrailFile } from '../trail-files';
import { DEFAULT_TIMEOUT_MS, DRILL_CONCURRENCY, DRILL_RULES, DrillWorld, notification } from '../world';

const MAX_EVENTS_PER_BATCH = 500;
const RULES = { ...DRILL_RULES, limits: { ...DRILL_RULES.limits, maxEventsPerBatch: MAX_EVENTS_PER_BATCH } };
const IN_FLIGHT = DRILL_CONCURRENCY * MAX_EVENTS_PER_BATCH;
/** The batches in flight, and as many settled records waiting for their progress write. */
const BOUND = 2 * IN_FLIGHT;
/** A kill comes up to this long after the chosen request arrives, so it also lands between requests. */
const MAX_KILL_DELAY_MS = 60;

interface Trial {
  readonly file: TrailFile;
  /** The request (1-based, of this run) whose arrival starts the countdown to the kill. */
  readonly killAtRequest: number;
  readonly killDelayMs: number;
  /** Records the sink had taken of the file when the kill came. */
  readonly takenAtKill: number;
  readonly killed: boolean;
  /** Records the second delivery skipped as accounted by the first (below the stored watermark). */
  readonly resumed: number;
}

/** Arms the sink: the container dies `delayMs` after request `request` of this run arrives. */
class KillSwitch {
  private armed?: { firstRequest: number; request: number; delayMs: number; kill: () => void };
  takenAtKill = -1;

  constructor(private readonly taken: () => number) {}

  arm(request: number, delayMs: number, requestsSoFar: number, kill: () => void): void {
    this.takenAtKill = -1;
    this.armed = { firstRequest: requestsSoFar, request, delayMs, kill };
  }

  /** The sink's per-request hook (FakeIngestServerOptions.faultFor): never a fault, only the trigger. */
  onRequest = (requestNumber: number): undefined => {
    const armed = this.armed;
    if (!armed || requestNumber - armed.firstRequest !== armed.request) return undefined;
    this.armed = undefined;
    setTimeout(() => {
      this.takenAtKill = this.taken();
      armed.kill();
    }, armed.delayMs);
    return undefined;
  };
}

async function killedTrial(world: DrillWorld, switcher: KillSwitch, file: TrailFile, plan: { request: number; delayMs: number }, port: number): Promise<Omit<Trial, 'resumed'>> {
  const sink = world.sinks[0];
  const container = world.container({ dtUrl: sink.url, extensionPort: port });
  switcher.arm(plan.request, plan.delayMs, sink.requests.length, () => container.kill());
  const answer = await container.invoke(notification([file], `kill-${file.key}`), DEFAULT_TIMEOUT_MS);
  await container.stop();
  const deliveries = world.deliveries();
  const taken = switcher.takenAtKill >= 0 ? switcher.takenAtKill : file.ids.filter((id) => deliveries.has(id)).length;
  return { file, killAtRequest: plan.request, killDelayMs: plan.delayMs, takenAtKill: taken, killed: answer.died === true };
}

export const killedMidFile: Drill = {
  name: 'killed-mid-file',
  title: 'SIGKILL at random points of a large file, then the same notification again',
  async run(world, { quick, seed, log }): Promise<DrillOutcome> {
    const random = seededRandom(seed);
    const points = quick ? 3 : 10;
    const bytes = quick ? 10_000_000 : 40_000_000;
    let fileIds: readonly string[] = [];
    const switcher = new KillSwitch(() => fileIds.filter((id) => sink.idCounts.has(id)).length);
    const sink = await world.startSink({ faultFor: switcher.onRequest });
    const extension = await world.startExtension(RULES);
    const trials: Trial[] = [];
    for (let i = 0; i < points; i++) {
      const file = world.put(sizedTrailFile(`kill${String(i).padStart(2, '0')}`, bytes, random));
      fileIds = file.ids;
      // A random point in the i-th of `points` equal stretches of the file (so early, middle and
      // late kills all occur): the arrival of one of its requests, plus a little. Not among the
      // last DRILL_CONCURRENCY requests: those leave together, and the run may end before the kill.
      const requests = Math.ceil(file.ids.length / MAX_EVENTS_PER_BATCH);
      const plan = { request: 1 + Math.floor(((i + random()) / points) * (requests - DRILL_CONCURRENCY)), delayMs: Math.floor(random() * MAX_KILL_DELAY_MS) };
      const trial = await killedTrial(world, switcher, file, plan, extension.port);
      // Lambda's retry: the same notification, a fresh container, run to its end.
      const retry = world.container({ dtUrl: sink.url, extensionPort: extension.port });
      const again = await retry.invoke(notification([file], `kill-${file.key}`), DEFAULT_TIMEOUT_MS);
      await retry.stop();
      if (again.error || again.timedOut) throw new Error(`the second delivery of ${file.key} failed: ${again.error ?? 'timed out'}`);
      const resumed = Number((again.result as { alreadyForwarded?: number } | undefined)?.alreadyForwarded ?? 0);
      trials.push({ ...trial, resumed });
      log(`  kill ${i + 1}/${points}: ${trial.killDelayMs} ms after request ${trial.killAtRequest} of ${requests}, ${trial.takenAtKill} of ${file.ids.length} records taken${trial.killed ? '' : ' (the run ended first)'}; the second delivery resumed at record ${resumed}`);
    }

    const deliveries = world.deliveries();
    const standing = await world.drainQueue();
    const checks: Check[] = trials.map((t, i) => {
      const dupes = t.file.ids.filter((id) => (deliveries.get(id) ?? 0) > 1).length;
      return {
        name: `kill ${i + 1}: duplicates <= ${BOUND} (in flight at the kill, and waiting for their progress write)`,
        ok: dupes <= BOUND,
        detail: `killed after request ${t.killAtRequest} with ${t.takenAtKill} of ${t.file.ids.length} records taken; resumed at record ${t.resumed}; ${dupes} duplicated`,
      };
    });
    checks.push({ name: 'every kill point hit the file mid-way', ok: trials.every((t) => t.killed), detail: `${trials.filter((t) => t.killed).length} of ${trials.length} killed` });
    checks.push({ name: 'no ticket written (nothing failed)', ok: standing.length === 0, detail: `${standing.length} ticket(s)` });
    const ledger = tally({ expected: trials.flatMap((t) => t.file.ids), deliveries, ticketed: new Set(), replayed: new Set() });
    return {
      ledger,
      checks,
      // Per kill; the whole drill may hold one such window per kill point.
      duplicateBound: { records: BOUND * points, why: `${points} kills x 2 x ${DRILL_CONCURRENCY} batches x ${MAX_EVENTS_PER_BATCH} events (in flight, and settled waiting for their progress write)` },
      notes: [`${points} kill points (seed ${seed}), files of ${(bytes / 1e6).toFixed(0)} MB (${trials[0]?.file.ids.length ?? 0} records)`],
    };
  },
};
