import { EnvReader } from '../lib/env';
import { functionLogger } from '../lib/function-logger';
import { Metrics } from '../lib/metrics';
import { assumingRoleClients, responderClients } from './clients';
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
const own = config && responderClients(config, region);
const deps = config && own && { config, sourceClients: assumingRoleClients(own.sts, config), evidenceS3: own.evidenceS3, sns: own.sns, logger, metrics };

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
