/**
 * Replay tickets: the description of records that were read but not delivered (or never read),
 * precise enough to resend exactly those records later.
 *
 * A ticket names one object version and the record ranges to resend. It goes to the failure queue
 * (SQS) from the Lambda, or to a JSON-lines file from the CLI. `npm run replay` resends the
 * records of a file's tickets itself; with `--from-queue` it hands the queue's messages to the
 * function as an SQS event. Either way only those records are read and resent.
 */
import { SendMessageBatchCommand, SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import { TicketError } from './errors';
import { normalizeRanges, RecordRange } from './record-ranges';

export const TICKET_TYPE = 'trailbridge.replay-ticket';
export const TICKET_VERSION = 1;
/** Keeps a ticket far below the 256 KiB SQS message limit (a range is at most ~40 bytes of JSON). */
export const MAX_RANGES_PER_TICKET = 2_000;
/** SendMessageBatch takes at most 10 messages, of at most 256 KiB together (else it refuses them all). */
const SQS_BATCH_SIZE = 10;
const SQS_BATCH_MAX_BYTES = 256 * 1024;

export interface ReplayTicket {
  readonly type: typeof TICKET_TYPE;
  readonly version: typeof TICKET_VERSION;
  /** '' for a local file (CLI), whose path is then the key. */
  readonly bucket: string;
  readonly key: string;
  /** The object version read; a replay reads exactly this version when set. */
  readonly versionId?: string;
  readonly ranges: readonly RecordRange[];
  /** Why these records were not delivered, for the operator. */
  readonly reason: string;
  /** 1 for a ticket from a first delivery; n+1 when a replay of a ticket with attempt n fails again. */
  readonly attempt: number;
  /** ISO 8601 time the ticket was written. */
  readonly createdAt: string;
}

export function createTicket(fields: {
  bucket: string;
  key: string;
  versionId?: string;
  ranges: readonly RecordRange[];
  reason: string;
  attempt: number;
  now: number;
}): ReplayTicket[] {
  const ranges = normalizeRanges(fields.ranges);
  const tickets: ReplayTicket[] = [];
  for (let i = 0; i < ranges.length; i += MAX_RANGES_PER_TICKET) {
    tickets.push({
      type: TICKET_TYPE,
      version: TICKET_VERSION,
      bucket: fields.bucket,
      key: fields.key,
      ...(fields.versionId ? { versionId: fields.versionId } : {}),
      ranges: ranges.slice(i, i + MAX_RANGES_PER_TICKET),
      reason: fields.reason,
      attempt: fields.attempt,
      createdAt: new Date(fields.now).toISOString(),
    });
  }
  return tickets;
}

/** The ticket in a parsed message, or undefined when the message is not a ticket ({@link ticketProblem} says why). */
export function parseTicket(value: unknown): ReplayTicket | undefined {
  const read = readTicket(value);
  return 'ticket' in read ? read.ticket : undefined;
}

/** Why a parsed message is not a ticket, for the operator; undefined when it is one. */
export function ticketProblem(value: unknown): string | undefined {
  const read = readTicket(value);
  return 'problem' in read ? read.problem : undefined;
}

const RANGE_RULE = 'is not a record range (from an integer >= 0, to null or an integer >= from)';

function readTicket(value: unknown): { ticket: ReplayTicket } | { problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'not a JSON object' };
  const t = value as Record<string, unknown>;
  if (t.type !== TICKET_TYPE) return { problem: `type ${JSON.stringify(t.type ?? null)} is not "${TICKET_TYPE}"` };
  if (t.version !== TICKET_VERSION) return { problem: `version ${JSON.stringify(t.version ?? null)} is not the ticket format this forwarder reads (${TICKET_VERSION})` };
  if (typeof t.bucket !== 'string') return { problem: 'bucket: not a string' };
  if (typeof t.key !== 'string' || !t.key) return { problem: 'key: not a non-empty string' };
  if (!Array.isArray(t.ranges)) return { problem: 'ranges: not an array' };
  const ranges: RecordRange[] = [];
  for (const [i, r] of t.ranges.entries()) {
    const { from, to } = typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : ({} as Record<string, unknown>);
    const valid = Number.isInteger(from) && (from as number) >= 0 && (to === null || (Number.isInteger(to) && (to as number) >= (from as number)));
    if (!valid) return { problem: `ranges[${i}]: ${preview(r)} ${RANGE_RULE}` };
    ranges.push({ from: from as number, to: to as number | null });
  }
  return {
    ticket: {
      type: TICKET_TYPE,
      version: TICKET_VERSION,
      bucket: t.bucket,
      key: t.key,
      ...(typeof t.versionId === 'string' && t.versionId ? { versionId: t.versionId } : {}),
      ranges,
      reason: typeof t.reason === 'string' ? t.reason : '',
      attempt: Number.isInteger(t.attempt) && (t.attempt as number) > 0 ? (t.attempt as number) : 1,
      createdAt: typeof t.createdAt === 'string' ? t.createdAt : '',
    },
  };
}

/** A value as short JSON for a message: never a whole message. */
function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 80)}...` : json;
}

export interface TicketWriteOptions {
  /**
   * Aborts when the write's time is up (./invocation.ts: before Lambda's timeout): the call in
   * flight is aborted, nothing more is sent, and the write rejects naming the tickets not stored.
   */
  readonly signal?: AbortSignal;
}

/** Where tickets go. */
export interface TicketSink {
  /** Resolves once every ticket is stored; rejects otherwise, with a {@link TicketError} naming the tickets not stored when it knows them. */
  write(tickets: readonly ReplayTicket[], options?: TicketWriteOptions): Promise<void>;
}

/**
 * The forwarder's client for the failure queue. Tickets are written after reading stopped, within
 * the safety margin (SAFETY_MARGIN_MS, 10 s by default), and an invocation that cannot write them
 * must fail before Lambda's timeout, so that its event is delivered again and nothing is lost: the
 * SDK's defaults have no timeout (a queue endpoint that never answers held the invocation until
 * Lambda killed it, with no TicketWriteFailed). The SDK's three attempts, with its backoff, each of
 * at most 1 s to connect and 2 s to the answer: under ~7 s in all (and the write is aborted before
 * Lambda's timeout whatever is left: TicketWriteOptions.signal). Without throwOnRequestTimeout
 * the SDK only warns at requestTimeout.
 */
export const TICKET_SQS_CLIENT_CONFIG: SQSClientConfig = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
};

export interface SqsTicketSinkOptions {
  /** SendMessageBatch calls for one batch of tickets, the first included, while SQS reports entries failed. @default 3 */
  readonly maxAttempts?: number;
  /** The wait before the first resend of failed entries, doubled before each further one. @default 200 */
  readonly retryDelayMs?: number;
  /** @default - a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Sends tickets to the failure queue. A call that throws is not sent again here: the client
 * retried what can be retried, with its backoff ({@link TICKET_SQS_CLIENT_CONFIG}). Entries SQS
 * reports failed on its side (`SenderFault: false`: throttling, an internal error) are resent,
 * after a backoff; an entry failed by the sender's fault would fail again, so it is not. A write
 * that leaves tickets unstored rejects with a {@link TicketError} naming them: for an SQS event
 * their messages are returned to the queue, otherwise the invocation fails (./invocation.ts).
 */
export class SqsTicketSink implements TicketSink {
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly sqs: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
    options: SqsTicketSinkOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Every batch is tried, unless a call throws (the queue is out of reach: the rest would only
   * wait for the same timeouts); the TicketError names the tickets not stored.
   */
  async write(tickets: readonly ReplayTicket[], options: TicketWriteOptions = {}): Promise<void> {
    const batches = sqsBatches(tickets.map((ticket) => ({ ticket, body: JSON.stringify(ticket) })));
    const unstored: ReplayTicket[] = [];
    let problem: { message: string; cause?: unknown } | undefined;
    for (const [n, batch] of batches.entries()) {
      const failure = await this.writeBatch(batch, unstored, options.signal);
      problem ??= failure;
      if (failure?.cause !== undefined) {
        for (const rest of batches.slice(n + 1)) unstored.push(...rest.map((e) => e.ticket));
        break;
      }
    }
    if (problem) throw new TicketError(problem.message, { cause: problem.cause, unstored });
  }

  /** One SendMessageBatch and its resends; the tickets not stored go to `unstored`. */
  private async writeBatch(batch: readonly TicketBody[], unstored: ReplayTicket[], signal?: AbortSignal): Promise<{ message: string; cause?: unknown } | undefined> {
    let entries = batch.map((entry, n) => ({ Id: String(n), MessageBody: entry.body }));
    const outOfTime = () => {
      unstored.push(...entries.map((e) => batch[Number(e.Id)].ticket));
      return { message: `out of time to write replay tickets to the failure queue ${this.queueUrl} before the function's timeout`, cause: signal!.reason };
    };
    for (let attempt = 1; entries.length > 0; attempt++) {
      if (attempt > 1) await this.sleep(this.retryDelayMs * 2 ** (attempt - 2));
      if (signal?.aborted) return outOfTime();
      let failed: { Id?: string; Code?: string; Message?: string; SenderFault?: boolean }[];
      try {
        const res = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }), { abortSignal: signal });
        failed = res.Failed ?? [];
      } catch (err) {
        if (signal?.aborted) return outOfTime();
        unstored.push(...entries.map((e) => batch[Number(e.Id)].ticket));
        return { message: `cannot write replay tickets to the failure queue ${this.queueUrl}: ${(err as Error).name ?? 'Error'}: ${(err as Error).message}`, cause: err };
      }
      if (failed.length === 0) return undefined;
      const fault = failed.find((f) => f.SenderFault) ?? (attempt >= this.maxAttempts ? failed[0] : undefined);
      if (fault) {
        unstored.push(...failed.map((f) => batch[Number(f.Id)].ticket));
        return { message: `${failed.length} replay ticket(s) not accepted by the failure queue ${this.queueUrl}: ${fault.Code ?? ''} ${fault.Message ?? ''}`.trim() };
      }
      const failedIds = new Set(failed.map((f) => f.Id));
      entries = entries.filter((e) => failedIds.has(e.Id));
      if (signal?.aborted) return outOfTime();
    }
    return undefined;
  }
}

interface TicketBody {
  readonly ticket: ReplayTicket;
  readonly body: string;
}

/** Tickets in the order given, grouped as SendMessageBatch takes them: by count and by total size. */
function sqsBatches(entries: readonly TicketBody[]): TicketBody[][] {
  const batches: TicketBody[][] = [];
  let batch: TicketBody[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.body);
    if (batch.length === SQS_BATCH_SIZE || (batch.length > 0 && bytes + size > SQS_BATCH_MAX_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Collects tickets in memory: for the CLI (written to --failures at the end) and for tests. */
export class MemoryTicketSink implements TicketSink {
  readonly tickets: ReplayTicket[] = [];
  async write(tickets: readonly ReplayTicket[]): Promise<void> {
    this.tickets.push(...tickets);
  }
}
