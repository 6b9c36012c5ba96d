import { EnvReader } from '../lib/env';
import { LogLevel, Logger } from '../lib/logger';
import { BucketCreationResult, readBucketCreation } from './bucket-creation';

/**
 * The bucket-logger: target of the central `s3-bucket-created` rule. It writes one structured JSON
 * line per new bucket (account, region, bucket name, creator) to its CloudWatch log group, where
 * Logs Insights can query them. An event that is not a successful CreateBucket is logged as
 * skipped and not retried: retrying would not change it.
 */

const LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

const env = new EnvReader(process.env);
const levelName = env.optional('LOG_LEVEL')?.toUpperCase();
const logger = new Logger({
  service: 'bucket-logger',
  level: LEVELS.find((l) => l === levelName) ?? 'INFO',
});

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
