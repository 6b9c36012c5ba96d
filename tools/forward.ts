/**
 * `npm run forward -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE]
 *  [--concurrency N] PATH...`
 *
 * Runs the forwarder pipeline on local CloudTrail files or directories (`.json`, `.json.gz`, a
 * Records object or a bare array). Account and region come from an `AWSLogs/...` path when
 * present, else from the records. The token is read from the environment variable named by
 * --token-env (default DT_API_TOKEN), never from an argument. The last line of output is a JSON
 * summary; --failures writes replay tickets as JSON lines (`npm run replay` resends them).
 * Exit code: 0 all sent or dropped by a rule, 1 something ticketed, 2 usage error, 3 the --failures
 * file could not be written at the end (its tickets are on stderr).
 */
import { runCli } from './lib/cli';
import { finishRun, forwardFiles, parseForwardCommandLine, runOptionsFrom } from './lib/forward-cli';

const USAGE =
  'usage: npm run forward -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE] [--concurrency N] PATH...';

export async function main(argv: string[]): Promise<number> {
  const commandLine = parseForwardCommandLine(argv, { usage: USAGE, missingInput: 'no file or directory given', help: true });
  if (!commandLine) return 0;
  const run = await forwardFiles(commandLine.inputs, runOptionsFrom(commandLine));
  for (const object of run.result.objects) {
    if (object.status === 'failed' || object.status === 'partial') {
      process.stderr.write(`${object.status}: ${object.key}: ${object.reason ?? object.tickets.map((t) => t.reason).join('; ')}\n`);
    }
  }
  return finishRun(run, commandLine.failures, { dryRun: commandLine.dryRun });
}

if (require.main === module) void runCli(() => main(process.argv.slice(2)));
