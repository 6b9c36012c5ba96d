import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { EnvReader } from '../lib/env';
import { functionLogger } from '../lib/function-logger';
import { Metrics } from '../lib/metrics';
import { assumingRoleClients } from './clients';
import { responderConfigFromEnv, type ResponderConfig } from './config';
import { respond, type RespondResult } from './executor';
import { RESPONDER_METRICS_DIMENSIONS, RESPONDER_METRICS_NAMESPACE } from './metric-names';

/**
 * The responder: target of the central bus's response rules. Configuration and clients are built
 * once per cold start; each invocation hands the event to the executor. A bad RESPONDER_CONFIG is
 * logged and thrown on every invocation, so the events wait in the DLQ until it is fixed.
 */

const env = new EnvReader(process.env);
const logger = functionLogger('responder', process.env);
const metrics = new Metrics({ namespace: env.optional('METRICS_NAMESPACE') ?? RESPONDER_METRICS_NAMESPACE, dimensions: RESPONDER_METRICS_DIMENSIONS });

let config: ResponderConfig | undefined;
let configError: Error | undefined;
try {
  config = responderConfigFromEnv(process.env);
} catch (err) {
  configError = err as Error;
}

const region = env.optional('AWS_REGION');
const deps = config && {
  config,
  sourceClients: assumingRoleClients(new STSClient({ region }), config),
  // The evidence bucket may live in another region than the function (evidence.region).
  evidenceS3: new S3Client({ region: config.evidence?.region ?? region }),
  sns: new SNSClient({ region }),
  logger,
  metrics,
};

export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<RespondResult> {
  const log = context?.awsRequestId ? logger.child({ requestId: context.awsRequestId }) : logger;
  try {
    if (!deps) {
      log.error('configuration invalid', { error: configError });
      metrics.add('ConfigurationInvalid', 'Count', 1);
      throw configError;
    }
    return await respond(event, { ...deps, logger: log });
  } finally {
    metrics.flush();
  }
}
