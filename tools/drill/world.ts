/**
 * Everything a drill's forwarder talks to, on loopback: S3 and SSM stand-ins that can be told to
 * fail, the failure queue and the progress table in moto (SQS, DynamoDB), the Ingest API stand-in as the sink, and the AppConfig
 * extension stand-in. A world belongs to one drill; `close()` stops what it started.
 *
 * The sink counts every event under its record's eventID (read from `content`; for a record cut
 * so short that its eventID is gone, or garbled, through the file and record index the event names).
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { FakeIngestServer, FakeIngestServerOptions, IngestEvent } from '../lib/fake-ingest-server';
import { lambdaInvoker, replayQueue, QueueReplayResult, SqsEvent } from '../lib/failure-queue';
import { invokeStandIn } from '../lib/invoke-stand-in';
import { freePort, MotoServer, motoClientEnv } from '../lib/moto';
import { S3Fault, S3StandIn } from '../lib/s3-stand-in';
import { SsmStandIn } from '../lib/ssm-stand-in';
import { parseTicket, ReplayTicket } from '../../functions/forwarder/tickets';
import { FunctionContainer, Invocation } from './function-container';
import { addCounts } from './ledger';
import { RulesExtension } from './rules-extension';
import { DRILL_REGION, TrailFile } from './trail-files';

export const TOKEN_PARAMETER = '/trailbridge/dynatrace/api-token';
/** The rules the drills deploy: batches of at most this many events, so a file makes many requests. */
export const DRILL_MAX_EVENTS_PER_BATCH = 1_000;
export const DRILL_CONCURRENCY = 4;
export const DRILL_RULES = { version: 1, limits: { maxEventsPerBatch: DRILL_MAX_EVENTS_PER_BATCH } };
/** The simulated Lambda timeout unless a drill sets its own (the deployed function's is 300 s). */
export const DEFAULT_TIMEOUT_MS = 120_000;

const EVENT_ID = /"eventID":"([^"]+)"/;

export class DrillWorld {
  readonly files = new Map<string, TrailFile>();
  private readonly knownIds = new Set<string>();
  readonly sinks: FakeIngestServer[] = [];
  /** Every ticket the function was handed in a queue replay. */
  readonly replayedTickets: ReplayTicket[] = [];
  /** Tickets the function returned as failed in a replay (given up: left for the dead-letter queue). */
  readonly givenUpTickets: ReplayTicket[] = [];
  private readonly containers: FunctionContainer[] = [];
  private readonly extensions: RulesExtension[] = [];

  private constructor(
    readonly moto: MotoServer,
    readonly s3: S3StandIn,
    readonly ssm: SsmStandIn,
    readonly sqs: SQSClient,
    readonly queueUrl: string,
    /** The forwarder's progress table (PROGRESS_TABLE), as the observability stack deploys it. */
    readonly progressTable: string,
  ) {}

  static async create(moto: MotoServer, name: string): Promise<DrillWorld> {
    const sqs = new SQSClient({ endpoint: moto.endpoint, region: DRILL_REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `drill-${name}-failures`, Attributes: { VisibilityTimeout: '300' } }));
    const progressTable = `drill-${name}-progress`;
    const dynamodb = new DynamoDBClient({ endpoint: moto.endpoint, region: DRILL_REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await dynamodb.send(new CreateTableCommand({ TableName: progressTable, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'object', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'object', KeyType: 'HASH' }] }));
    dynamodb.destroy();
    const world = new DrillWorld(moto, await S3StandIn.start(), await SsmStandIn.start(), sqs, QueueUrl!, progressTable);
    return world;
  }

  /** Stores a file in the S3 stand-in (with faults for its next reads) and remembers its ids. */
  put(file: TrailFile, faults: readonly S3Fault[] = []): TrailFile {
    this.s3.put(file.bucket, file.key, file.body, faults);
    this.addFile(file);
    return file;
  }

  /** Remembers a file's ids (a local file of the operator's commands is not put in S3). */
  addFile(file: TrailFile): void {
    this.files.set(file.key, file);
    for (const id of file.ids) this.knownIds.add(id);
  }

  /** A sink whose events are counted by eventID; the token it accepts is set in SSM unless told otherwise. */
  async startSink(options: FakeIngestServerOptions = {}, setToken = true): Promise<FakeIngestServer> {
    const sink = await FakeIngestServer.start({ keepEvents: false, ...options, idOf: (event) => this.idOf(event) });
    if (setToken) this.ssm.set(TOKEN_PARAMETER, sink.token);
    this.sinks.push(sink);
    return sink;
  }

  async startExtension(body: unknown = DRILL_RULES, version = '1'): Promise<RulesExtension> {
    const extension = await RulesExtension.start({ body: typeof body === 'string' ? body : JSON.stringify(body), version });
    this.extensions.push(extension);
    return extension;
  }

  /** Deliveries per eventID, summed over every sink of the drill. */
  deliveries(): Map<string, number> {
    return addCounts(...this.sinks.map((s) => s.idCounts));
  }

  /**
   * A forwarder container with the deployed environment: Dynatrace at `dtUrl`, the rules from
   * `extensionPort` (nothing listening there means the extension is down).
   */
  container(options: { dtUrl: string; extensionPort: number; env?: Record<string, string> }): FunctionContainer {
    const container = new FunctionContainer({
      ...motoClientEnv(this.moto.endpoint, DRILL_REGION),
      AWS_ENDPOINT_URL_S3: this.s3.endpoint,
      AWS_ENDPOINT_URL_SSM: this.ssm.endpoint,
      DT_ENV_URL: options.dtUrl,
      DT_API_TOKEN_PARAM: TOKEN_PARAMETER,
      FAILURE_QUEUE_URL: this.queueUrl,
      PROGRESS_TABLE: this.progressTable,
      APPCONFIG_APPLICATION: 'trailbridge',
      APPCONFIG_ENVIRONMENT: 'drill',
      APPCONFIG_PROFILE: 'forwarding-rules',
      AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(options.extensionPort),
      DT_CONCURRENCY: String(DRILL_CONCURRENCY),
      DT_TOKEN_TTL_SECONDS: '300',
      LOG_LEVEL: 'INFO',
      ...options.env,
    });
    this.containers.push(container);
    return container;
  }

  /** A responder container: the deployed responder bundle with `env` (RESPONDER_CONFIG, endpoints, credentials). */
  responderContainer(env: Record<string, string>): FunctionContainer {
    const container = new FunctionContainer(env, 'responder');
    this.containers.push(container);
    return container;
  }

  /** Every log line of every container of the drill. */
  logs(): string {
    return this.containers.map((c) => c.logs).join('\n');
  }

  /**
   * The operator's queue replay (`npm run replay -- --from-queue`, tools/lib/failure-queue.ts),
   * invoking a fresh container instead of the deployed function, through the command's own invoker:
   * the container gets the command's client context and answers it with its summary, as deployed.
   */
  async replay(container: FunctionContainer, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<QueueReplayResult & { answers: Invocation[] }> {
    const invocations: Invocation[] = [];
    const lambda = invokeStandIn(async (event, clientContext) => {
      const invocation = await container.invoke(event, timeoutMs, clientContext);
      invocations.push(invocation);
      if (invocation.error || invocation.timedOut || invocation.died) return { error: invocation.error ?? (invocation.timedOut ? 'timed out' : 'died') };
      return { result: invocation.result };
    });
    const invoke = lambdaInvoker(lambda, 'trailbridge-forwarder');
    const result = await replayQueue({
      queueUrl: this.queueUrl,
      sqs: this.sqs,
      maxMessages: 1_000,
      visibilityTimeoutSeconds: 300,
      waitSeconds: 0,
      // moto stamps SentTimestamp by this machine's clock: no skew, and the drills replay at once what they just ticketed.
      clockSkewMarginMs: 0,
      invoke: async (event: SqsEvent) => {
        const tickets = new Map<string, ReplayTicket>();
        for (const record of event.Records) {
          const ticket = parseTicket(JSON.parse(String(record.body)));
          if (ticket) tickets.set(String(record.messageId), ticket);
        }
        this.replayedTickets.push(...tickets.values());
        const outcome = await invoke(event);
        if (outcome.ok) for (const id of outcome.batchItemFailures) if (tickets.has(id)) this.givenUpTickets.push(tickets.get(id)!);
        return outcome;
      },
    });
    return { ...result, answers: invocations };
  }

  /** Takes every ticket left in the queue (at the end of a drill: what is still waiting to be replayed). */
  async drainQueue(): Promise<ReplayTicket[]> {
    const tickets: ReplayTicket[] = [];
    for (let round = 0; round < 200; round++) {
      const { Messages = [] } = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300, WaitTimeSeconds: 0 }));
      if (Messages.length === 0) return tickets;
      for (const m of Messages) {
        const ticket = parseTicket(JSON.parse(m.Body ?? 'null'));
        if (ticket) tickets.push(ticket);
      }
      await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    }
    throw new Error(`${this.queueUrl}: still not empty after 2,000 messages`);
  }

  async close(): Promise<void> {
    await Promise.all(this.containers.map((c) => c.stop()));
    await Promise.all([...this.sinks.map((s) => s.close()), ...this.extensions.map((e) => e.close()), this.s3.close(), this.ssm.close()]);
    this.sqs.destroy();
  }

  private idOf(event: IngestEvent): string {
    const content = String(event.content ?? '');
    const match = EVENT_ID.exec(content);
    if (match && this.knownIds.has(match[1])) return match[1];
    // Cut before its eventID, or garbled (a corrupt stream decodes to garbage the forwarder sends as text).
    const file = this.files.get(String(event['log.source.aws.s3.key.name'] ?? ''));
    const index = Number(event['trailbridge.record_index']);
    return file?.ids[index] ?? `unknown:${String(event['log.source.aws.s3.key.name'])}#${index}`;
  }
}

/** The SNS notification the forwarder gets for new objects (the S3 event inside, keys URL-encoded). */
export function notification(files: readonly TrailFile[], messageId = 'drill'): unknown {
  const topicArn = `arn:aws:sns:${DRILL_REGION}:333333333333:trailbridge-cloudtrail-objects`;
  const s3Event = {
    Records: files.map((f) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: DRILL_REGION,
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      s3: { s3SchemaVersion: '1.0', bucket: { name: f.bucket, arn: `arn:aws:s3:::${f.bucket}` }, object: { key: encodeURIComponent(f.key).replace(/%2F/g, '/'), size: f.body.length } },
    })),
  };
  return { Records: [{ EventSource: 'aws:sns', EventSubscriptionArn: `${topicArn}:drill`, Sns: { Type: 'Notification', TopicArn: topicArn, MessageId: messageId, Message: JSON.stringify(s3Event) } }] };
}

/** A loopback port where nothing listens: a Dynatrace or an extension that is down. */
export async function closedPort(): Promise<number> {
  return freePort();
}
