/**
 * `npm run drill [-- --quick] [--only NAME[,NAME]] [--seed N] [--readme]`: the reliability drills
 * (tools/drill/registry.ts). Each drill runs a deployed function bundle (the forwarder; the
 * responder in drill 8), or the operator's commands, against loopback stand-ins and ends with a
 * sink-side count. Prints the loss table,
 * writes drill-results.json (in the working directory) and, with --readme after a full run of
 * every drill, replaces the table in README.md's Reliability section. Exit code 1 when any drill
 * failed, 2 for a usage error (an --only naming no drill included).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../config/paths';
import { parseCommandLine, runCli, USAGE_EXIT_CODE, UsageError } from './lib/cli';
import { startMoto } from './lib/moto';
import { DrillRow, runDrill } from './drill/drill';
import { forwarderBundle } from './drill/function-container';
import { DRILLS, selectDrills } from './drill/registry';
import { DrillRun, findings, markdownTable, notes, replaceReadmeSection } from './drill/report';

const USAGE = 'usage: npm run drill [-- --quick] [--only NAME[,NAME]] [--seed N] [--readme]';
export const DEFAULT_SEED = 20261201;
export const RESULTS_FILE = 'drill-results.json';

export interface DrillRunOptions {
  readonly quick: boolean;
  readonly only?: string;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

/** Runs the selected drills one after the other, against one moto_server started (and stopped) here. */
export async function runDrills(options: DrillRunOptions): Promise<DrillRun> {
  const drills = selectDrills(options.only);
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? DEFAULT_SEED;
  const started = Date.now();
  forwarderBundle();
  const moto = await startMoto();
  const rows: DrillRow[] = [];
  try {
    for (const drill of drills) {
      log(`drill ${drill.name}: ${drill.title}`);
      // Each drill its own seed, so --only gives the same drill as a full run.
      const number = DRILLS.indexOf(drill) + 1;
      const row = await runDrill(number, drill, moto, { quick: options.quick, seed: seed + number, log });
      log(`drill ${drill.name}: ${row.result} in ${row.seconds} s${row.error ? ` (${row.error})` : ''}`);
      rows.push(row);
    }
  } finally {
    await moto.stop();
  }
  const cores = cpus();
  return {
    startedAt: new Date(started).toISOString(),
    quick: options.quick,
    seed,
    complete: drills.length === DRILLS.length,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    machine: `${cores.length} x ${cores[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    rows,
  };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    { quick: { type: 'boolean', default: false }, only: { type: 'string' }, seed: { type: 'string' }, readme: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } as const,
    USAGE,
  );
  if (!parsed) return 0;
  // The SDK's notice that its 2027 releases need Node 22 would interleave with the drill's lines (as in jest.config.js).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { quick, only, seed, readme } = parsed.values;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}\n${USAGE}`, USAGE_EXIT_CODE);
  if (seed !== undefined && !/^\d{1,9}$/.test(seed)) throw new UsageError(`--seed ${seed}: give a whole number of at most 9 digits`, USAGE_EXIT_CODE);
  if (readme && (quick || only)) throw new UsageError('--readme needs a full run of every drill (no --quick, no --only): the README shows only full runs', USAGE_EXIT_CODE);
  try {
    selectDrills(only);
  } catch (err) {
    throw new UsageError((err as Error).message, USAGE_EXIT_CODE);
  }

  const run = await runDrills({ quick: quick ?? false, only, seed: seed === undefined ? undefined : Number(seed), log: (line) => process.stderr.write(`${line}\n`) });
  writeFileSync(resolve(RESULTS_FILE), `${JSON.stringify(run, null, 2)}\n`);
  process.stdout.write(`\n${markdownTable(run.rows)}\n\n`);
  for (const line of notes(run.rows)) process.stdout.write(`note: ${line}\n`);
  for (const line of findings(run.rows)) process.stdout.write(`${line}\n`);
  process.stdout.write(`${run.rows.length} drill(s) in ${run.seconds} s; results in ${RESULTS_FILE}\n`);
  if (readme) {
    const path = join(PROJECT_ROOT, 'README.md');
    writeFileSync(path, replaceReadmeSection(readFileSync(path, 'utf8'), run));
    process.stdout.write('README.md: Reliability table replaced\n');
  }
  return run.rows.every((r) => r.result === 'pass') ? 0 : 1;
}

if (require.main === module) void runCli(() => main(process.argv.slice(2)));
