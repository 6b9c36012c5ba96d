import { ChildProcess, fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateCloudTrailFile, GeneratedFile, loadSampleRecords } from './bench/generate';
import { GB } from './bench/cost';
import { benchFleet } from './bench/fleet';
import { FORWARDER_BATCH_BYTES, Mode } from './bench/measure';
import { sharedSigmaTagRules } from './bench/sigma-bench';
import { measureFunctions } from './bench/functions-bench';
import { BenchResults, ForwarderFigures, markdownReport, sigmaReport, SigmaFigures, SynthFigures } from './bench/report';
import { median, minimumRequests, round } from './bench/stats';
import { defaultBenchTopology, largeBenchTopology, timeSynth, timeValidate, TSX_CLI } from './bench/synth-bench';
import { parseCommandLine, runCli, USAGE_EXIT_CODE, UsageError } from './lib/cli';
import { benchScale, scaleMarkdown } from './bench/scale';
import { PROJECT_ROOT } from '../config/paths';

/**
 * `npm run bench -- scale [--quick]` runs only the scale table of the regional forwarding modes (tools/bench/scale.ts;
 * `--quick`: the rows its targets are read from).
 * `npm run bench [-- --quick] [--runs N] [--sigma-only]`: what users pay for, as medians of N runs and as ratios
 * against references measured in the same run (absolute times drift on a shared machine).
 * Writes a markdown table to stdout and the figures to bench-results.json. Exit code 2 for a usage error.
 */

const USAGE = 'usage: npm run bench [-- --quick] [--runs N] [--sigma-only]\n       npm run bench -- scale [--quick]';

const MB = 1024 * 1024;
/** The file whose CPU-seconds per GB the fleet's are held against. */
const LARGE_FILE_MB = 100;
/**
 * The file of the Sigma case: 100 MB, so the ratio is the tagger's steady cost per record. On a
 * 10 MB file in a fresh process the tagger's first pass (~65 ms while V8 warms it up, once per
 * container in a Lambda) is a tenth of the run and the ratio reads ~0.05 lower.
 */
const SIGMA_FILE_MB = 100;
const SHARED_CLOUDTRAIL = join(PROJECT_ROOT, '..', 'shared', 'data', 'cloudtrail');
const DATA_DIR = join(tmpdir(), 'trailbridge-bench-data');
export const RESULTS_FILE = join(PROJECT_ROOT, 'bench-results.json');

interface Sink {
  readonly url: string;
  readonly token: string;
  readonly child: ChildProcess;
}

function startSink(): Promise<Sink> {
  const child = fork(join(__dirname, 'bench', 'sink-process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: any) => resolve({ url: m.url, token: m.token, child }));
    child.once('exit', (code) => reject(new Error(`the sink process exited (${code}) before listening`)));
  });
}

function sinkStats(sink: Sink): Promise<{ events: number; requests: number }> {
  return new Promise((resolve) => {
    sink.child.once('message', (m: any) => resolve(m));
    sink.child.send('stats');
  });
}

function measureOnce(mode: Mode, file: string, sink: Sink) {
  const run = spawnSync(process.execPath, [TSX_CLI, join(__dirname, 'bench', 'measure.ts'), mode, file, sink.url, sink.token], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * MB,
  });
  if (run.status !== 0) throw new Error(`bench ${mode} on ${file} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as { seconds: number; cpuSeconds: number; peakRssMB: number; requests: number; events: number; eventBytes: number };
}

/** @param files each generated file is kept here by size, for the cases that read it again */
async function benchForwarder(sizesMB: number[], runs: number, sink: Sink, log: (line: string) => void, files = new Map<number, GeneratedFile>()): Promise<ForwarderFigures[]> {
  const samples = loadSampleRecords(SHARED_CLOUDTRAIL);
  const figures: ForwarderFigures[] = [];
  for (const sizeMB of sizesMB) {
    const dir = join(DATA_DIR, `${sizeMB}mb`);
    rmDirIfStale(dir);
    log(`generating a ${sizeMB} MB CloudTrail file`);
    const file: GeneratedFile = await generateCloudTrailFile(dir, sizeMB * MB, samples);
    files.set(sizeMB, file);
    const byMode: Record<Exclude<Mode, 'forwarder-sigma'>, ReturnType<typeof measureOnce>[]> = { floor: [], naive: [], forwarder: [] };
    for (let run = 1; run <= runs; run++) {
      for (const mode of ['floor', 'naive', 'forwarder'] as const) {
        const before = await sinkStats(sink);
        const result = measureOnce(mode, file.path, sink);
        const after = await sinkStats(sink);
        if (mode !== 'floor' && after.events - before.events !== file.records) {
          throw new Error(`${mode} on ${sizeMB} MB: the sink received ${after.events - before.events} events of ${file.records} records`);
        }
        byMode[mode].push(result);
        log(`  run ${run} ${mode}: ${result.seconds.toFixed(2)} s, peak RSS ${result.peakRssMB.toFixed(0)} MB, ${result.requests} requests`);
      }
    }
    const mbPerS = (mode: keyof typeof byMode) => median(byMode[mode].map((r) => file.uncompressedBytes / MB / r.seconds));
    const forwarder = byMode.forwarder;
    const requests = median(forwarder.map((r) => r.requests));
    const eventBytes = median(forwarder.map((r) => r.eventBytes));
    figures.push({
      sizeMB,
      records: file.records,
      mbPerS: round(mbPerS('forwarder')),
      recordsPerS: round(median(forwarder.map((r) => file.records / r.seconds)), 0),
      requests,
      minRequests: minimumRequests(file.records, eventBytes, { maxEvents: 50_000, maxBytes: FORWARDER_BATCH_BYTES }),
      meanRequestMB: round(eventBytes / requests / MB, 3),
      peakRssMB: round(median(forwarder.map((r) => r.peakRssMB)), 0),
      ratioToFloor: round(mbPerS('forwarder') / mbPerS('floor')),
      ratioToNaive: round(mbPerS('forwarder') / mbPerS('naive')),
      floorMbPerS: round(mbPerS('floor')),
      naiveMbPerS: round(mbPerS('naive')),
      naivePeakRssMB: round(median(byMode.naive.map((r) => r.peakRssMB)), 0),
      cpuSecondsPerGB: round(median(forwarder.map((r) => r.cpuSeconds)) / (file.uncompressedBytes / GB), 2),
    });
  }
  return figures;
}

/**
 * The forwarder with every record matched against the shared Sigma rules (forwarder.sigmaTags) against the
 * forwarder without, on one 100 MB file, runs interleaved so both see the same machine load.
 */
async function benchSigma(runs: number, sink: Sink, log: (line: string) => void): Promise<SigmaFigures> {
  const dir = join(DATA_DIR, 'sigma');
  rmDirIfStale(dir);
  const file = await generateCloudTrailFile(dir, SIGMA_FILE_MB * MB, loadSampleRecords(SHARED_CLOUDTRAIL));
  const seconds: Record<'forwarder' | 'forwarder-sigma', number[]> = { forwarder: [], 'forwarder-sigma': [] };
  const cpuSeconds: Record<'forwarder' | 'forwarder-sigma', number[]> = { forwarder: [], 'forwarder-sigma': [] };
  for (let run = 1; run <= runs; run++) {
    for (const mode of ['forwarder', 'forwarder-sigma'] as const) {
      const before = await sinkStats(sink);
      const result = measureOnce(mode, file.path, sink);
      const after = await sinkStats(sink);
      if (after.events - before.events !== file.records) throw new Error(`${mode}: the sink received ${after.events - before.events} events of ${file.records} records`);
      seconds[mode].push(result.seconds);
      cpuSeconds[mode].push(result.cpuSeconds);
      log(`  sigma run ${run} ${mode}: ${result.seconds.toFixed(2)} s, CPU ${result.cpuSeconds.toFixed(2)} s`);
    }
  }
  const mbPerS = (mode: keyof typeof seconds) => median(seconds[mode].map((s) => file.uncompressedBytes / MB / s));
  return {
    sizeMB: SIGMA_FILE_MB,
    rules: sharedSigmaTagRules().length,
    mbPerS: round(mbPerS('forwarder')),
    sigmaMbPerS: round(mbPerS('forwarder-sigma')),
    ratio: round(mbPerS('forwarder-sigma') / mbPerS('forwarder')),
    cpuRatio: round(median(cpuSeconds.forwarder) / median(cpuSeconds['forwarder-sigma'])),
  };
}

/** One forwarder run on the file, as CPU-seconds per GB (the fleet takes it between its own runs). */
async function largeFileCpuPerGB(file: GeneratedFile, sink: Sink): Promise<number> {
  const before = await sinkStats(sink);
  const result = measureOnce('forwarder', file.path, sink);
  const after = await sinkStats(sink);
  if (after.events - before.events !== file.records) throw new Error(`forwarder on ${file.path}: the sink received ${after.events - before.events} events of ${file.records} records`);
  return result.cpuSeconds / (file.uncompressedBytes / GB);
}

/** Generated files are rebuilt each run: fresh eventTimes keep them inside Dynatrace's 24 h window. */
function rmDirIfStale(dir: string): void {
  if (existsSync(dir)) spawnSync('rm', ['-rf', dir]);
  mkdirSync(dir, { recursive: true });
}

function benchSynth(quick: boolean, runs: number, log: (line: string) => void): SynthFigures[] {
  const topologies = quick ? [['default', defaultBenchTopology()] as const] : ([['default', defaultBenchTopology()], ['large (20 sources x 17 regions)', largeBenchTopology()]] as const);
  return topologies.map(([name, topology]) => {
    const app = Array.from({ length: runs }, () => timeSynth(topology, 'app'));
    const cli = quick ? [] : Array.from({ length: runs }, () => timeSynth(topology, 'cli'));
    log(`synth ${name}: app ${app.map((r) => r.seconds.toFixed(2)).join(', ')} s${cli.length ? `; cdktf ${cli.map((r) => r.seconds.toFixed(2)).join(', ')} s` : ''}`);
    return {
      topology: name,
      resources: app[0].resources,
      appSeconds: round(median(app.map((r) => r.seconds))),
      cliSeconds: cli.length ? round(median(cli.map((r) => r.seconds))) : null,
    };
  });
}

export async function bench(options: { quick: boolean; runs: number; log: (line: string) => void }): Promise<BenchResults> {
  const { quick, runs, log } = options;
  const sink = await startSink();
  try {
    const files = new Map<number, GeneratedFile>();
    const forwarder = await benchForwarder(quick ? [10] : [10, 100, 500], runs, sink, log, files);
    // The Sigma case only in the full set: the quick set must stay within its smoke test's time.
    const sigma = quick ? undefined : await benchSigma(runs, sink, log);
    // The fleet's CPU per GB is held against the large file's: 100 MB, or 10 MB in the quick set.
    const largeFile = forwarder.find((f) => f.sizeMB === LARGE_FILE_MB) ?? forwarder[forwarder.length - 1];
    const fleetDir = join(DATA_DIR, 'fleet');
    rmDirIfStale(fleetDir);
    const fleet = await benchFleet({
      quick,
      runs,
      dataDir: fleetDir,
      samples: loadSampleRecords(SHARED_CLOUDTRAIL),
      sink: { url: sink.url, token: sink.token, stats: () => sinkStats(sink) },
      largeFile: { sizeMB: largeFile.sizeMB, cpuSecondsPerGB: largeFile.cpuSecondsPerGB, measure: () => largeFileCpuPerGB(files.get(largeFile.sizeMB)!, sink) },
      log,
    });
    const synth = benchSynth(quick, runs, log);
    const validateSeconds = quick ? null : round(median(Array.from({ length: runs }, () => timeValidate())), 1);
    const functions = await measureFunctions({ runs, sinkUrl: sink.url, sinkToken: sink.token, log });
    return {
      quick,
      runs,
      machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`,
      forwarder,
      fleet,
      synth,
      validateSeconds,
      functions,
      sigma,
    };
  } finally {
    sink.child.send('close');
  }
}

if (require.main === module) {
  runCli(async () => {
    const parsed = parseCommandLine(
      process.argv.slice(2),
      { quick: { type: 'boolean', default: false }, runs: { type: 'string', default: '3' }, 'sigma-only': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      USAGE,
    );
    if (!parsed) return;
    const { values, positionals } = parsed;
    if (positionals.length > 0 && (positionals.length > 1 || positionals[0] !== 'scale')) {
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals.find((p) => p !== 'scale'))}; the only part that runs alone is "scale"\n${USAGE}`, USAGE_EXIT_CODE);
    }
    if (positionals[0] === 'scale') {
      const scale = await benchScale((line) => process.stderr.write(`${line}\n`), { quick: values.quick });
      writeFileSync(join(PROJECT_ROOT, 'bench-scale-results.json'), `${JSON.stringify(scale, null, 2)}\n`);
      process.stdout.write(scaleMarkdown(scale));
      return;
    }
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 3) throw new UsageError(`--runs ${values.runs}: give a whole number of at least 3 (figures are medians)\n${USAGE}`, USAGE_EXIT_CODE);
    if (values['sigma-only']) {
      // Only the Sigma case; bench-results.json is left as the last full run wrote it.
      const sink = await startSink();
      try {
        process.stdout.write(`${sigmaReport(await benchSigma(runs, sink, (line) => process.stderr.write(`${line}\n`))).join('\n')}\n`);
      } finally {
        sink.child.send('close');
      }
      return;
    }
    const results = await bench({ quick: values.quick ?? false, runs, log: (line) => process.stderr.write(`${line}\n`) });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(markdownReport(results));
    process.stdout.write(`\nfigures: ${RESULTS_FILE}\n`);
  });
}
