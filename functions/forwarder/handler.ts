/**
 * The forwarder Lambda: CloudTrail files from S3 to the Dynatrace Log Ingest API v2.
 *
 * Clients and configuration are created once per container; the handler only delegates to
 * {@link handleInvocation}. The environment is described (and validated) in ./env.ts.
 */
import type { Context } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { functionLogger } from '../lib/function-logger';
import { Metrics } from '../lib/metrics';
import { loadForwarderEnv } from './env';
import { applyHeapGrowing } from './heap';
import { IngestClient } from './ingest-client';
import { handleInvocation } from './invocation';
import { forwarderResponse, ForwarderResponse } from './response';
import { LOG_OBJECT_S3_TIMEOUTS, logObjectS3Options, S3ObjectSource } from './object-source';
import { DynamoProgressStore, PROGRESS_CLIENT_CONFIG } from './progress-dynamodb';
import { DEFAULT_RETRY_POLICY } from './retry-policy';
import { AppConfigRulesSource } from './rules-source';
import { SqsTicketSink, TICKET_SQS_CLIENT_CONFIG } from './tickets';
import { SSM_CLIENT_CONFIG, SsmTokenProvider } from './token';
import { FORWARDER_METRICS_DIMENSIONS } from './metric-names';

const logger = functionLogger('trailbridge-forwarder', process.env);
const env = loadForwarderEnv(process.env);
// Before the first object: under Lambda's capped heap the forwarder would otherwise mark-compact
// twice as often (./heap.ts). Logged, as nothing else tells an operator whether it applied.
logger.info('cold start', { heapGrowing: applyHeapGrowing(env.heapGrowingPercent) ?? "V8's own" });
const metrics = new Metrics({ namespace: env.metricsNamespace, dimensions: FORWARDER_METRICS_DIMENSIONS });
const tokens = new SsmTokenProvider({
  ssm: new SSMClient(SSM_CLIENT_CONFIG),
  parameterName: env.tokenParameterName,
  ttlMs: env.tokenTtlMs,
  onSecret: (value) => logger.addSecret(value),
});
const sender = new IngestClient({
  environmentUrl: env.dynatraceUrl,
  tokens,
  policy: DEFAULT_RETRY_POLICY,
  connections: env.concurrency,
  logger,
});
// cacheMiddleware: a GetObject per object; without it the SDK resolves and sorts the middleware
// stack again on every call (~1 ms of CPU per object). The SDK's cache skips a send with an abort
// signal, so S3ObjectSource keeps resolved handlers of its own (./object-source.ts). The timeouts: a GetObject whose headers
// never come, or a body that stalls while it is read, fails its object (./object-source.ts).
const source = new S3ObjectSource(new S3Client({ ...logObjectS3Options(), ...LOG_OBJECT_S3_TIMEOUTS, cacheMiddleware: true }));
const rulesSource = new AppConfigRulesSource({ ...env.appConfig, logger });
const tickets = new SqsTicketSink(new SQSClient(TICKET_SQS_CLIENT_CONFIG), env.failureQueueUrl);
const progress = env.progressTable ? new DynamoProgressStore(new DynamoDBClient(PROGRESS_CLIENT_CONFIG), env.progressTable) : undefined;

/** SQS events get a partial batch response (only that key, as Lambda expects; the replay command the summary too); others the summary (./response.ts). */
export async function handler(event: unknown, context: Context): Promise<ForwarderResponse> {
  logger.appendContext({ requestId: context.awsRequestId });
  const result = await handleInvocation(
    event,
    { remainingMs: context.getRemainingTimeInMillis() },
    {
      source,
      sender,
      rulesSource,
      tickets,
      logger,
      metrics,
      forwarder: context.invokedFunctionArn,
      concurrency: env.concurrency,
      safetyMarginMs: env.safetyMarginMs,
      replayMaxAttempts: env.replayMaxAttempts,
      readAhead: env.readAhead,
      progress,
      builtInRulesAllowed: env.builtInRulesAllowed,
    },
  );
  return forwarderResponse(result, context.clientContext);
}
