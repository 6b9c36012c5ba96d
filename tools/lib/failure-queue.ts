/**
 * `npm run replay -- --from-queue`: replays the forwarder's failure queue through the deployed
 * function, the way an SQS event source mapping would, one batch of up to 10 messages at a time,
 * but only when an operator says so (a subscription would turn a Dynatrace outage into a replay
 * loop). The function reads the objects, sends the records and writes tickets for what fails
 * again back to the queue; this side only moves messages: it deletes a message once the function
 * has answered for it, and leaves in the queue (for its redrive policy and the dead-letter queue)
 * whatever the function returned as failed, or everything of a batch when the invocation failed.
 * A message the function would only acknowledge (not JSON, not a ticket it can read, a ticket of a
 * local file) is never handed to it, so never deleted: it is left, and said, for the operator.
 * The function answers this command with its summary too (functions/forwarder/response.ts): the
 * records that failed again are counted, and a batch of which nothing was sent while something
 * failed (records, or objects it could not read) stops the run.
 * A message sent after the run started (a new ticket the function just wrote, or one of its live
 * traffic), or naming records this run already handed to the function, is held back for a later
 * run: replayed at once, a poison ticket would use up its attempts in this one.
 * The operator needs SQS receive/delete on the queue and lambda:InvokeFunction, nothing more: no
 * access to the trail buckets, the key or the token.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Naming } from '../../config/naming';
import { Topology } from '../../config/schema';
import { parseCommandLine, USAGE_EXIT_CODE, UsageError } from './cli';
import { accountWithRole } from '../../config/accounts';
import { ObjectRef, parseInvocation } from '../../functions/forwarder/notifications';
import { RecordRange } from '../../functions/forwarder/record-ranges';
import { REPLAY_CLIENT_CONTEXT_CUSTOM } from '../../functions/forwarder/response';
import { arn, dnsSuffix, Partition } from '../../config/arn';
import { partitionOfRegion } from '../../config/regions';

/** ReceiveMessage and DeleteMessageBatch take at most 10 messages. */
const SQS_BATCH = 10;

/** What an invocation of the function answered for one batch. */
export type InvocationOutcome =
  /**
   * The SQS partial batch response: the message ids to keep in the queue; `again`, what the
   * function's summary says of the batch (absent from a function deployed before it answered one).
   */
  | { readonly ok: true; readonly batchItemFailures: readonly string[]; readonly again?: BatchRetold }
  /** The invocation failed (the function threw, timed out or could not be invoked). */
  | { readonly ok: false; readonly error: string };

/** What the function did with a batch, from its summary (./functions/forwarder/response.ts). */
export interface BatchRetold {
  /** Records sent to Dynatrace. */
  readonly sent: number;
  /** Records read that failed again (ticketed again, or returned as given up). */
  readonly failed: number;
  /** New tickets written to the failure queue. */
  readonly tickets: number;
  /**
   * Objects that could not be read (or not to their end): ticketed whole, or from where reading
   * stopped, with no record of theirs counted in `failed`. @default - not said (a function deployed before it counted them)
   */
  readonly objectsFailed?: number;
}

export interface QueueReplayOptions {
  readonly queueUrl: string;
  readonly sqs: Pick<SQSClient, 'send'>;
  /** Runs the function on an SQS event. */
  readonly invoke: (event: SqsEvent) => Promise<InvocationOutcome>;
  /** Stop after this many messages. */
  readonly maxMessages: number;
  /** How long received messages stay hidden; longer than the function's timeout. */
  readonly visibilityTimeoutSeconds: number;
  /** Only list what would be replayed; every message is visible again at the end. @default false */
  readonly dryRun?: boolean;
  /** Long-poll wait of each receive, so an empty answer means an empty queue. @default 2 */
  readonly waitSeconds?: number;
  /** This machine's clock, for the time the run started. @default Date.now */
  readonly clock?: () => number;
  /**
   * How far this machine's clock may run ahead of SQS's: a message SQS stamped as sent less than
   * this before the run started is held back too, as if sent during the run. @default CLOCK_SKEW_MARGIN_MS
   */
  readonly clockSkewMarginMs?: number;
}

/**
 * The default of {@link QueueReplayOptions.clockSkewMarginMs}: a message's SentTimestamp is SQS's
 * clock, the run's start this machine's. A clock synced by NTP is off by far less. A clock further
 * ahead than this does not let a run replay its own new tickets (they name records it replayed,
 * and are held back for that), only take live traffic's tickets of its first seconds, which are
 * tickets like any other. A message sent in the margin before the run waits for the next run.
 * Neither ApproximateReceiveCount nor the message ids received can replace the timestamp: a new
 * ticket is a new message, received once, like an old ticket never replayed.
 */
export const CLOCK_SKEW_MARGIN_MS = 10_000;

/** A message left in the queue, and why. */
export interface LeftMessage {
  readonly messageId: string;
  readonly reason: string;
}

export interface QueueReplayResult {
  readonly received: number;
  readonly invocations: number;
  readonly deleted: number;
  readonly left: LeftMessage[];
  /** The bodies received (dry run only). */
  readonly listed: string[];
  /** Records the function said failed again, and the new tickets it wrote for them (in the queue again). */
  readonly failedAgain: number;
  readonly newTickets: number;
  /** Invocations whose answer had no summary (a function deployed before it answered one): what failed again is not known. */
  readonly untold: number;
  /**
   * Messages sent to the queue after the run started (this run's new tickets, or the function's
   * live traffic), or naming records the run already handed to the function: received (and
   * counted in `received`), not handed to the function, visible again when the run ends.
   */
  readonly heldBack: number;
  /** Set when a failed invocation, a batch of which nothing was sent, or a delete the queue did not answer, stopped the replay. */
  readonly stoppedBy?: string;
}

export interface SqsEvent {
  readonly Records: readonly Record<string, unknown>[];
}

export async function replayQueue(options: QueueReplayOptions): Promise<QueueReplayResult> {
  let received = 0;
  let invocations = 0;
  let deleted = 0;
  const left: LeftMessage[] = [];
  const listed: string[] = [];
  const hidden: Message[] = [];
  let stoppedBy: string | undefined;
  let failedAgain = 0;
  let newTickets = 0;
  let untold = 0;
  // Messages sent from here on are this run's new tickets (or live traffic's): replayed now, a
  // poison ticket would come back at once and use up its attempts in this one run.
  const sentDuringRunFrom = (options.clock ?? Date.now)() - (options.clockSkewMarginMs ?? CLOCK_SKEW_MARGIN_MS);
  // By message id, with the latest receipt handle: one received again (its visibility timeout
  // ended in a long run) is released once, by the handle that is valid.
  const held = new Map<string, Message>();
  // The records handed to the function so far: a message naming some of them again is a new
  // ticket of this run, whatever the clocks say, or a message received again after its visibility
  // timeout. Tickets of one object for other records (a large object's, split) are replayed.
  const replayed = new ReplayedRecords();

  try {
    while (received < options.maxMessages) {
      const messages = await receive(options, Math.min(SQS_BATCH, options.maxMessages - received));
      if (messages.length === 0) break;
      received += messages.length;
      if (options.dryRun) hidden.push(...messages);
      const replayable: Message[] = [];
      for (const m of messages) {
        if (!options.dryRun && (sentAfter(m, sentDuringRunFrom) || replayed.includesAny(m.Body))) {
          // Kept hidden until the run ends, not made visible at once: this run would receive it
          // again and again, each receive counting toward maxReceiveCount (then the dead-letter queue).
          held.set(m.MessageId!, m);
          continue;
        }
        const problem = replayProblem(m.Body);
        if (problem) left.push({ messageId: m.MessageId!, reason: `not replayed: ${problem}; ${UNREPLAYABLE_ADVICE}` });
        else replayable.push(m);
      }
      if (options.dryRun) {
        listed.push(...messages.map((m) => m.Body ?? ''));
        continue;
      }
      // The others stay hidden for the visibility timeout, so this run does not receive them again.
      if (replayable.length === 0) continue;

      invocations++;
      for (const m of replayable) replayed.add(m.Body);
      const outcome = await options.invoke(sqsEvent(replayable, options.queueUrl));
      const settled = settleBatch(replayable, outcome);
      left.push(...settled.left);
      const deletion = await deleteMessages(options, settled.done, left);
      deleted += deletion.deleted;
      if (deletion.error) {
        // The queue is out of reach: the next batch's messages could not be deleted either.
        stoppedBy = `cannot delete replayed messages from the queue: ${deletion.error}`;
        break;
      }
      if (!outcome.ok) {
        // The function could not store tickets, or is broken: more batches would fail alike.
        stoppedBy = outcome.error;
        break;
      }
      if (!outcome.again) {
        untold++;
        continue;
      }
      failedAgain += outcome.again.failed;
      newTickets += outcome.again.tickets;
      const failure = batchFailure(outcome.again);
      if (failure) {
        // Dynatrace out of reach, the token refused, the objects out of the function's reach: the
        // next batches would fail alike, each ticket's attempt used up for nothing (their new
        // tickets are held back, this batch's too).
        stoppedBy = `nothing of a batch was sent and ${failure}: stopping, so that the next batches do not fail alike, each using up an attempt of its tickets (is Dynatrace reachable, the token valid, the objects readable by the function? the function's log says)`;
        break;
      }
    }
  } finally {
    // A dry run changes nothing, and what was held back waits for the next run: visible again at
    // once, even when a call failed.
    const release = [...hidden, ...held.values()];
    if (release.length > 0) await releaseMessages(options, release);
  }
  return { received, invocations, deleted, left, listed, failedAgain, newTickets, untold, heldBack: held.size, stoppedBy };
}

/**
 * What failed of a batch of which nothing was sent, undefined when nothing was sent because
 * nothing failed either (every record dropped by a rule, or sent by an earlier delivery). An object
 * that could not be read is ticketed whole with no record counted, so records alone do not say it.
 */
export function batchFailure(again: BatchRetold): string | undefined {
  if (again.sent > 0) return undefined;
  const parts: string[] = [];
  if (again.failed > 0) parts.push(`${again.failed} records failed again`);
  if ((again.objectsFailed ?? 0) > 0) parts.push(`${again.objectsFailed} objects could not be read`);
  if (parts.length === 0 && again.tickets > 0) parts.push(`${again.tickets} new tickets were written`);
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

/** True when SQS says the message was sent after `time` (ms since the epoch); a message without a SentTimestamp is not known to be, so false. */
function sentAfter(message: Message, time: number): boolean {
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > time;
}

/**
 * The records of each object (bucket and key) a run handed to the function. The version is left
 * out: a ticket without one comes back as a new ticket with the version the function read.
 */
class ReplayedRecords {
  private readonly byObject = new Map<string, RecordRange[]>();

  /** True when the message names a record already handed to the function (a whole object names all). */
  includesAny(body: string | undefined): boolean {
    return objectsNamed(body).some((o) => {
      const replayed = this.byObject.get(objectId(o));
      return replayed !== undefined && (o.ranges ?? ALL_RECORDS).some((r) => replayed.some((q) => overlap(r, q)));
    });
  }

  add(body: string | undefined): void {
    for (const o of objectsNamed(body)) {
      const id = objectId(o);
      this.byObject.set(id, [...(this.byObject.get(id) ?? []), ...(o.ranges ?? ALL_RECORDS)]);
    }
  }
}

const ALL_RECORDS: readonly RecordRange[] = [{ from: 0, to: null }];

function objectId(object: ObjectRef): string {
  return JSON.stringify([object.bucket, object.key]);
}

/** True when two half-open ranges share a record (`to: null` reaches the end of the file). */
function overlap(a: RecordRange, b: RecordRange): boolean {
  return (a.to === null || b.from < a.to) && (b.to === null || a.from < b.to);
}

/** The objects a message names, as the function reads them inside an SQS event. */
function objectsNamed(body: string | undefined): ObjectRef[] {
  return parseInvocation({ Records: [{ eventSource: 'aws:sqs', messageId: 'replay-check', body: body ?? '' }] }).objects;
}

const UNREPLAYABLE_ADVICE =
  'left in the queue: inspect it (SQS console, Send and receive messages), then fix and resend it or delete it; after maxReceiveCount receives it moves to the dead-letter queue';

/** Ignored parts of a message that mean something in it would not be forwarded (the others are by design: S3 test events, deletions, repeats). */
const LOST_IF_IGNORED = new Set(['invalid-json', 'unknown-shape', 'invalid-ticket', 'too-deep']);

/**
 * Why the function could not replay a message of the failure queue, undefined when it can: it
 * would acknowledge the message without forwarding (part of) it, and the replay would delete it.
 * Tickets and Lambda's on-failure destination records (failed invocations) are replayable.
 */
export function replayProblem(body: string | undefined): string | undefined {
  // Inside an SQS event, as the function gets it: the body is one envelope deep there.
  const parsed = parseInvocation({ Records: [{ eventSource: 'aws:sqs', messageId: 'replay-check', body: body ?? '' }] });
  const lost = parsed.ignored.filter((i) => LOST_IF_IGNORED.has(i.reason));
  if (lost.length > 0) return lost.map((i) => i.detail).join('; ');
  const local = parsed.objects.find((o) => !o.bucket);
  if (local) return `it names a local file (${local.key}), which the function cannot read; replay it where it was written, with npm run replay -- --dt-url URL FILE.jsonl`;
  if (parsed.objects.length === 0) return `it names no object to forward (${parsed.ignored.map((i) => i.detail).join('; ') || 'no records'})`;
  return undefined;
}

/** Which messages of a batch the function is done with, and which stay in the queue (and why). */
export function settleBatch(messages: readonly Message[], outcome: InvocationOutcome): { done: Message[]; left: LeftMessage[] } {
  if (!outcome.ok) {
    return { done: [], left: messages.map((m) => ({ messageId: m.MessageId!, reason: `the invocation failed (${outcome.error}); left in the queue` })) };
  }
  const failed = new Set(outcome.batchItemFailures);
  const unknown = [...failed].filter((id) => !messages.some((m) => m.MessageId === id));
  if (unknown.length > 0) {
    // Lambda treats an unknown item identifier as a failure of the whole batch; so does this.
    return settleBatch(messages, { ok: false, error: `the function returned unknown message ids ${unknown.join(', ')}` });
  }
  return {
    done: messages.filter((m) => !failed.has(m.MessageId!)),
    left: messages
      .filter((m) => failed.has(m.MessageId!))
      .map((m) => ({ messageId: m.MessageId!, reason: 'the function returned it as failed (a ticket replayed too often, or its new tickets could not be stored); left in the queue, for a later replay or the dead-letter queue' })),
  };
}

/** The messages as the event an SQS event source mapping delivers. */
export function sqsEvent(messages: readonly Message[], queueUrl: string): SqsEvent {
  const { partition, region, accountId, queueName } = parseQueueUrl(queueUrl);
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body ?? '',
      attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1', SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()) },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: arn({ partition, service: 'sqs', region, account: accountId, resource: queueName }),
      awsRegion: region,
    })),
  };
}

/**
 * `https://sqs.<region>.amazonaws.com/<account>/<name>` (`.amazonaws.com.cn` in China), the legacy
 * `https://<region>.queue.amazonaws.com/...`, or an emulator's host with the same path (region
 * from AWS_REGION, else us-east-1).
 */
export function parseQueueUrl(queueUrl: string): { partition: Partition; region: string; accountId: string; queueName: string } {
  const match = /^https?:\/\/([^/]+)\/(\d{12})\/([\w-]{1,80}(?:\.fifo)?)$/.exec(queueUrl);
  if (!match) throw new Error(`${JSON.stringify(queueUrl)} is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)`);
  const host = match[1].toLowerCase();
  const region = (/^sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?(?::\d+)?$/.exec(host) ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?(?::\d+)?$/.exec(host))?.[1] ?? process.env.AWS_REGION ?? 'us-east-1';
  const partition = partitionOfRegion(region) ?? (/\.amazonaws\.com\.cn(?::\d+)?$/.test(host) ? 'aws-cn' : 'aws');
  return { partition, region, accountId: match[2], queueName: match[3] };
}

async function receive(options: QueueReplayOptions, max: number): Promise<Message[]> {
  const answer = await options.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: max,
      VisibilityTimeout: options.visibilityTimeoutSeconds,
      WaitTimeSeconds: options.waitSeconds ?? 2,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    }),
  );
  return answer.Messages ?? [];
}

/** Deletes what the function is done with; a message not deleted is left (it will be replayed again), and a call that throws is returned as `error`. */
async function deleteMessages(options: QueueReplayOptions, messages: readonly Message[], left: LeftMessage[]): Promise<{ deleted: number; error?: string }> {
  if (messages.length === 0) return { deleted: 0 };
  const notDeleted = (message: Message, why: string) =>
    left.push({ messageId: message.MessageId!, reason: `replayed, but not deleted (${why}): it will be replayed again, and its records sent to Dynatrace twice` });
  let answer;
  try {
    answer = await options.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
    );
  } catch (err) {
    const error = `${(err as Error).name ?? 'Error'}: ${(err as Error).message}`;
    for (const message of messages) notDeleted(message, error);
    return { deleted: 0, error };
  }
  for (const failure of answer.Failed ?? []) notDeleted(messages[Number(failure.Id)], `${failure.Code}: ${failure.Message}`);
  return { deleted: messages.length - (answer.Failed?.length ?? 0) };
}

async function releaseMessages(options: QueueReplayOptions, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += SQS_BATCH) {
    const entries = messages.slice(i, i + SQS_BATCH).map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    await options.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }));
  }
}

/**
 * The command's clients. The Lambda client makes one attempt: the SDK retries an Invoke whose
 * connection dropped or timed out, though the first invocation may still be running, and a second
 * one would replay the same batch again (its records sent twice). A failed invocation leaves its
 * batch in the queue and stops the run instead.
 */
export function queueReplayClients(regions: { readonly queueRegion: string; readonly functionRegion: string }): { sqs: SQSClient; lambda: LambdaClient } {
  return { sqs: new SQSClient({ region: regions.queueRegion }), lambda: new LambdaClient({ region: regions.functionRegion, maxAttempts: 1 }) };
}

/**
 * The region the function is invoked in: a --function ARN's (arn:<partition>:lambda:<region>:...),
 * else the topology's home region, where the observability stack deploys it. Never the queue's: a
 * --queue-url in another region says nothing of where the function runs.
 */
export function functionRegion(functionName: string, homeRegion: string): string {
  return /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):/.exec(functionName)?.[1] ?? homeRegion;
}

/** The client context that has the function answer with its summary beside the partial batch response. */
const REPLAY_CLIENT_CONTEXT = Buffer.from(JSON.stringify({ custom: REPLAY_CLIENT_CONTEXT_CUSTOM })).toString('base64');

/** Runs the deployed function synchronously on an event (RequestResponse). */
export function lambdaInvoker(lambda: Pick<LambdaClient, 'send'>, functionName: string): (event: SqsEvent) => Promise<InvocationOutcome> {
  return async (event) => {
    let answer;
    try {
      answer = await lambda.send(
        new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', ClientContext: REPLAY_CLIENT_CONTEXT, Payload: Buffer.from(JSON.stringify(event)) }),
      );
    } catch (err) {
      return { ok: false, error: `cannot invoke ${functionName}: ${(err as Error).message}` };
    }
    const text = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : '';
    let payload: any;
    try {
      payload = text ? JSON.parse(text) : undefined;
    } catch {
      payload = undefined;
    }
    if (answer.FunctionError) return { ok: false, error: `${functionName} failed: ${payload?.errorMessage ?? answer.FunctionError}` };
    const failures = payload?.batchItemFailures;
    if (!Array.isArray(failures)) return { ok: false, error: `${functionName} did not answer with a partial batch response: ${text.slice(0, 200)}` };
    const batchItemFailures = failures.map((f: { itemIdentifier?: unknown }) => String(f.itemIdentifier));
    const summary = payload.summary;
    const counted = (name: string) => typeof summary?.[name] === 'number';
    if (!['sent', 'failed', 'tickets'].every(counted)) return { ok: true, batchItemFailures };
    const again = { sent: summary.sent, failed: summary.failed, tickets: summary.tickets };
    return { ok: true, batchItemFailures, again: counted('objectsFailed') ? { ...again, objectsFailed: summary.objectsFailed } : again };
  };
}

// ---- the command line ------------------------------------------------------------------------

export const QUEUE_USAGE =
  'usage: npm run replay -- --from-queue [--queue-url URL] [--function NAME|ARN] [--max-messages N] [--visibility-timeout SECONDS] [--dry-run]';

const QUEUE_OPTIONS = {
  'from-queue': { type: 'boolean', default: false },
  'queue-url': { type: 'string' },
  function: { type: 'string' },
  'max-messages': { type: 'string', default: '1000' },
  'visibility-timeout': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
const MAX_MESSAGES = 100_000;
/** SQS's longest visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;
/** Kept above the function's timeout, so a batch is never visible while the function works on it. */
const VISIBILITY_MARGIN_SECONDS = 60;

/** A checked `replay --from-queue` command line, with the defaults the topology gives. */
export interface QueueCommandLine {
  readonly queueUrl: string;
  /** A name, or an ARN (full or partial, with a qualifier or not), as Invoke takes it. */
  readonly functionName: string;
  /** The queue's region, from its URL. */
  readonly queueRegion: string;
  /** The function's region ({@link functionRegion}). */
  readonly functionRegion: string;
  readonly maxMessages: number;
  readonly visibilityTimeoutSeconds: number;
  readonly dryRun: boolean;
}

/** undefined when --help printed the usage. */
export function parseQueueCommandLine(argv: readonly string[], topology: Topology): QueueCommandLine | undefined {
  const parsed = parseCommandLine(argv, QUEUE_OPTIONS, QUEUE_USAGE);
  if (!parsed) return undefined;
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`--from-queue replays the failure queue, not ticket files (${JSON.stringify(positionals[0])})\n${QUEUE_USAGE}`, USAGE_EXIT_CODE);
  const naming = new Naming(topology);
  const observability = accountWithRole(naming.topology, 'observability');
  const queueUrl = values['queue-url'] ?? `https://sqs.${naming.homeRegion}.${dnsSuffix(naming.partition)}/${observability.id}/${naming.forwarderFailureQueueName()}`;
  let queueRegion: string;
  try {
    queueRegion = parseQueueUrl(queueUrl).region;
  } catch (err) {
    throw new UsageError(`--queue-url: ${(err as Error).message}`, USAGE_EXIT_CODE);
  }
  const maxMessages = Number(values['max-messages']);
  if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > MAX_MESSAGES) throw new UsageError(`--max-messages ${values['max-messages']}: use an integer from 1 to ${MAX_MESSAGES}`, USAGE_EXIT_CODE);
  const minVisibility = topology.forwarder.timeoutInSeconds + VISIBILITY_MARGIN_SECONDS;
  const visibilityTimeoutSeconds = values['visibility-timeout'] === undefined ? minVisibility : Number(values['visibility-timeout']);
  if (!Number.isInteger(visibilityTimeoutSeconds) || visibilityTimeoutSeconds < minVisibility || visibilityTimeoutSeconds > MAX_VISIBILITY_SECONDS) {
    throw new UsageError(
      `--visibility-timeout ${values['visibility-timeout']}: use whole seconds from ${minVisibility} (the function's timeout, forwarder.timeoutInSeconds, plus ${VISIBILITY_MARGIN_SECONDS}) to ${MAX_VISIBILITY_SECONDS}`,
      USAGE_EXIT_CODE,
    );
  }
  const functionName = values.function ?? naming.forwarderFunctionName();
  return { queueUrl, functionName, queueRegion, functionRegion: functionRegion(functionName, naming.homeRegion), maxMessages, visibilityTimeoutSeconds, dryRun: values['dry-run'] };
}

/** Exit code 0 when every message was replayed and deleted (or listed, for a dry run), none held back and nothing failed again, 1 otherwise. */
export async function replayQueueCommand(commandLine: QueueCommandLine, clients: { sqs: Pick<SQSClient, 'send'>; lambda: Pick<LambdaClient, 'send'> }): Promise<number> {
  const started = Date.now();
  const result = await replayQueue({
    queueUrl: commandLine.queueUrl,
    sqs: clients.sqs,
    invoke: lambdaInvoker(clients.lambda, commandLine.functionName),
    maxMessages: commandLine.maxMessages,
    visibilityTimeoutSeconds: commandLine.visibilityTimeoutSeconds,
    dryRun: commandLine.dryRun,
  }).catch((err: unknown) => {
    throw queueCallError(err, commandLine.queueUrl);
  });
  for (const body of result.listed) process.stdout.write(`${body}\n`);
  for (const message of result.left) process.stderr.write(`left ${message.messageId}: ${message.reason}\n`);
  if (result.failedAgain > 0 || result.newTickets > 0) {
    process.stderr.write(`${result.failedAgain} record(s) failed again; the function wrote ${result.newTickets} new ticket(s) to the queue: replay them once the cause is fixed (the function's log says it)\n`);
  }
  if (result.heldBack > 0) {
    process.stderr.write(
      `${result.heldBack} message(s) sent to the queue after the run started (or less than ${CLOCK_SKEW_MARGIN_MS / 1000} s before, for clock skew), or naming records this run replayed, held back, visible again now: new tickets of this run, or of the function's live traffic; replay them in a later run once the cause is fixed (if they were sent earlier, this machine's clock is behind: sync it)\n`,
    );
  }
  if (result.untold > 0) process.stderr.write(`${result.untold} invocation(s) did not say what failed again (a function deployed before it answered with a summary): check the queue's depth\n`);
  if (result.stoppedBy) process.stderr.write(`stopped: ${result.stoppedBy}\n`);
  const { received, invocations, deleted, failedAgain, newTickets, heldBack } = result;
  process.stdout.write(`${JSON.stringify({ received, invocations, deleted, left: result.left.length, heldBack, failedAgain, newTickets, seconds: Math.round((Date.now() - started) / 10) / 100 })}\n`);
  return result.left.length > 0 || result.stoppedBy || failedAgain > 0 || newTickets > 0 || heldBack > 0 ? 1 : 0;
}

/**
 * A queue call that failed (no credentials, no network, access denied) as a message for the
 * operator instead of the SDK's stack trace; any other error as it was.
 */
function queueCallError(err: unknown, queueUrl: string): unknown {
  const fromAws = err instanceof Error && ('$metadata' in err || err.name.endsWith('ProviderError'));
  if (!fromAws) return err;
  return new UsageError(`${queueUrl}: ${err.name}: ${err.message}; check the AWS credentials (AWS_PROFILE, aws sso login) and that they may receive from the queue`, 1);
}
