import { readFileSync } from 'node:fs';
import { loadTopology, readTopologyFile } from '../config/load';
import { InvalidPatternError } from '../functions/lib/event-pattern';
import { assertValidEventTopology } from '../stacks/catalog';
import { parseCommandLine, runCli, USAGE_EXIT_CODE, UsageError } from './lib/cli';
import { formatReport } from './simulate/format-report';
import { matchEventLines } from './simulate/pattern-mode';
import { simulateResponses, simulationResponderConfig } from './simulate/responses';
import { listCloudTrailFiles, readCloudTrailFile, SimulateInputError } from './simulate/read-cloudtrail';
import { setupFromTopology, simulate } from './simulate/simulate-records';

const USAGE = `Usage:
  npm run simulate -- [--topology FILE] [--as-account NAME] [--responder-config FILE] [--json] PATH...
      Replays CloudTrail files (.json, .json.gz; {"Records": [...]} or a bare array; directories are walked)
      through the topology's forwarding and central EventBridge rules, and reports which rule fires for
      which record (a Sigma rule with its Sigma id and level; with forwarder.sigmaTags also the forwarder's
      threat.rule.* tags), and the responder's plan in report and enforce mode (state derived from the event).
      --as-account replays foreign records as if logged in that source account. --responder-config reads
      a RESPONDER_CONFIG document (default: the topology's responses and ARNs; every response in report mode when it enables none).
  npm run simulate -- --pattern PATTERN.json --events EVENTS.jsonl
      Prints match or nomatch for each event (one JSON object per line). An invalid pattern exits 2.
  Exit code 2 for a usage error too; 1 for an unreadable input file or an invalid topology.`;

const SIMULATE_OPTIONS = {
  topology: { type: 'string' },
  'as-account': { type: 'string' },
  'responder-config': { type: 'string' },
  json: { type: 'boolean', default: false },
  pattern: { type: 'string' },
  events: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * Exit code of an invalid pattern, so scripts can tell it from a bad input file (1). It is the
 * usage error's code too: both are a mistake in what the command was given, not in the records.
 */
const INVALID_PATTERN_EXIT_CODE = USAGE_EXIT_CODE;

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function main(argv: string[]): void {
  const parsed = parseCommandLine(argv, SIMULATE_OPTIONS, USAGE);
  if (!parsed) return;
  const { values, positionals } = parsed;
  if (values.pattern !== undefined || values.events !== undefined) {
    if (values.pattern === undefined || values.events === undefined || positionals.length > 0) {
      throw new UsageError(`--pattern and --events go together, without other paths\n${USAGE}`, USAGE_EXIT_CODE);
    }
    const verdicts = matchEventLines(readText(values.pattern), values.pattern, readText(values.events), values.events);
    process.stdout.write(verdicts.map((verdict) => `${verdict}\n`).join(''));
    return;
  }
  if (positionals.length === 0) throw new UsageError(`name at least one CloudTrail file or directory\n${USAGE}`, USAGE_EXIT_CODE);
  const topology = values.topology !== undefined ? readTopologyFile(values.topology) : loadTopology();
  // The checks synth runs on the rules, so a topology that would not deploy is not simulated either.
  assertValidEventTopology(topology);
  let setup;
  try {
    setup = setupFromTopology(topology, values['as-account']);
  } catch (err) {
    // Its one input error is an --as-account the topology has no source account of: a bad option value.
    if (err instanceof SimulateInputError) throw new UsageError(err.message, USAGE_EXIT_CODE);
    throw err;
  }
  const files = listCloudTrailFiles(positionals).map(readCloudTrailFile);
  const report = simulate(files, setup);
  const responses = simulateResponses(files, report, simulationResponderConfig(topology, values['responder-config']));
  process.stdout.write(`${values.json ? JSON.stringify({ ...report, responses }, null, 2) : formatReport(report, responses)}\n`);
}

void runCli(() => {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    if (err instanceof InvalidPatternError) throw new UsageError(err.message, INVALID_PATTERN_EXIT_CODE);
    if (err instanceof SimulateInputError) throw new UsageError(err.message);
    throw err;
  }
});
