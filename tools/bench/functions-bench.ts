import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { PROJECT_ROOT } from '../../config/paths';
import { bundleFunction } from '../../stacks/constructs/bundle';
import { MotoServer, motoClientEnv, startMoto } from '../lib/moto';
import { runProcess } from '../lib/process';
import { FunctionFigures } from './report';
import { median, round } from './stats';

/**
 * Function figures: the zipped bundle's size, and the cold start: a fresh `node` process that
 * loads the bundle and handles one small event, with AWS calls answered by moto and Dynatrace by
 * the benchmark's sink. The cold start is timed from the spawn to the handler's answer, which is
 * what a Lambda caller waits for; the time to the process's exit is kept beside it (a Lambda never
 * exits, but a process waits at exit for V8's background compilation, such as undici's WebAssembly
 * HTTP parser). Each function needs a fixture here; a function without one fails the bench, so a
 * new function is not silently left out.
 */

interface Fixture {
  /** Creates what the handler reads and returns its environment and event (and what to stop after the run). */
  prepare(moto: MotoServer, sink: { url: string; token: string }): Promise<{ env: Record<string, string>; event: unknown; stop?: () => Promise<void> }>;
  /** Whether the handler's result shows the event was handled (a cold start that failed is no figure). */
  succeeded(result: any): boolean;
}

const REGION = 'us-east-1';
const ACCOUNT = '111111111111';

function clients(endpoint: string) {
  const config = { endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, forcePathStyle: true };
  return { s3: new S3Client(config), ssm: new SSMClient(config), sqs: new SQSClient(config), sns: new SNSClient(config) };
}

function s3Notification(bucket: string, key: string) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: REGION,
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 1 } },
      },
    ],
  };
}

/**
 * The forwarder's rules as an operator would deploy them (a filter and a redaction), served the
 * way the AppConfig Lambda extension serves them; the record of the fixture passes both.
 */
const BENCH_RULES = {
  version: 1,
  filters: [{ name: 'drop-kms-reads', action: 'drop', pattern: { eventSource: ['kms.amazonaws.com'], readOnly: [true] } }],
  redactions: [{ path: 'responseElements.credentials.sessionToken' }],
};

/** A stand-in for the AppConfig Lambda extension on a free port, answering every GET with `document`. */
export async function startAppConfigExtension(document: unknown): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'configuration-version': '1' }).end(JSON.stringify(document)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function prepareForwarder(moto: MotoServer, sink: { url: string; token: string }, rulesPort: number) {
  const { s3, ssm, sqs } = clients(moto.endpoint);
  const bucket = 'bench-trail';
  const key = `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2026/01/01/${ACCOUNT}_CloudTrail_${REGION}_20260101T0000Z_bench.json.gz`;
  const record = { eventVersion: '1.09', eventTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', awsRegion: REGION, recipientAccountId: ACCOUNT, userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/bench` }, eventID: 'bench-1', readOnly: true };
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(JSON.stringify({ Records: [record] })) }));
  await ssm.send(new PutParameterCommand({ Name: '/bench/dynatrace/token', Type: 'SecureString', Value: sink.token }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-failures' }));
  const topicArn = `arn:aws:sns:${REGION}:333333333333:bench-topic`;
  return {
    env: {
      DT_ENV_URL: sink.url,
      DT_API_TOKEN_PARAM: '/bench/dynatrace/token',
      FAILURE_QUEUE_URL: QueueUrl!,
      APPCONFIG_APPLICATION: 'bench',
      APPCONFIG_ENVIRONMENT: 'bench',
      APPCONFIG_PROFILE: 'rules',
      AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(rulesPort),
      LOG_LEVEL: 'ERROR',
    },
    event: { Records: [{ EventSource: 'aws:sns', EventSubscriptionArn: `${topicArn}:1`, Sns: { Type: 'Notification', TopicArn: topicArn, MessageId: 'bench', Message: JSON.stringify(s3Notification(bucket, key)) } }] },
  };
}

const forwarderSent = (result: any) => result?.sent === 1 && result?.failed === 0;

/** Cold-start cases: every function, and functions again in other situations (`name (situation)`). */
const FIXTURES: Record<string, Fixture> = {
  notifier: {
    async prepare(moto) {
      const { sns } = clients(moto.endpoint);
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'bench-cloudtrail-objects' }));
      const key = `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2026/01/01/${ACCOUNT}_CloudTrail_${REGION}_20260101T0000Z_bench.json.gz`;
      return { env: { TOPIC_ARN: TopicArn!, SOURCE_ENVIRONMENTS: JSON.stringify({ [ACCOUNT]: 'test' }) }, event: s3Notification('bench-trail', key) };
    },
    succeeded: (result) => result?.published === 1,
  },
  'bucket-logger': {
    async prepare() {
      return {
        env: { LOG_LEVEL: 'INFO' },
        event: {
          version: '0',
          id: 'bench',
          'detail-type': 'AWS API Call via CloudTrail',
          source: 'aws.s3',
          account: ACCOUNT,
          time: new Date().toISOString(),
          region: REGION,
          resources: [],
          detail: { eventSource: 's3.amazonaws.com', eventName: 'CreateBucket', awsRegion: REGION, requestParameters: { bucketName: 'bench-new-bucket' }, userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/bench` } },
        },
      };
    },
    succeeded: (result) => result?.kind === 'created',
  },
  responder: {
    // A database deletion in report mode: the config validated, every SDK client loaded, one alert published.
    async prepare(moto) {
      const { sns } = clients(moto.endpoint);
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'bench-security-alerts' }));
      const config = { alertTopicArn: TopicArn, selfRoleArns: [`arn:aws:iam::${ACCOUNT}:role/bench-responder`], accounts: {}, responses: { 'database-deleted': {} } };
      const detail = {
        eventSource: 'rds.amazonaws.com',
        eventName: 'DeleteDBInstance',
        eventTime: new Date().toISOString(),
        awsRegion: REGION,
        requestParameters: { dBInstanceIdentifier: 'bench-db', skipFinalSnapshot: true },
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/bench` },
      };
      return { env: { RESPONDER_CONFIG: JSON.stringify(config) }, event: { rule: 'bench-database-deleted', event: { version: '0', id: 'bench', account: ACCOUNT, region: REGION, detail } } };
    },
    succeeded: (result) => result?.status === 'responded' && result?.responses?.[0]?.response === 'database-deleted',
  },
  forwarder: {
    // Nothing listens on port 1: the cold start includes the fall-back to the built-in rules.
    prepare: (moto, sink) => prepareForwarder(moto, sink, 1),
    succeeded: (result) => forwarderSent(result) && result?.rules === 'built-in:built-in',
  },
  'forwarder (AppConfig rules)': {
    // As deployed: the extension serves a rules document, which is validated (zod) and compiled.
    async prepare(moto, sink) {
      const extension = await startAppConfigExtension(BENCH_RULES);
      return { ...(await prepareForwarder(moto, sink, extension.port)), stop: extension.stop };
    },
    succeeded: (result) => forwarderSent(result) && result?.rules === 'appconfig:1',
  },
};

/**
 * A plain Node script: load the bundle, handle the event, print when it answered (the monotonic
 * clock, which the benchmark's process shares) and the result. No tsx, no project code.
 */
const HARNESS = `
const { handler } = require(process.env.BENCH_BUNDLE);
const context = { functionName: 'bench', invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 60000 };
Promise.resolve(handler(JSON.parse(process.env.BENCH_EVENT), context)).then(
  (result) => { process.stdout.write(JSON.stringify({ answeredAt: String(process.hrtime.bigint()), result }) + '\\n'); },
  (err) => { process.stderr.write(String(err && err.stack || err) + '\\n'); process.exit(1); },
);
`;

export function functionNames(): string[] {
  const dir = join(PROJECT_ROOT, 'functions');
  return readdirSync(dir).filter((name) => existsSync(join(dir, name, 'handler.ts'))).sort();
}

export async function measureFunctions(options: { runs: number; sinkUrl: string; sinkToken: string; log: (line: string) => void }): Promise<FunctionFigures[]> {
  const work = mkdtempSync(join(tmpdir(), 'bench-functions-'));
  const harness = join(work, 'harness.js');
  writeFileSync(harness, HARNESS);
  const missing = functionNames().filter((name) => !FIXTURES[name]);
  if (missing.length > 0) throw new Error(`${missing.map((n) => `functions/${n}`).join(', ')}: no cold-start fixture in tools/bench/functions-bench.ts; add one`);
  const moto = await startMoto();
  try {
    const figures: FunctionFigures[] = [];
    for (const [caseName, fixture] of Object.entries(FIXTURES).sort(([a], [b]) => a.localeCompare(b))) {
      const name = caseName.split(' ')[0];
      const bundle = bundleFunction(name);
      const dir = join(work, name);
      unzipInto(bundle.zipPath, dir);
      const answered: number[] = [];
      const exited: number[] = [];
      for (let attempt = 0; attempt < options.runs; attempt++) {
        await moto.reset();
        const { env, event, stop } = await fixture.prepare(moto, { url: options.sinkUrl, token: options.sinkToken });
        try {
          const started = process.hrtime.bigint();
          // Asynchronous, so a sink served by this process keeps answering during the run.
          const child = await runProcess(process.execPath, ['--enable-source-maps', '--no-warnings', harness], {
            env: {
              PATH: process.env.PATH ?? '',
              ...motoClientEnv(moto.endpoint),
              ...env,
              AWS_LAMBDA_FUNCTION_NAME: name,
              BENCH_BUNDLE: join(dir, 'index.js'),
              BENCH_EVENT: JSON.stringify(event),
            },
          });
          exited.push(Number(process.hrtime.bigint() - started) / 1e6);
          if (child.code !== 0) throw new Error(`cold start of ${caseName} failed:\n${child.stderr}`);
          const { answeredAt, result } = JSON.parse(child.stdout.trim().split('\n').pop()!);
          if (!fixture.succeeded(result)) throw new Error(`cold start of ${caseName}: the handler did not do its job: ${JSON.stringify(result)}`);
          answered.push(Number(BigInt(answeredAt) - started) / 1e6);
        } finally {
          await stop?.();
        }
      }
      const ms = (values: number[]) => values.map((t) => t.toFixed(0)).join(', ');
      options.log(`function ${caseName}: ${bundle.zipBytes} bytes zipped; cold start ${ms(answered)} ms to the answer, ${ms(exited)} ms to exit`);
      figures.push({ name: caseName, zipBytes: bundle.zipBytes, coldStartMs: round(median(answered), 0), coldStartToExitMs: round(median(exited), 0) });
    }
    return figures;
  } finally {
    await moto.stop();
  }
}

/** Builds the function's bundle and unzips it into `dir`, as Lambda does; returns the path of its entry file. */
export function unpackBundle(name: string, dir: string): string {
  unzipInto(bundleFunction(name).zipPath, dir);
  return join(dir, 'index.js');
}

function unzipInto(zipPath: string, dir: string): void {
  for (const [file, content] of Object.entries(unzipSync(readFileSync(zipPath)))) writeFileSync(join(mkdirp(dir), file), content);
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
