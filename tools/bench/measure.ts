import { GZIP_LEVEL } from '../../functions/forwarder/ingest-client';
import { forwardFiles } from '../lib/forward-cli';
import { codecFloor, naiveForward } from './references';
import { sigmaBenchRules } from './sigma-bench';

/**
 * One measurement in a fresh process, so its peak RSS is its own:
 *   tsx tools/bench/measure.ts <floor|naive|forwarder|forwarder-sigma> FILE SINK_URL TOKEN
 * Prints one JSON line: seconds, cpuSeconds (user + system of the measured work, all threads),
 * peakRssMB, requests, events, eventBytes.
 */
export type Mode = 'floor' | 'naive' | 'forwarder' | 'forwarder-sigma';

/** The forwarder's default byte budget per request (uncompressed). */
export const FORWARDER_BATCH_BYTES = 5 * 1024 * 1024;

async function measure(mode: Mode, file: string, url: string, token: string) {
  // Compiled before the clock starts, as the function compiles its rules once when they arrive.
  const sigmaRules = mode === 'forwarder-sigma' ? sigmaBenchRules() : undefined;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let outcome: { requests: number; events: number; eventBytes: number };
  switch (mode) {
    case 'floor':
      outcome = await codecFloor(file, GZIP_LEVEL);
      break;
    case 'naive':
      outcome = await naiveForward(file, url, token, FORWARDER_BATCH_BYTES);
      break;
    case 'forwarder':
    case 'forwarder-sigma': {
      // forwarder-sigma: the same run with every record matched against the shared Sigma rules (tools/bench/sigma-bench.ts).
      const { summary, result } = await forwardFiles([file], { dtUrl: url, token, concurrency: 4, rules: sigmaRules });
      if (summary.failed > 0 || result.tickets.length > 0) throw new Error(`the forwarder ticketed ${summary.failed} records: the benchmark sink should accept everything`);
      outcome = { requests: summary.requests, events: summary.sent, eventBytes: result.stats.bytesBatched };
      break;
    }
    default:
      throw new Error(`unknown mode ${String(mode)}; use floor, naive, forwarder or forwarder-sigma`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { mode, seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRssMB: process.resourceUsage().maxRSS / 1024, ...outcome };
}

if (require.main === module) {
  const [mode, file, url, token] = process.argv.slice(2);
  measure(mode as Mode, file, url, token).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
