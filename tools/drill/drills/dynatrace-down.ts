/**
 * Drill 2: Dynatrace refuses connections for a whole invocation. Every record must be ticketed;
 * once Dynatrace is back, the operator's replay delivers each exactly once. Drilled twice: the
 * Lambda (tickets in the failure queue, `npm run replay -- --from-queue`'s code replaying them
 * through the function) and the operator's own commands (`npm run forward -- --failures` on
 * local files, then `npm run replay` of the ticket file).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseTicket, ReplayTicket } from '../../../functions/forwarder/tickets';
import { FAKE_TOKEN } from '../../lib/fake-ingest-server';
import { allIn, check, exactlyOnce } from '../checks';
import { Drill, DrillOutcome } from '../drill';
import { takenBetween, tally, ticketedIds } from '../ledger';
import { operatorCommand } from '../operator';
import { seededRandom, sizedTrailFile, TrailFile } from '../trail-files';
import { closedPort, DEFAULT_TIMEOUT_MS, notification, TOKEN_PARAMETER } from '../world';

function readTickets(path: string): ReplayTicket[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const ticket = parseTicket(JSON.parse(line));
      if (!ticket) throw new Error(`${path}: a line is not a replay ticket: ${line.slice(0, 100)}`);
      return ticket;
    });
}

/** The file as an operator has it on disk: its key becomes the local path (the CLI's tickets name the path). */
function onDisk(dir: string, file: TrailFile): TrailFile {
  const path = join(dir, file.key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, file.body);
  return { ...file, key: path };
}

export const dynatraceDown: Drill = {
  name: 'dynatrace-down',
  title: 'Dynatrace refuses connections for a whole invocation; replay after recovery',
  async run(world, { quick, seed }): Promise<DrillOutcome> {
    const random = seededRandom(seed);
    const count = quick ? 2 : 3;
    const bytes = quick ? 1_000_000 : 6_000_000;
    const lambdaFiles = Array.from({ length: count }, (_, i) => world.put(sizedTrailFile(`down${i}`, bytes, random)));
    const dir = mkdtempSync(join(tmpdir(), 'drill-down-'));
    try {
      const cliFile = onDisk(dir, sizedTrailFile('down-cli', bytes, random));
      world.addFile(cliFile);
      const extension = await world.startExtension();
      const down = `http://127.0.0.1:${await closedPort()}`;
      world.ssm.set(TOKEN_PARAMETER, FAKE_TOKEN);

      // Both outages at once: the Lambda on its notification, the operator forwarding by hand.
      const downContainer = world.container({ dtUrl: down, extensionPort: extension.port });
      const [outage, cliOutage] = await Promise.all([
        downContainer.invoke(notification(lambdaFiles), DEFAULT_TIMEOUT_MS),
        operatorCommand('forward', ['--dt-url', down, '--failures', join(dir, 'failed.jsonl'), cliFile.key], { DT_API_TOKEN: FAKE_TOKEN }),
      ]);
      const cliTickets = readTickets(join(dir, 'failed.jsonl'));

      const sink = await world.startSink();
      const before = world.deliveries();
      const replay = await world.replay(world.container({ dtUrl: sink.url, extensionPort: extension.port }));
      const cliReplay = await operatorCommand('replay', ['--dt-url', sink.url, '--failures', join(dir, 'again.jsonl'), join(dir, 'failed.jsonl')], { DT_API_TOKEN: sink.token });
      const after = world.deliveries();
      const standing = await world.drainQueue();

      const lambdaIds = lambdaFiles.flatMap((f) => f.ids);
      const ticketed = ticketedIds([...world.replayedTickets, ...cliTickets], world.files);
      const checks = [
        check('the invocation during the outage answered (no retry of the notification)', !outage.error && !outage.timedOut && outage.result?.sent === 0, JSON.stringify(outage.result ?? outage.error)),
        check('the sink took nothing during the outage', before.size === 0, `${before.size} taken`),
        allIn('Lambda: every record ticketed', lambdaIds, ticketed),
        check('forward during the outage exits 1 (records ticketed)', cliOutage.code === 1 && cliOutage.summary?.sent === 0, `exit ${cliOutage.code}, ${JSON.stringify(cliOutage.summary)}`),
        allIn('forward: every record ticketed', cliFile.ids, ticketed),
        check('queue replay: every message done, none left', replay.left.length === 0 && !replay.stoppedBy && replay.received > 0, `${replay.received} received, ${replay.left.length} left${replay.stoppedBy ? `, stopped: ${replay.stoppedBy}` : ''}`),
        exactlyOnce('Lambda: each record delivered exactly once after recovery', lambdaIds, after),
        check('replay of the ticket file exits 0, no new ticket', cliReplay.code === 0 && readTickets(join(dir, 'again.jsonl')).length === 0, `exit ${cliReplay.code}`),
        exactlyOnce('forward/replay: each record delivered exactly once after recovery', cliFile.ids, after),
      ];
      const ledger = tally({
        expected: [...lambdaIds, ...cliFile.ids],
        deliveries: after,
        ticketed,
        replayed: takenBetween(before, after),
        standing: ticketedIds(standing, world.files),
      });
      return { ledger, checks, notes: [`Lambda: ${count} files in one notification; CLI: 1 local file; ${(bytes / 1e6).toFixed(1)} MB each`] };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
