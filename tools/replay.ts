/**
 * `npm run replay -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE]
 *  [--concurrency N] TICKETS.jsonl...`
 * `npm run replay -- --from-queue [--queue-url URL] [--function NAME|ARN] [--max-messages N]
 *  [--visibility-timeout SECONDS] [--dry-run]`: the forwarder's failure queue, replayed by the
 *  deployed function (tools/lib/failure-queue.ts); queue and function default to the topology's.
 *
 * Resends exactly the records named by replay tickets: JSON lines written by
 * `npm run forward -- --failures`, or messages taken from the failure queue (one ticket per line).
 * Objects with a bucket are read from S3 (default credentials; AWS_ENDPOINT_URL honoured) at the
 * ticketed version; tickets without one name local files. Records that fail again are written
 * to --failures as new tickets. Same summary line and exit codes as `npm run forward` (--from-queue:
 * 0 everything replayed, 1 anything left, held back or failed again, 2 usage error; it writes no file).
 */
import { readFileSync } from 'node:fs';
import { loadTopology } from '../config/load';
import { parseQueueCommandLine, QUEUE_USAGE, queueReplayClients, replayQueueCommand } from './lib/failure-queue';
import { runCli } from './lib/cli';
import { parseTicket, ReplayTicket, ticketProblem } from '../functions/forwarder/tickets';
import { finishRun, parseForwardCommandLine, replayTickets, runOptionsFrom, UsageError } from './lib/forward-cli';

const USAGE = [
  'usage: npm run replay -- --dt-url URL [--token-env NAME] [--rules FILE] [--dry-run] [--failures FILE] [--concurrency N] TICKETS.jsonl...',
  `   or: ${QUEUE_USAGE.replace(/^usage: /, '')}`,
].join('\n');

/** Reads tickets from JSON-lines files; a line that is not a ticket is an error naming file, line and what is wrong. */
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
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new UsageError(`${path}:${i + 1}: not JSON (${(err as Error).message})`);
      }
      const ticket = parseTicket(value);
      if (!ticket) throw new UsageError(`${path}:${i + 1}: not a replay ticket: ${ticketProblem(value)}`);
      tickets.push(ticket);
    });
  }
  return tickets;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--from-queue')) {
    const queue = parseQueueCommandLine(argv, loadTopology());
    if (!queue) return 0;
    return replayQueueCommand(queue, queueReplayClients(queue));
  }
  const commandLine = parseForwardCommandLine(argv, { usage: USAGE, missingInput: 'no ticket file given (or --from-queue)', help: true });
  if (!commandLine) return 0;
  const tickets = readTicketFiles(commandLine.inputs);
  return finishRun(await replayTickets(tickets, runOptionsFrom(commandLine)), commandLine.failures, { dryRun: commandLine.dryRun });
}

if (require.main === module) void runCli(() => main(process.argv.slice(2)));
