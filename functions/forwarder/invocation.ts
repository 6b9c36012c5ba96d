/**
 * One invocation, with every dependency passed in (the handler builds them once per container):
 * notifications -> rules -> pipeline -> tickets -> metrics. Partial failure is data (tickets,
 * SQS batch item failures); the invocation throws only when tickets cannot be stored, because
 * then the records would be lost unless the event is delivered again. For an SQS event whose
 * sink names the tickets it could not store, only their messages are failed (returned to the
 * queue) instead: the others' tickets are stored, and their records must not be read again.
 */
import { Logger } from '../lib/logger';
import { Metrics } from '../lib/metrics';
import { TicketError } from './errors';
import { BatchSender } from './ingest-client';
import { parseInvocation } from './notifications';
import { ObjectSource } from './object-source';
import { ForwardResult, ForwardStats, forwardObjects, ObjectResult } from './pipeline';
import { ProgressStore } from './progress';
import { ReadAheadLimits } from './read-ahead';
import { RulesUnavailableError } from './errors';
import { RulesSource } from './rules-source';
import { ReplayTicket, TicketSink } from './tickets';

export interface InvocationDeps {
  readonly source: ObjectSource;
  readonly sender: BatchSender;
  readonly rulesSource: RulesSource;
  readonly tickets: TicketSink;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** `cloud.log_forwarder`. */
  readonly forwarder: string;
  readonly concurrency: number;
  /** Kept before the Lambda timeout for writing tickets and metrics; at most {@link MAX_SAFETY_MARGIN_SHARE} of the invocation's time. */
  readonly safetyMarginMs: number;
  readonly replayMaxAttempts: number;
  /** @default DEFAULT_READ_AHEAD (./read-ahead.ts) */
  readonly readAhead?: ReadAheadLimits | false;
  /** Progress of notification deliveries (./progress.ts); absent: none kept. */
  readonly progress?: ProgressStore;
  /** False: with no rules document ever loaded, fail the invocation rather than forward with the built-in rules. @default true */
  readonly builtInRulesAllowed?: boolean;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * The largest part of an invocation's time the safety margin takes. A margin as long as the
 * timeout (10 s for both, which the topology and the environment allow) left no time to read, so
 * every object was deferred and ticketed, on every delivery and every replay.
 */
export const MAX_SAFETY_MARGIN_SHARE = 0.25;

/**
 * Kept after the ticket write's own deadline, before Lambda's timeout, to flush the metrics, log
 * and answer. The write is aborted there whatever its client's timeouts and retries would still
 * take (a safety margin set shorter than they are, a queue that throttles, many tickets), so an
 * invocation that cannot store its tickets reports TicketWriteFailed and returns its messages, or
 * fails, instead of being killed by the timeout with nothing said.
 */
export const TICKET_WRITE_RESERVE_MS = 500;

export interface InvocationContext {
  /** context.getRemainingTimeInMillis() at the start. */
  readonly remainingMs: number;
}

export interface InvocationResult {
  /** SQS partial batch response (only for SQS events; needs ReportBatchItemFailures on the mapping). */
  readonly batchItemFailures?: { itemIdentifier: string }[];
  readonly summary: Omit<ForwardStats, 'latenciesMs'> & { ignored: number; rules: string };
}

export async function handleInvocation(event: unknown, ctx: InvocationContext, deps: InvocationDeps): Promise<InvocationResult> {
  const clock = deps.clock ?? Date.now;
  const started = clock();
  const { logger, metrics } = deps;

  const parsed = parseInvocation(event);
  for (const ignored of parsed.ignored) {
    logger.info('message ignored', { ...ignored });
    metrics.add(ignored.reason === 'test-event' ? 'TestEventsIgnored' : 'MessagesIgnored', 'Count', 1);
  }

  // The token is fetched while the rules and the first object are read, not after them.
  if (parsed.objects.length > 0) deps.sender.prepare?.();
  const rulesLoad = await deps.rulesSource.load();
  if (rulesLoad.origin === 'last-good') metrics.add('RulesLoadFailed', 'Count', 1);
  if (rulesLoad.origin === 'built-in') {
    metrics.add('RulesLoadFailed', 'Count', 1);
    if (deps.builtInRulesAllowed === false && parsed.objects.length > 0) {
      metrics.flush();
      const error = new RulesUnavailableError(rulesLoad.problem ?? 'no document');
      logger.error('forwarding refused: no rules', { error, objects: parsed.objects.length });
      throw error;
    }
    metrics.add('RulesDefaultsInUse', 'Count', 1);
  }

  const deadlineMs = started + ctx.remainingMs - Math.min(deps.safetyMarginMs, ctx.remainingMs * MAX_SAFETY_MARGIN_SHARE);
  const result = await forwardObjects(parsed.objects, {
    source: deps.source,
    sender: deps.sender,
    rules: rulesLoad.rules,
    forwarder: deps.forwarder,
    clock,
    deadlineMs,
    drainMs: Math.min(10_000, Math.max(1_000, (deadlineMs - started) / 4)),
    concurrency: deps.concurrency,
    readAhead: deps.readAhead,
    progress: deps.progress,
    logger,
  });

  const { toWrite, givenUp } = settleTickets(result.objects, deps.replayMaxAttempts);
  const failedMessages = new Set(givenUp.map((object) => object.messageId!));
  for (const object of givenUp) {
    metrics.add('ReplaysGivenUp', 'Count', 1);
    logger.error('replay failed too often: returning the ticket to its queue', {
      bucket: object.bucket,
      key: object.key,
      attempt: object.ticketAttempt,
      reasons: object.tickets.map((t) => t.reason),
    });
  }

  let written = toWrite.length;
  const writeTime = new AbortController();
  const outOfTime = setTimeout(() => writeTime.abort(new Error('the ticket write ran out of time')), started + ctx.remainingMs - TICKET_WRITE_RESERVE_MS - clock());
  try {
    if (toWrite.length > 0) await deps.tickets.write(toWrite, { signal: writeTime.signal });
  } catch (err) {
    metrics.add('TicketWriteFailed', 'Count', 1);
    const returned = parsed.sqsMessageIds.length > 0 ? messagesOfUnstored(err, result.objects) : undefined;
    if (!returned) {
      recordMetrics(metrics, result, clock() - started);
      metrics.flush();
      logger.error('cannot store replay tickets: failing the invocation so the event is delivered again', { error: err });
      throw err;
    }
    // Only the messages whose tickets were not stored are delivered again; the others are done.
    for (const id of returned) failedMessages.add(id);
    written -= (err as TicketError).unstored!.length;
    logger.error('cannot store some replay tickets: returning their messages to the queue', { error: err, messageIds: [...returned] });
  } finally {
    clearTimeout(outOfTime);
  }

  recordMetrics(metrics, result, clock() - started);
  metrics.add('TicketsWritten', 'Count', written);
  metrics.flush();

  const { latenciesMs: _latencies, ...counts } = result.stats;
  const summary = { ...counts, tickets: written, ignored: parsed.ignored.length, rules: `${rulesLoad.origin}:${rulesLoad.rules.version}` };
  logger.info('invocation done', summary);
  return {
    ...(parsed.sqsMessageIds.length > 0 ? { batchItemFailures: [...failedMessages].map((id) => ({ itemIdentifier: id })) } : {}),
    summary,
  };
}

/**
 * Where the tickets of an invocation go. A ticket replayed `replayMaxAttempts` times goes back to
 * the queue it came from (its redrive policy moves it to the dead-letter queue) instead of
 * circling through the failure queue for ever; every other ticket is written to the failure queue.
 */
export function settleTickets(objects: readonly ObjectResult[], replayMaxAttempts: number): { toWrite: ReplayTicket[]; givenUp: ObjectResult[] } {
  const toWrite: ReplayTicket[] = [];
  const givenUp: ObjectResult[] = [];
  for (const object of objects) {
    if (object.tickets.length === 0) continue;
    if (object.ticketAttempt !== undefined && object.ticketAttempt >= replayMaxAttempts && object.messageId) givenUp.push(object);
    else toWrite.push(...object.tickets);
  }
  return { toWrite, givenUp };
}

/**
 * The SQS messages the tickets a {@link TicketError} names as not stored came from; undefined when
 * the error names none, or a ticket of no message (then only failing the invocation loses nothing).
 */
function messagesOfUnstored(err: unknown, objects: readonly ObjectResult[]): Set<string> | undefined {
  if (!(err instanceof TicketError) || !err.unstored) return undefined;
  const messageOf = new Map<ReplayTicket, string | undefined>();
  for (const object of objects) for (const ticket of object.tickets) messageOf.set(ticket, object.messageId);
  const ids = new Set<string>();
  for (const ticket of err.unstored) {
    const id = messageOf.get(ticket);
    if (id === undefined) return undefined;
    ids.add(id);
  }
  return ids;
}

function recordMetrics(metrics: Metrics, result: ForwardResult, durationMs: number): void {
  const s = result.stats;
  metrics.add('ObjectsRead', 'Count', s.objectsRead);
  metrics.add('ObjectsSkipped', 'Count', s.objectsSkipped);
  metrics.add('ObjectsFailed', 'Count', s.objectsFailed);
  metrics.add('RecordsRead', 'Count', s.records);
  metrics.add('RecordsSent', 'Count', s.sent);
  metrics.add('RecordsDropped', 'Count', s.dropped);
  metrics.add('RecordsTruncated', 'Count', s.truncated);
  metrics.add('RecordsRestamped', 'Count', s.restamped);
  metrics.add('RecordsFailed', 'Count', s.failed);
  metrics.add('RecordsMalformed', 'Count', s.malformed);
  metrics.add('RecordsRedacted', 'Count', s.redacted);
  metrics.add('RecordsAlreadyForwarded', 'Count', s.alreadyForwarded);
  if (s.partlyAccepted > 0) metrics.add('RecordsPartlyAccepted', 'Count', s.partlyAccepted);
  if (s.progressLoadFailed > 0) metrics.add('ProgressLoadFailed', 'Count', s.progressLoadFailed);
  if (s.progressSaveFailed > 0) metrics.add('ProgressSaveFailed', 'Count', s.progressSaveFailed);
  metrics.add('Requests', 'Count', s.requests);
  metrics.add('Retries', 'Count', s.retries);
  metrics.add('BytesSent', 'Bytes', s.bytesSent);
  metrics.add('BytesUncompressed', 'Bytes', s.bytesBatched);
  for (const ms of s.latenciesMs.slice(0, 100)) metrics.add('IngestLatency', 'Milliseconds', ms);
  metrics.add('InvocationDuration', 'Milliseconds', durationMs);
}
