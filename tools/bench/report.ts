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
  synth: SynthFigures[];
  validateSeconds: number | null;
  functions: FunctionFigures[];
}

const fmt = (value: number | null, digits = 2) => (value === null ? 'n/a' : value.toFixed(digits));

export function markdownReport(r: BenchResults): string {
  const lines: string[] = [];
  lines.push(`Benchmark (${r.quick ? 'quick set' : 'full set'}; median of ${r.runs} runs; ${r.machine})`, '');
  lines.push('| file (MB) | records | MB/s | records/s | requests (least) | mean request (MB) | peak RSS (MB) | / floor | / naive | floor MB/s | naive MB/s | naive RSS (MB) |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const f of r.forwarder) {
    lines.push(
      `| ${f.sizeMB} | ${f.records} | ${fmt(f.mbPerS, 1)} | ${fmt(f.recordsPerS, 0)} | ${f.requests} (${f.minRequests}) | ${fmt(f.meanRequestMB)} | ${fmt(f.peakRssMB, 0)} | ${fmt(f.ratioToFloor)} | ${fmt(f.ratioToNaive)} | ${fmt(f.floorMbPerS, 1)} | ${fmt(f.naiveMbPerS, 1)} | ${fmt(f.naivePeakRssMB, 0)} |`,
    );
  }
  lines.push('', '| topology | resources | app alone (s) | cdktf synth (s) |', '| --- | ---: | ---: | ---: |');
  for (const s of r.synth) lines.push(`| ${s.topology} | ${s.resources} | ${fmt(s.appSeconds)} | ${fmt(s.cliSeconds)} |`);
  lines.push('', `npm run validate (default topology): ${r.validateSeconds === null ? 'n/a (not in the quick set)' : `${fmt(r.validateSeconds, 1)} s`}`);
  lines.push('', '| function | zip (KB) | cold start, to the answer (ms) | to process exit (ms) |', '| --- | ---: | ---: | ---: |');
  for (const f of r.functions) lines.push(`| ${f.name} | ${fmt(f.zipBytes / 1024, 0)} | ${fmt(f.coldStartMs, 0)} | ${fmt(f.coldStartToExitMs, 0)} |`);
  return `${lines.join('\n')}\n`;
}

/** Checks the JSON has every figure the issue names, with the right types. */
export function wellFormed(value: unknown): string[] {
  const problems: string[] = [];
  const r = value as Record<string, any>;
  const numberOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  const check = (ok: boolean, what: string) => ok || problems.push(what);
  check(Array.isArray(r?.forwarder) && r.forwarder.length > 0, 'forwarder: a non-empty array');
  for (const [i, f] of (r?.forwarder ?? []).entries()) {
    for (const key of ['sizeMB', 'mbPerS', 'recordsPerS', 'requests', 'minRequests', 'peakRssMB', 'ratioToFloor', 'ratioToNaive']) {
      check(typeof f[key] === 'number' && Number.isFinite(f[key]) && f[key] >= 0, `forwarder[${i}].${key}: a finite number >= 0`);
    }
  }
  check(Array.isArray(r?.synth) && r.synth.length > 0, 'synth: a non-empty array');
  for (const [i, s] of (r?.synth ?? []).entries()) {
    check(typeof s.topology === 'string', `synth[${i}].topology: a string`);
    check(Number.isInteger(s.resources) && s.resources > 0, `synth[${i}].resources: a positive integer`);
    check(typeof s.appSeconds === 'number', `synth[${i}].appSeconds: a number`);
    check(numberOrNull(s.cliSeconds), `synth[${i}].cliSeconds: a number or null`);
  }
  check(numberOrNull(r?.validateSeconds), 'validateSeconds: a number or null');
  check(Array.isArray(r?.functions) && r.functions.length > 0, 'functions: a non-empty array');
  for (const [i, f] of (r?.functions ?? []).entries()) {
    check(typeof f.name === 'string', `functions[${i}].name: a string`);
    check(Number.isInteger(f.zipBytes) && f.zipBytes > 0, `functions[${i}].zipBytes: a positive integer`);
    check(numberOrNull(f.coldStartMs), `functions[${i}].coldStartMs: a number or null`);
    check(numberOrNull(f.coldStartToExitMs), `functions[${i}].coldStartToExitMs: a number or null`);
  }
  return problems;
}
