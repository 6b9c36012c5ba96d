/**
 * The pieces `npm run forward` and `npm run replay` share, and the in-process entry points the
 * e2e run and the benchmark call: {@link forwardFiles} and {@link replayTickets}. They run the
 * forwarder's own pipeline (functions/forwarder/pipeline.ts) with local or S3 sources.
 */
import { parseCommandLine, UsageError as CliUsageError, USAGE_EXIT_CODE } from './cli';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeTarget } from './write-target';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '../../functions/lib/logger';
import { Batch, batchEvents } from '../../functions/forwarder/batcher';
import { BatchSender, DeliveryReport, IngestClient } from '../../functions/forwarder/ingest-client';
import { ObjectRef } from '../../functions/forwarder/notifications';
import { FileObjectSource, LOG_OBJECT_S3_TIMEOUTS, logObjectS3Options, ObjectLocation, ObjectSource, OpenedObject, OpenOptions, S3ObjectSource } from '../../functions/forwarder/object-source';
import { ForwardResult, ForwardStats, forwardObjects } from '../../functions/forwarder/pipeline';
import { DEFAULT_RETRY_POLICY, RetryPolicy } from '../../functions/forwarder/retry-policy';
import { compileRules, CompiledRules, defaultRules } from '../../functions/forwarder/rules';
import { parseRules } from '../../functions/forwarder/rules-schema';
import { ReplayTicket, TICKET_TYPE } from '../../functions/forwarder/tickets';
import { StaticTokenProvider } from '../../functions/forwarder/token';

/** `cloud.log_forwarder` of events sent from the command line. */
export const CLI_FORWARDER_NAME = 'trailbridge-cli';
export const DEFAULT_TOKEN_ENV = 'DT_API_TOKEN';

/** The pipeline's counters that `npm run forward` prints, in this order. */
const SUMMARY_STATS = ['objectsRead', 'records', 'sent', 'dropped', 'truncated', 'restamped', 'failed', 'requests', 'retries', 'bytesSent'] as const satisfies readonly (keyof ForwardStats)[];
type SummaryStats = Pick<ForwardStats, (typeof SUMMARY_STATS)[number]>;

/** The last line of `npm run forward`: the counters above, then the run's wall-clock seconds (to 10 ms). */
export type ForwardSummary = SummaryStats & { seconds: number };

/** A mistake in the command line or its inputs of forward/replay: printed without a stack trace, exit code 2. */
export class UsageError extends CliUsageError {
  constructor(message: string) {
    super(message, USAGE_EXIT_CODE);
  }
}

/** The options of `npm run forward` and `npm run replay`. */
const FORWARD_OPTIONS = {
  'dt-url': { type: 'string' },
  'token-env': { type: 'string', default: DEFAULT_TOKEN_ENV },
  rules: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  failures: { type: 'string' },
  concurrency: { type: 'string', default: '4' },
} as const;
const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;
const MAX_CONCURRENCY = 64;

/** What differs between forward and replay on the command line. */
export interface ForwardCommand {
  /** The usage line, printed by --help and after a usage error. */
  readonly usage: string;
  /** The error when no input is named. */
  readonly missingInput: string;
  /** Accept --help / -h: the usage on stdout, exit code 0. @default false - --help is an unknown option */
  readonly help?: boolean;
}

/** A checked forward/replay command line. */
export interface ForwardCommandLine {
  /** Files and directories (forward) or ticket files (replay); at least one. */
  readonly inputs: readonly string[];
  /** --failures: the file the replay tickets go to. @default - tickets are not kept */
  readonly failures?: string;
  readonly dtUrl?: string;
  /** The environment variable that holds the API token. */
  readonly tokenEnv: string;
  readonly rulesFile?: string;
  readonly dryRun: boolean;
  /** Requests in flight, 1 to 64. */
  readonly concurrency: number;
}

/** Parses and checks a forward/replay command line; undefined when --help printed the usage. */
export function parseForwardCommandLine(argv: readonly string[], command: ForwardCommand & { readonly help: true }): ForwardCommandLine | undefined;
export function parseForwardCommandLine(argv: readonly string[], command: ForwardCommand & { readonly help?: false }): ForwardCommandLine;
export function parseForwardCommandLine(argv: readonly string[], command: ForwardCommand): ForwardCommandLine | undefined {
  const options = command.help ? { ...FORWARD_OPTIONS, ...HELP_OPTION } : FORWARD_OPTIONS;
  const parsed = parseCommandLine(argv, options, command.usage);
  if (!parsed) return undefined;
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError(`${command.missingInput}\n${command.usage}`);
  // An empty argument (an unset shell variable in quotes) would read as the current directory and walk it all.
  const empty = positionals.findIndex((input) => input.trim() === '');
  if (empty >= 0) throw new UsageError(`input ${empty + 1} is an empty path; name a file or directory (an unset shell variable?)\n${command.usage}`);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new UsageError(`--concurrency ${values.concurrency}: use an integer from 1 to ${MAX_CONCURRENCY}`);
  }
  const dtUrl = values['dt-url'];
  const urlProblem = dtUrl === undefined ? undefined : dtUrlProblem(dtUrl);
  if (urlProblem) throw new UsageError(`--dt-url ${dtUrl}: ${urlProblem}`);
  return {
    inputs: positionals,
    failures: values.failures,
    dtUrl,
    tokenEnv: values['token-env'],
    rulesFile: values.rules,
    dryRun: values['dry-run'],
    concurrency,
  };
}

/** Hosts a test ingest server listens on: the only ones --dt-url may name with http://. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why --dt-url cannot be used (the token goes in its Authorization header); undefined when it can. */
export function dtUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL; give the Dynatrace environment URL, such as https://abc12345.live.dynatrace.com';
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(parsed.hostname) ? undefined : 'the API token would travel unencrypted; use https:// (http:// only for a test server on localhost)';
  }
  return 'not an https:// URL; give the Dynatrace environment URL, such as https://abc12345.live.dynatrace.com';
}

/**
 * The run options of a command line: the token read from its environment variable (not for a dry
 * run), the rules file loaded, and --failures found writable (a dry run writes none), since its
 * tickets are written after everything was sent and would otherwise be lost with the run.
 */
export function runOptionsFrom(commandLine: ForwardCommandLine): RunOptions {
  if (commandLine.failures && !commandLine.dryRun) checkWritable(commandLine.failures);
  return {
    dtUrl: commandLine.dtUrl,
    token: commandLine.dryRun ? undefined : process.env[commandLine.tokenEnv]?.trim() || undefined,
    rules: commandLine.rulesFile ? loadRulesFile(commandLine.rulesFile) : undefined,
    dryRun: commandLine.dryRun,
    concurrency: commandLine.concurrency,
  };
}

/**
 * Exit code of a run whose --failures file could not be written at its end: its tickets went to
 * stderr instead (1 says that records were ticketed and the tickets kept).
 */
export const TICKETS_NOT_WRITTEN_EXIT_CODE = 3;

/**
 * The end of forward and replay: the tickets written to --failures (without it, a note that they
 * were not kept; a dry run writes no file, so the ticket file it replays from is not emptied), the
 * summary printed as the last line of stdout. Returns the exit code: 0 when everything was sent
 * (printed, for a dry run) or dropped by a rule, 1 when something was ticketed,
 * {@link TICKETS_NOT_WRITTEN_EXIT_CODE} when --failures could not be written (the tickets are on
 * stderr, and the file is as it was: with a ticket file replayed into itself, its old tickets).
 */
export function finishRun({ summary, result }: RunResult, failures: string | undefined, options: { dryRun?: boolean } = {}): number {
  let notWritten = false;
  if (failures && options.dryRun) process.stderr.write(`--dry-run: ${failures} not written (${result.tickets.length} replay ticket(s))\n`);
  else if (failures) notWritten = !writeTicketFile(failures, result.tickets);
  else if (result.tickets.length > 0 && options.dryRun) process.stderr.write(`--dry-run: ${result.tickets.length} replay ticket(s) not saved\n`);
  else if (result.tickets.length > 0) process.stderr.write(`${result.tickets.length} replay ticket(s) not saved: pass --failures FILE to keep them\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (notWritten) return TICKETS_NOT_WRITTEN_EXIT_CODE;
  return result.tickets.length > 0 ? 1 : 0;
}

/**
 * Writes the tickets to a file beside `path`, then renames it over `path` (through symbolic
 * links, to their target: {@link writeTarget}; the mode of a file that was there kept), so `path` holds either all the new
 * tickets or what it held before, never a part (a full disk, a killed run), and a ticket file
 * replayed into itself is replaced only once the new one is whole. When that fails the tickets go
 * to stderr as JSON lines, after an error naming the file and what to do; false then.
 */
function writeTicketFile(path: string, tickets: readonly ReplayTicket[]): boolean {
  let target = path;
  let temporary: string | undefined;
  try {
    target = writeTarget(path);
    const mode = existsSync(target) ? statSync(target).mode & 0o777 : undefined;
    temporary = temporaryBeside(target);
    writeFileSync(temporary, ticketsToJsonLines(tickets), { flag: 'wx' });
    if (mode !== undefined) chmodSync(temporary, mode);
    renameSync(temporary, target);
    return true;
  } catch (err) {
    if (temporary) rmSync(temporary, { force: true });
    const { code, message } = err as NodeJS.ErrnoException;
    const what =
      tickets.length > 0
        ? `its ${tickets.length} replay ticket(s) follow as JSON lines on stderr; save them (the lines that start with {"type":"${TICKET_TYPE}") to a file and replay it with npm run replay -- --dt-url URL FILE`
        : `no record was ticketed, but ${path} still holds what it held before the run: if it was the ticket file replayed, do not replay it again`;
    process.stderr.write(`--failures ${path}: cannot write the ticket file (${code ?? message}): ${what}\n`);
    process.stderr.write(ticketsToJsonLines(tickets));
    return false;
  }
}

/** A file name beside `path`, in its directory (a rename cannot cross file systems), of this process alone. */
function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/**
 * Checks, before anything is sent, that the end of the run can write the ticket file: the file
 * (through symbolic links, their target: {@link writeTarget}) opened for appending and left as it
 * was (not created, not emptied; a link kept), and a file created and removed beside it, where the
 * end of the run writes the tickets before renaming them over it.
 */
function checkWritable(path: string): void {
  const refuse = (err: unknown): never => {
    const { code, message } = err as NodeJS.ErrnoException;
    throw new UsageError(`--failures ${path}: cannot write the ticket file (${code ?? message}); nothing was sent: name a file in a directory that exists and that you may write to`);
  };
  let target = path;
  try {
    target = writeTarget(path);
  } catch (err) {
    refuse(err);
  }
  const existed = existsSync(target);
  try {
    closeSync(openSync(target, 'a'));
  } catch (err) {
    refuse(err);
  }
  if (!existed) unlinkSync(target);
  const temporary = temporaryBeside(target);
  try {
    closeSync(openSync(temporary, 'wx'));
  } catch (err) {
    refuse(err);
  }
  unlinkSync(temporary);
}

export interface RunOptions {
  /** Dynatrace environment URL; required unless `dryRun` or `sender` is given. */
  readonly dtUrl?: string;
  /** The API token; required with `dtUrl`. */
  readonly token?: string;
  /** @default - the built-in rules */
  readonly rules?: CompiledRules;
  /** Print events (through `print`) instead of sending. @default false */
  readonly dryRun?: boolean;
  /** Where dry-run events go. @default - stdout, one JSON per line */
  readonly print?: (eventJson: string) => void;
  /** Requests in flight. @default 4 */
  readonly concurrency?: number;
  /** Replaces the HTTP sender (tests, benchmark sinks). */
  readonly sender?: BatchSender;
  /** Replaces the local-file / S3 source. */
  readonly source?: ObjectSource;
  /** @default DEFAULT_RETRY_POLICY */
  readonly policy?: RetryPolicy;
  /** @default Date.now */
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** @default - warnings and errors as JSON lines on stderr */
  readonly logger?: Logger;
}

export interface RunResult {
  readonly summary: ForwardSummary;
  readonly result: ForwardResult;
}

/** Forwards local CloudTrail files (`.json`, `.json.gz`, Records object or bare array) and directories of them. */
export async function forwardFiles(paths: readonly string[], options: RunOptions): Promise<RunResult> {
  const refs: ObjectRef[] = listFiles(paths).map((file) => ({ bucket: '', key: file }));
  return run(refs, options);
}

/** Resends exactly the records the tickets name: local files (bucket '') or S3 objects. */
export async function replayTickets(tickets: readonly ReplayTicket[], options: RunOptions): Promise<RunResult> {
  const refs: ObjectRef[] = tickets.map((ticket) => ({ bucket: ticket.bucket, key: ticket.key, versionId: ticket.versionId, ranges: ticket.ranges, ticket }));
  return run(refs, options);
}

async function run(refs: ObjectRef[], options: RunOptions): Promise<RunResult> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const logger = options.logger ?? new Logger({ service: 'trailbridge-forward', level: 'WARN', write: (line) => process.stderr.write(`${line}\n`) });
  if (options.token) logger.addSecret(options.token);
  const ownSender = !options.sender;
  const sender = options.sender ?? makeSender(options, logger);
  let result: ForwardResult;
  try {
    result = await forwardObjects(refs, {
      source: options.source ?? new LocalOrS3Source(),
      sender,
      rules: options.rules ?? defaultRules(),
      forwarder: CLI_FORWARDER_NAME,
      clock,
      concurrency: options.concurrency,
      acceptAnyKey: true,
      logger,
    });
  } finally {
    if (ownSender) await sender.close?.();
  }
  const summary = { ...pickStats(result.stats), seconds: Math.round((clock() - started) / 10) / 100 };
  return { summary, result };
}

function pickStats(stats: ForwardStats): SummaryStats {
  const picked = {} as SummaryStats;
  for (const key of SUMMARY_STATS) picked[key] = stats[key];
  return picked;
}

function makeSender(options: RunOptions, logger: Logger): BatchSender {
  if (options.dryRun) return new PrintingSender(options.print ?? ((json) => process.stdout.write(`${json}\n`)));
  if (!options.dtUrl) throw new UsageError('--dt-url is required (or --dry-run)');
  if (!options.token) throw new UsageError('no API token: set it in the environment variable named by --token-env (default DT_API_TOKEN)');
  return new IngestClient({
    environmentUrl: options.dtUrl,
    tokens: new StaticTokenProvider(options.token),
    policy: options.policy ?? DEFAULT_RETRY_POLICY,
    connections: options.concurrency,
    clock: options.clock,
    sleep: options.sleep,
    random: options.random,
    logger,
  });
}

/** --dry-run: every event printed, counted as sent, no request made. */
export class PrintingSender implements BatchSender {
  constructor(private readonly print: (eventJson: string) => void) {}
  async send<T>(batch: Batch<T>): Promise<DeliveryReport<T>> {
    for (const event of batchEvents(batch)) this.print(event);
    return { accepted: batch.origins.length, failed: [], requests: 0, retries: 0, bytesSent: 0, latenciesMs: [] };
  }
}

/** Local files for tickets without a bucket; S3 (default credentials, AWS_ENDPOINT_URL honoured) for the others. */
export class LocalOrS3Source implements ObjectSource {
  private readonly files = new FileObjectSource();
  private s3?: S3ObjectSource;
  open(location: ObjectLocation, options?: OpenOptions): Promise<OpenedObject> {
    if (!location.bucket) return this.files.open(location);
    this.s3 ??= new S3ObjectSource(new S3Client({ ...logObjectS3Options(), ...LOG_OBJECT_S3_TIMEOUTS }));
    return this.s3.open(location, options);
  }
}

/** Files named, and `.json` / `.json.gz` files under directories named (recursively, sorted). */
export function listFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    const abs = resolve(path);
    let info;
    try {
      info = statSync(abs);
    } catch {
      throw new UsageError(`${path}: no such file or directory`);
    }
    if (info.isDirectory()) out.push(...walk(abs));
    else out.push(abs);
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (/\.json(\.gz)?$/i.test(entry.name)) out.push(path);
  }
  return out;
}

/** Reads and validates a rules document (`--rules FILE`). */
export function loadRulesFile(path: string): CompiledRules {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--rules ${path}: ${(err as Error).message}`);
  }
  const parsed = parseRules(document);
  if (!parsed.ok) throw new UsageError(`--rules ${path} is invalid:\n  - ${parsed.problems.join('\n  - ')}`);
  return compileRules(parsed.rules, 'file');
}

/** Tickets as JSON lines (the format of --failures). */
function ticketsToJsonLines(tickets: readonly ReplayTicket[]): string {
  return tickets.map((t) => `${JSON.stringify(t)}\n`).join('');
}
