import { z } from 'zod';
import { positiveInt } from './common';

export const logArchive = z
  .strictObject({
    accessLogBucketName: z
      .string()
      .optional()
      .describe('Bucket that receives S3 server access logs of the trail buckets. @default - <name>-access-logs-<log-archive account id>'),
    lifecycle: z
      .strictObject({
        transitionAfterDays: positiveInt.default(90).describe('Days before log files move to the cheaper storage class.'),
        storageClass: z.enum(['STANDARD_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE']).default('GLACIER_IR'),
        expirationDays: positiveInt.default(2557).describe('Days before log files expire (7 years by default).'),
        noncurrentExpirationDays: positiveInt.default(30).describe('Days before replaced object versions expire.'),
      })
      .prefault({}),
    objectLock: z
      .strictObject({ mode: z.enum(['GOVERNANCE', 'COMPLIANCE']), days: positiveInt })
      .optional()
      .describe('WORM retention for the trail buckets. @default - off'),
    notifications: z
      .strictObject({
        mode: z
          .enum(['direct', 'lambda'])
          .default('direct')
          .describe('direct: S3 publishes to SNS. lambda: S3 invokes the notifier Lambda, which publishes with message attributes.'),
        sqsBuffer: z.boolean().default(false).describe('Subscribe an encrypted SQS queue (with DLQ) to the topic as a buffer.'),
      })
      .prefault({}),
  })
  .describe('The log-archive account: trail buckets, their CMK, notifications and the SNS topic.');
