/** The benchmark's figures, as JSON (bench-results.json) and as a markdown table. */

export interface ForwarderFigures {
  sizeMB: number;
  records: number;
  mbPerS: number;
  recordsPerS: number;
  requests: number;
  minRequests: number;
  meanRequestMB: number;
  peakRssMB: number;
  ratioToFloor: number;
  ratioToNaive: number;
  floorMbPerS: number;
  naiveMbPerS: number;
  naivePeakRssMB: number;
  /** The forwarder process's CPU-seconds (user + system) per GB (2^30 bytes) of uncompressed input. */
  cpuSecondsPerGB: number;
}

/** The fleet workload (tools/bench/fleet.ts): many small objects through the bundled function. */
export interface FleetFigures {
  objects: number;
  invocations: number;
  records: number;
  /** Events the sink counted from the measured invocations: `records` when nothing was lost or duplicated. */
  eventsAtSink: number;
  inputMB: number;
  /** S3's first-byte latency in the run. */
  latencyMs: number;
  /** Objects per second the function is busy (the sum of invocation times). */
  objectsPerS: number;
  objectsPerSNoReadAhead: number;
  mbPerS: number;
  mbPerSNoReadAhead: number;
  invocationP50Ms: number;
  invocationP99Ms: number;
  /**
   * Seconds the function's main thread ran (parsing, formatting) and waited (for S3, for Dynatrace's
   * answer) over the measured invocations: read-ahead can only take from the waiting.
   */
  mainThreadBusyS: number;
  mainThreadWaitingS: number;
  mainThreadBusySNoReadAhead: number;
  mainThreadWaitingSNoReadAhead: number;
  /**
   * Of the waiting, the seconds after each invocation's last record until its batches were answered
   * (the last one's compression included), summed: what read-ahead cannot take. The rest is S3's
   * first bytes and the object reads read-ahead did not hide.
   */
  settleS: number;
  settleSNoReadAhead: number;
  requestsPerObject: number;
  requests: number;
  /** The least requests that carry each invocation's events (a batch cannot span invocations). */
  minRequests: number;
  peakRssMB: number;
  peakRssMBNoReadAhead: number;
  /** Of the measured invocations, in a warm container. */
  cpuSecondsPerGB: number;
  /** The container's first invocation (the first event, handled once more before the measured ones). */
  warmupCpuSeconds: number;
  /** The same figure of the forwarder on the file of `largeFileMB`, run after each fleet run (so on the same machine speed). */
  cpuSecondsPerGBLargeFile: number;
  largeFileMB: number;
  /**
   * Lambda cost per GB of input and the modelled p99 invocation at each memory (tools/bench/cost.ts),
   * each from runs under the heap Lambda's Node.js runtime gives that memory, with their CPU per GB and peak RSS.
   */
  cost: { memoryMB: number; usdPerGB: number; p99Ms: number; peakRssMB: number; cpuSecondsPerGB: number }[];
  configuredMemoryMB: number;
  timeoutSeconds: number;
  /** The cheapest memory whose p99 stays under a quarter of the timeout and that holds the peak RSS. */
  chosenMemoryMB: number | null;
}

export interface SynthFigures {
  topology: string;
  resources: number;
  appSeconds: number;
  cliSeconds: number | null;
}

export interface FunctionFigures {
  /** The function, or `function (situation)` for a further cold-start case. */
  name: string;
  zipBytes: number;
  /** From spawning `node` to the handler's answer. */
  coldStartMs: number | null;
  /** From spawning `node` to its exit. */
  coldStartToExitMs: number | null;
}

export interface BenchResults {
  quick: boolean;
  runs: number;
  machine: string;
  forwarder: ForwarderFigures[];
  fleet: FleetFigures;
  synth: SynthFigures[];
  validateSeconds: number | null;
  functions: FunctionFigures[];
  /** Absent in the quick set. */
  sigma?: SigmaFigures;
}

/** The forwarder with the shared Sigma rules tagging every record, against the forwarder without (one file). */
export interface SigmaFigures {
  sizeMB: number;
  /** Sigma rules matched against every record. */
  rules: number;
  mbPerS: number;
  sigmaMbPerS: number;
  /** sigmaMbPerS / mbPerS: the target is at least 0.9. */
  ratio: number;
  /** Median CPU-seconds (user + system) of a run without / with: the same ratio, less moved by other processes on a shared machine. */
  cpuRatio: number;
}

/** The lines of the Sigma case in the report. */
export function sigmaReport(s: SigmaFigures): string[] {
  return [
    '| Sigma tags (forwarder.sigmaTags) | file (MB) | rules | MB/s without | MB/s with | with / without | CPU-s without / with |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| shared SigmaHQ CloudTrail rules | ${s.sizeMB} | ${s.rules} | ${s.mbPerS.toFixed(1)} | ${s.sigmaMbPerS.toFixed(1)} | ${s.ratio.toFixed(2)} | ${s.cpuRatio.toFixed(2)} |`,
  ];
}

const fmt = (value: number | null, digits = 2) => (value === null ? 'n/a' : value.toFixed(digits));

export function markdownReport(r: BenchResults): string {
  const lines: string[] = [];
  lines.push(`Benchmark (${r.quick ? 'quick set' : 'full set'}; median of ${r.runs} runs; ${r.machine})`, '');
  lines.push('| file (MB) | records | MB/s | records/s | requests (least) | mean request (MB) | peak RSS (MB) | CPU-s/GB | / floor | / naive | floor MB/s | naive MB/s | naive RSS (MB) |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const f of r.forwarder) {
    lines.push(
      `| ${f.sizeMB} | ${f.records} | ${fmt(f.mbPerS, 1)} | ${fmt(f.recordsPerS, 0)} | ${f.requests} (${f.minRequests}) | ${fmt(f.meanRequestMB)} | ${fmt(f.peakRssMB, 0)} | ${fmt(f.cpuSecondsPerGB, 1)} | ${fmt(f.ratioToFloor)} | ${fmt(f.ratioToNaive)} | ${fmt(f.floorMbPerS, 1)} | ${fmt(f.naiveMbPerS, 1)} | ${fmt(f.naivePeakRssMB, 0)} |`,
    );
  }
  lines.push('', ...fleetReport(r.fleet));
  if (r.sigma) lines.push('', ...sigmaReport(r.sigma));
  lines.push('', '| topology | resources | app alone (s) | cdktf synth (s) |', '| --- | ---: | ---: | ---: |');
  for (const s of r.synth) lines.push(`| ${s.topology} | ${s.resources} | ${fmt(s.appSeconds)} | ${fmt(s.cliSeconds)} |`);
  lines.push('', `npm run validate (default topology): ${r.validateSeconds === null ? 'n/a (not in the quick set)' : `${fmt(r.validateSeconds, 1)} s`}`);
  lines.push('', '| function | zip (KB) | cold start, to the answer (ms) | to process exit (ms) |', '| --- | ---: | ---: | ---: |');
  for (const f of r.functions) lines.push(`| ${f.name} | ${fmt(f.zipBytes / 1024, 0)} | ${fmt(f.coldStartMs, 0)} | ${fmt(f.coldStartToExitMs, 0)} |`);
  return `${lines.join('\n')}\n`;
}

function fleetReport(f: FleetFigures): string[] {
  const lines = [
    `Fleet: ${f.objects} objects (${fmt(f.inputMB, 1)} MB, ${f.records} records) in ${f.invocations} SQS events of 10, S3 first byte ${f.latencyMs} ms`,
    '',
    '| read-ahead | objects/s | MB/s | peak RSS (MB) | main thread busy (s) | waiting (s) | of it, after the last record (s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| on | ${fmt(f.objectsPerS, 1)} | ${fmt(f.mbPerS, 1)} | ${fmt(f.peakRssMB, 0)} | ${fmt(f.mainThreadBusyS)} | ${fmt(f.mainThreadWaitingS)} | ${fmt(f.settleS)} |`,
    `| off | ${fmt(f.objectsPerSNoReadAhead, 1)} | ${fmt(f.mbPerSNoReadAhead, 1)} | ${fmt(f.peakRssMBNoReadAhead, 0)} | ${fmt(f.mainThreadBusySNoReadAhead)} | ${fmt(f.mainThreadWaitingSNoReadAhead)} | ${fmt(f.settleSNoReadAhead)} |`,
    '',
    `invocation p50 ${fmt(f.invocationP50Ms, 0)} ms, p99 ${fmt(f.invocationP99Ms, 0)} ms; requests ${f.requests} (least ${f.minRequests}), ${fmt(f.requestsPerObject, 3)} per object; CPU-s/GB ${fmt(f.cpuSecondsPerGB, 1)} (the ${f.largeFileMB} MB file, run beside it: ${fmt(f.cpuSecondsPerGBLargeFile, 1)}); the container's first invocation ${fmt(f.warmupCpuSeconds)} CPU-s`,
    '',
    "| memory (MB), under Lambda's heap | USD per GB | modelled p99 (ms) | CPU-s/GB | peak RSS (MB) |",
    '| ---: | ---: | ---: | ---: | ---: |',
    ...f.cost.map((c) => `| ${c.memoryMB} | ${c.usdPerGB.toFixed(5)} | ${fmt(c.p99Ms, 0)} | ${fmt(c.cpuSecondsPerGB, 1)} | ${fmt(c.peakRssMB, 0)} |`),
    '',
    `memory: ${f.chosenMemoryMB ?? 'none qualifies'} MB chosen (configured ${f.configuredMemoryMB} MB; timeout ${f.timeoutSeconds} s)`,
  ];
  return lines;
}

/** Checks the JSON has every figure the issue names, with the right types. */
export function wellFormed(value: unknown): string[] {
  const problems: string[] = [];
  const r = value as Record<string, any>;
  const numberOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  const check = (ok: boolean, what: string) => ok || problems.push(what);
  check(Array.isArray(r?.forwarder) && r.forwarder.length > 0, 'forwarder: a non-empty array');
  for (const [i, f] of (r?.forwarder ?? []).entries()) {
    for (const key of ['sizeMB', 'mbPerS', 'recordsPerS', 'requests', 'minRequests', 'peakRssMB', 'cpuSecondsPerGB', 'ratioToFloor', 'ratioToNaive']) {
      check(typeof f[key] === 'number' && Number.isFinite(f[key]) && f[key] >= 0, `forwarder[${i}].${key}: a finite number >= 0`);
    }
  }
  const fleet = r?.fleet as Record<string, any> | undefined;
  check(typeof fleet === 'object' && fleet !== null, 'fleet: an object');
  for (const key of ['objects', 'objectsPerS', 'objectsPerSNoReadAhead', 'cpuSecondsPerGB', 'cpuSecondsPerGBLargeFile', 'requests', 'minRequests', 'peakRssMB', 'latencyMs', 'mainThreadBusyS', 'mainThreadWaitingS', 'settleS', 'settleSNoReadAhead']) {
    check(typeof fleet?.[key] === 'number' && Number.isFinite(fleet[key]) && fleet[key] > 0, `fleet.${key}: a finite number > 0`);
  }
  check(Array.isArray(fleet?.cost) && fleet.cost.length > 0, 'fleet.cost: a non-empty array');
  for (const [i, c] of (Array.isArray(fleet?.cost) ? fleet.cost : []).entries()) {
    check(Number.isInteger(c?.memoryMB) && c.memoryMB >= 128, `fleet.cost[${i}].memoryMB: an integer >= 128`);
    check(typeof c?.usdPerGB === 'number' && Number.isFinite(c.usdPerGB) && c.usdPerGB > 0, `fleet.cost[${i}].usdPerGB: a finite number > 0`);
  }
  check(Array.isArray(r?.synth) && r.synth.length > 0, 'synth: a non-empty array');
  for (const [i, s] of (r?.synth ?? []).entries()) {
    check(typeof s.topology === 'string', `synth[${i}].topology: a string`);
    check(Number.isInteger(s.resources) && s.resources > 0, `synth[${i}].resources: a positive integer`);
    check(typeof s.appSeconds === 'number', `synth[${i}].appSeconds: a number`);
    check(numberOrNull(s.cliSeconds), `synth[${i}].cliSeconds: a number or null`);
  }
  check(numberOrNull(r?.validateSeconds), 'validateSeconds: a number or null');
  for (const key of r?.sigma === undefined ? [] : ['rules', 'mbPerS', 'sigmaMbPerS', 'ratio', 'cpuRatio']) {
    check(typeof r.sigma[key] === 'number' && Number.isFinite(r.sigma[key]) && r.sigma[key] > 0, `sigma.${key}: a finite number > 0`);
  }
  check(Array.isArray(r?.functions) && r.functions.length > 0, 'functions: a non-empty array');
  for (const [i, f] of (r?.functions ?? []).entries()) {
    check(typeof f.name === 'string', `functions[${i}].name: a string`);
    check(Number.isInteger(f.zipBytes) && f.zipBytes > 0, `functions[${i}].zipBytes: a positive integer`);
    check(numberOrNull(f.coldStartMs), `functions[${i}].coldStartMs: a number or null`);
    check(numberOrNull(f.coldStartToExitMs), `functions[${i}].coldStartToExitMs: a number or null`);
  }
  return problems;
}
