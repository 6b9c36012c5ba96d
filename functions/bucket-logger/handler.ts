import { functionLogger } from '../lib/function-logger';
import { Logger } from '../lib/logger';
import { BucketCreationResult, readBucketCreation } from './bucket-creation';

/**
 * The bucket-logger: target of the central `s3-bucket-created` rule. It writes one structured JSON
 * line per new bucket (account, region, bucket name, creator) to its CloudWatch log group, where
 * Logs Insights can query them. An event that is not a successful CreateBucket is logged as
 * skipped and not retried: retrying would not change it.
 */

const logger = functionLogger('bucket-logger', process.env);

export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<BucketCreationResult> {
  return logBucketCreation(event, context?.awsRequestId ? logger.child({ requestId: context.awsRequestId }) : logger);
}

/** Reads the event and writes the line; exported for tests with a capturing logger. */
export function logBucketCreation(event: unknown, log: Logger): BucketCreationResult {
  const result = readBucketCreation(event);
  if (result.kind === 'created') log.info('S3 bucket created', { ...result.bucket });
  else log.warn('event skipped', { reason: result.reason, eventId: result.eventId });
  return result;
}
