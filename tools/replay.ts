/**
 * `npm run replay -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE]
 *  [--concurrency N] TICKETS.jsonl...`
 *
 * Resends exactly the records named by replay tickets: JSON lines written by
 * `npm run forward -- --failures`, or messages taken from the failure queue (one ticket per line).
 * Objects with a bucket are read from S3 (default credentials; AWS_ENDPOINT_URL honoured) at the
 * ticketed version; tickets without one name local files. Records that fail again are written
 * to --failures as new tickets. Same summary line and exit codes as `npm run forward`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCli } from './lib/cli';
import { parseTicket, ReplayTicket } from '../functions/forwarder/tickets';
import { DEFAULT_TOKEN_ENV, exitCodeOf, loadRulesFile, replayTickets, ticketsToJsonLines, UsageError } from './lib/forward-cli';

const USAGE =
  'usage: npm run replay -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE] [--concurrency N] TICKETS.jsonl...';

/** Reads tickets from JSON-lines files; a line that is not a ticket is an error naming file and line. */
export function readTicketFiles(paths: readonly string[]): ReplayTicket[] {
  const tickets: ReplayTicket[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new UsageError(`${path}: cannot read the ticket file`);
    }
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let ticket: ReplayTicket | undefined;
      try {
        ticket = parseTicket(JSON.parse(line));
      } catch {
        ticket = undefined;
      }
      if (!ticket) throw new UsageError(`${path}:${i + 1}: not a replay ticket`);
      tickets.push(ticket);
    });
  }
  return tickets;
}

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
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError(`no ticket file given\n${USAGE}`);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(`--concurrency ${values.concurrency}: use an integer from 1 to 64`);
  }
  const { summary, result } = await replayTickets(readTicketFiles(positionals), {
    dtUrl: values['dt-url'],
    token: values['dry-run'] ? undefined : process.env[values['token-env']]?.trim() || undefined,
    rules: values.rules ? loadRulesFile(values.rules) : undefined,
    dryRun: values['dry-run'],
    concurrency,
  });
  if (values.failures) writeFileSync(values.failures, ticketsToJsonLines(result.tickets));
  else if (result.tickets.length > 0) process.stderr.write(`${result.tickets.length} replay ticket(s) not saved: pass --failures FILE to keep them\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return exitCodeOf(result);
}

if (require.main === module) void runCli(() => main(process.argv.slice(2)));
