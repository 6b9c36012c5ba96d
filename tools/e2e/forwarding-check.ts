import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { lambdaInvoker, replayQueue } from '../lib/failure-queue';
import { invokeStandIn } from '../lib/invoke-stand-in';
import { FakeIngestServer, IngestEvent } from '../lib/fake-ingest-server';
import { AwsCredentialIdentity, ClientConfig } from './accounts';
import { CloudTrailObject } from './cloudtrail-files';
import { DeployedFunction, lambdaContext, loadHandler, withEnvironment } from './deployed-forwarder';

export interface ForwardingRun {
  readonly label: string;
  readonly invocations: number;
  readonly requests: number;
  readonly failedRequests: number;
  readonly accepted: number;
  readonly tickets: number;
  readonly replayed: number;
  readonly problems: string[];
}

export interface ForwardingSetup {
  readonly fn: DeployedFunction;
  /** SNS events for Lambda, one per notification (as SNS invokes it). */
  readonly events: readonly unknown[];
  readonly objects: readonly CloudTrailObject[];
  /** The forwarder role's credentials: what the function runs with. */
  readonly credentials: AwsCredentialIdentity;
  readonly endpoint: string;
  readonly region: string;
  readonly appConfigPort: number;
  /** The failure queue, read as the observability account. */
  readonly queueConfig: ClientConfig;
  readonly workDir: string;
}

/** `<bucket>/<key>#<index>` of every record the objects hold: what must arrive. */
export function expectedIds(objects: readonly CloudTrailObject[]): Map<string, { object: CloudTrailObject; record: Record<string, any> }> {
  const ids = new Map<string, { object: CloudTrailObject; record: Record<string, any> }>();
  for (const object of objects) object.records.forEach((record, i) => ids.set(`${object.bucket}/${object.key}#${i}`, { object, record }));
  return ids;
}

/**
 * Runs the deployed handler in-process with the environment Terraform gave it. Only what cannot
 * exist on this machine is replaced, and the run prints it: the Dynatrace URL (the local Ingest
 * API server) and the extension's port (the local AppConfig stand-in); the endpoint and the
 * credentials are the emulator's and the forwarder role's.
 */
export function invocationEnvironment(setup: ForwardingSetup, dynatraceUrl: string): Record<string, string> {
  return {
    ...setup.fn.environment,
    DT_ENV_URL: dynatraceUrl,
    AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(setup.appConfigPort),
    AWS_ENDPOINT_URL: setup.endpoint,
    AWS_REGION: setup.region,
    AWS_DEFAULT_REGION: setup.region,
    AWS_ACCESS_KEY_ID: setup.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: setup.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: setup.credentials.sessionToken ?? '',
    AWS_LAMBDA_FUNCTION_NAME: setup.fn.name,
    AWS_EC2_METADATA_DISABLED: 'true',
    // The function runs on nodejs22.x; only this harness runs the bundle on the machine's Node 20,
    // and each fresh bundle would warn about it again.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: 'WARN',
  };
}

/** Every expected record arrived exactly once, nothing else arrived, with the right attributes. */
export function checkArrivals(fake: FakeIngestServer, objects: readonly CloudTrailObject[], functionArn: string): string[] {
  const problems: string[] = [];
  const expected = expectedIds(objects);
  for (const id of expected.keys()) {
    const n = fake.idCounts.get(id) ?? 0;
    if (n !== 1) problems.push(`${id} arrived ${n} times`);
  }
  for (const id of fake.idCounts.keys()) if (!expected.has(id)) problems.push(`unexpected event ${id}`);
  for (const event of fake.events) {
    const id = `${event['log.source.aws.s3.bucket.name']}/${event['log.source.aws.s3.key.name']}#${event['trailbridge.record_index']}`;
    const source = expected.get(id);
    if (!source) continue;
    problems.push(...attributeProblems(id, event, source.object, source.record, functionArn));
  }
  return problems.slice(0, 20);
}

function attributeProblems(id: string, event: IngestEvent, object: CloudTrailObject, record: Record<string, any>, functionArn: string): string[] {
  const want: Record<string, unknown> = {
    'cloud.provider': 'aws',
    'aws.service': 'cloudtrail',
    'aws.account.id': object.accountId,
    'aws.region': object.region,
    'audit.event_source': record.eventSource,
    'audit.action': record.eventName,
    'audit.result': record.errorCode ? `Failed.${record.errorCode}` : 'Succeeded',
    severity: record.errorCode ? 'ERROR' : 'INFO',
    'cloud.log_forwarder': functionArn,
  };
  const problems = Object.entries(want)
    .filter(([k, v]) => event[k] !== v)
    .map(([k, v]) => `${id}: ${k} is ${JSON.stringify(event[k])}, expected ${JSON.stringify(v)}`);
  let content: any;
  try {
    content = JSON.parse(String(event.content));
  } catch {
    problems.push(`${id}: content is not the record's JSON`);
  }
  if (content && content.eventID !== record.eventID) problems.push(`${id}: content holds eventID ${content.eventID}, expected ${record.eventID}`);
  return problems;
}

/** Runs the handler for every event, in a fresh module (a cold start) against `fake`; `clientContext` as the runtime gives it. */
async function invokeAll(setup: ForwardingSetup, label: string, fake: FakeIngestServer, events: readonly unknown[], clientContext?: unknown): Promise<any[]> {
  const dir = join(setup.workDir, label);
  mkdirSync(dir, { recursive: true });
  return withEnvironment(invocationEnvironment(setup, fake.url), () =>
    // The function's logs and EMF metrics go to a file, as Lambda sends them to CloudWatch.
    withStdoutTo(join(dir, 'function-output.log'), async () => {
      const handler = loadHandler(setup.fn, dir);
      const results: any[] = [];
      for (const [i, event] of events.entries()) results.push(await handler(event, { ...lambdaContext(setup.fn, `${label}-${i + 1}`), clientContext }));
      return results;
    }),
  );
}

async function withStdoutTo<T>(file: string, body: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    appendFileSync(file, chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return await body();
  } finally {
    process.stdout.write = write;
  }
}

/** Step 5a: every record arrives once. */
export async function forwardAll(setup: ForwardingSetup, fake: FakeIngestServer): Promise<ForwardingRun> {
  await invokeAll(setup, 'healthy', fake, setup.events);
  const tickets = await drainFailureQueue(setup.queueConfig, setup.fn.environment.FAILURE_QUEUE_URL);
  const problems = checkArrivals(fake, setup.objects, setup.fn.arn);
  if (tickets.length > 0) problems.push(`${tickets.length} replay tickets written although Dynatrace accepted every request`);
  return {
    label: 'all requests accepted',
    invocations: setup.events.length,
    requests: fake.requests.length,
    failedRequests: fake.requests.filter((r) => r.status !== 204).length,
    accepted: fake.acceptedEvents,
    tickets: tickets.length,
    replayed: 0,
    problems,
  };
}

/**
 * Step 5b: every second request fails with a status the forwarder does not retry (500), so its
 * records must be ticketed to the failure queue; then the queue is replayed through the same
 * function against a healthy server, as `npm run replay -- --from-queue` does. Nothing may be
 * lost, nothing sent twice, and the queue must be empty afterwards.
 */
export async function forwardWithFailures(setup: ForwardingSetup): Promise<ForwardingRun> {
  // The same notifications again: the first run's progress would (rightly) skip every record.
  await clearProgress(setup.queueConfig, setup.fn.environment.PROGRESS_TABLE);
  let failing = true;
  const fake = await FakeIngestServer.start({
    faultFor: (n) => (failing && n % 2 === 0 ? { status: 500, body: '{"error":{"code":500,"message":"e2e: injected failure"}}' } : undefined),
  });
  try {
    await invokeAll(setup, 'half-failing', fake, setup.events);
    const failedRequests = fake.requests.filter((r) => r.status !== 204).length;
    const queueUrl = setup.fn.environment.FAILURE_QUEUE_URL;
    if (!queueUrl) throw new Error('the function has no FAILURE_QUEUE_URL');
    const sqs = new SQSClient(setup.queueConfig);
    const ticketsWritten = await queueDepth(sqs, queueUrl);
    failing = false;
    const problems: string[] = [];
    if (failedRequests === 0) problems.push('no request failed: the failure path was not exercised (too few requests?)');
    if (ticketsWritten === 0 && failedRequests > 0) problems.push(`${failedRequests} requests failed but no replay ticket reached the failure queue`);
    const before = fake.acceptedEvents;
    let replayInvocations = 0;
    if (ticketsWritten > 0) {
      // As an operator runs it: `npm run replay -- --from-queue`, with the function run in-process
      // behind the command's own invoker (its client context, its reading of the answer).
      const invoke = lambdaInvoker(
        invokeStandIn(async (event, clientContext) => {
          replayInvocations++;
          try {
            const [answer] = await invokeAll(setup, `replay-${replayInvocations}`, fake, [event], clientContext);
            return { result: answer };
          } catch (err) {
            return { error: (err as Error).message };
          }
        }),
        setup.fn.name,
      );
      const replay = await replayQueue({
        queueUrl,
        sqs,
        maxMessages: 1000,
        visibilityTimeoutSeconds: 600,
        waitSeconds: 0,
        // The emulated queue stamps SentTimestamp by this machine's clock: no skew, and the tickets were just written.
        clockSkewMarginMs: 0,
        invoke,
      });
      for (const left of replay.left) problems.push(`the replay left message ${left.messageId}: ${left.reason}`);
      if (replay.stoppedBy) problems.push(`the replay stopped: ${replay.stoppedBy}`);
      if (replay.untold > 0) problems.push(`${replay.untold} replay invocations answered without the summary the replay command asks for (its client context)`);
      if (replay.failedAgain > 0 || replay.newTickets > 0) problems.push(`the function said ${replay.failedAgain} records failed again and wrote ${replay.newTickets} new tickets against a healthy server`);
      if (replay.heldBack > 0) problems.push(`the replay held back ${replay.heldBack} messages sent during it`);
      if (replay.received > ticketsWritten) problems.push(`the replay wrote ${replay.received - ticketsWritten} new tickets against a healthy server`);
      const remaining = await queueDepth(sqs, queueUrl);
      if (remaining > 0) problems.push(`${remaining} messages are still in the failure queue after the replay`);
    }
    problems.push(...checkArrivals(fake, setup.objects, setup.fn.arn));
    return {
      label: 'every second request failing, then replay',
      invocations: setup.events.length + replayInvocations,
      requests: fake.requests.length,
      failedRequests,
      accepted: fake.acceptedEvents,
      tickets: ticketsWritten,
      replayed: fake.acceptedEvents - before,
      problems,
    };
  } finally {
    await fake.close();
  }
}

/**
 * Forgets every object's progress (the forwarder's PROGRESS_TABLE), read and deleted as the
 * observability account, so a scenario can deliver notifications an earlier one completed.
 */
async function clearProgress(config: ClientConfig, tableName: string | undefined): Promise<void> {
  if (!tableName) return;
  const dynamodb = new DynamoDBClient(config);
  let startKey: Record<string, any> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ProjectionExpression: '#o', ExpressionAttributeNames: { '#o': 'object' }, ExclusiveStartKey: startKey }));
    const items = page.Items ?? [];
    for (let i = 0; i < items.length; i += 25) {
      const requests = items.slice(i, i + 25).map((key) => ({ DeleteRequest: { Key: key } }));
      await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  dynamodb.destroy();
}

interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: string;
}

/** Takes every message off the failure queue (as an event source mapping would). */
async function drainFailureQueue(config: ClientConfig, queueUrl: string | undefined): Promise<QueueMessage[]> {
  if (!queueUrl) throw new Error('the function has no FAILURE_QUEUE_URL');
  const sqs = new SQSClient(config);
  const messages: QueueMessage[] = [];
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    const batch = out.Messages ?? [];
    if (batch.length === 0) return messages;
    for (const m of batch) {
      messages.push({ messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body ?? '', receiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' });
    }
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}

/** Messages in the queue, visible or not. */
async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}
