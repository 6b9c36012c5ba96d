/**
 * `npm run forward -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE]
 *  [--concurrency N] PATH...`
 *
 * Runs the forwarder pipeline on local CloudTrail files or directories (`.json`, `.json.gz`, a
 * Records object or a bare array). Account and region come from an `AWSLogs/...` path when
 * present, else from the records. The token is read from the environment variable named by
 * --token-env (default DT_API_TOKEN), never from an argument. The last line of output is a JSON
 * summary; --failures writes replay tickets as JSON lines (`npm run replay` resends them).
 * Exit code: 0 all sent or dropped by a rule, 1 something ticketed, 2 usage error.
 */
import { writeFileSync } from 'node:fs';
import { runCli } from './lib/cli';
import { parseArgs } from 'node:util';
import {
  DEFAULT_TOKEN_ENV,
  exitCodeOf,
  forwardFiles,
  loadRulesFile,
  ticketsToJsonLines,
  UsageError,
} from './lib/forward-cli';

const USAGE =
  'usage: npm run forward -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE] [--concurrency N] PATH...';

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'dt-url': { type: 'string' },
        'token-env': { type: 'string', default: DEFAULT_TOKEN_ENV },
        rules: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        failures: { type: 'string' },
        concurrency: { type: 'string', default: '4' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError(`no file or directory given\n${USAGE}`);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(`--concurrency ${values.concurrency}: use an integer from 1 to 64`);
  }
  const tokenEnv = values['token-env'];
  const { summary, result } = await forwardFiles(positionals, {
    dtUrl: values['dt-url'],
    token: values['dry-run'] ? undefined : process.env[tokenEnv]?.trim() || undefined,
    rules: values.rules ? loadRulesFile(values.rules) : undefined,
    dryRun: values['dry-run'],
    concurrency,
  });
  if (values.failures) writeFileSync(values.failures, ticketsToJsonLines(result.tickets));
  for (const object of result.objects) {
    if (object.status === 'failed' || object.status === 'partial') {
      process.stderr.write(`${object.status}: ${object.key}: ${object.reason ?? object.tickets.map((t) => t.reason).join('; ')}\n`);
    }
  }
  if (result.tickets.length > 0 && !values.failures) {
    process.stderr.write(`${result.tickets.length} replay ticket(s) not saved: pass --failures FILE to keep them\n`);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return exitCodeOf(result);
}

if (require.main === module) void runCli(() => main(process.argv.slice(2)));
