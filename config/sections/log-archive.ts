import { z } from 'zod';
import { positiveInt, stackAlarms } from './common';
import { bucketName } from './source';

/** Days an object must have been in S3 Standard before a lifecycle rule may move it to these classes. */
const MINIMUM_TRANSITION_DAYS: Partial<Record<string, number>> = { STANDARD_IA: 30 };

const lifecycle = z
  .strictObject({
    transitionAfterDays: positiveInt.default(90).describe('Days before log files move to the cheaper storage class. @default 90'),
    storageClass: z
      .enum(['STANDARD_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'])
      .default('GLACIER_IR')
      .describe('Storage class log files move to. @default "GLACIER_IR"'),
    expirationDays: positiveInt.default(2557).describe('Days before log files expire (7 years by default). @default 2557'),
    noncurrentExpirationDays: positiveInt.default(30).describe('Days before replaced object versions expire. @default 30'),
  })
  .superRefine((value, ctx) => {
    const minimumDays = MINIMUM_TRANSITION_DAYS[value.storageClass];
    if (minimumDays !== undefined && value.transitionAfterDays < minimumDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['transitionAfterDays'],
        message: `${value.transitionAfterDays} is too early for ${value.storageClass}; S3 moves objects there only after at least ${minimumDays} days (PutBucketLifecycleConfiguration refuses less); raise it to ${minimumDays} or choose GLACIER_IR`,
      });
    }
    if (value.expirationDays <= value.transitionAfterDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['expirationDays'],
        message: `${value.expirationDays} is not after transitionAfterDays (${value.transitionAfterDays}); expire log files later than they move, or raise transitionAfterDays`,
      });
    }
  });

const alarms = stackAlarms({
  enabled:
    'Create the log-archive alarms: failed deliveries of the notification topic, and in lambda mode the notifier\'s errors and its on-failure queue, and with sqsBuffer the buffer\'s dead-letter queue. @default true',
  topicArn:
    'Existing SNS topic, in the log-archive account and the home region, for alarm and OK notifications (it must let CloudWatch publish). @default - a topic of its own, <name>-log-archive-alarms, encrypted with a key of its own',
  option:
    'CloudWatch alarms on the notification path, which nothing else watches: a log file that is never announced is never forwarded. Only for what the topology creates: the topic\'s failed deliveries, the notifier (lambda mode) and the buffer\'s dead-letter queue (sqsBuffer).',
});

export const logArchive = z
  .strictObject({
    accessLogBucketName: bucketName
      .optional()
      .describe('Bucket that receives S3 server access logs of the trail buckets. @default - <name>-access-logs-<log-archive account id>'),
    accessLogExpirationDays: positiveInt
      .default(365)
      .describe('Days before S3 server access logs of the trail buckets expire. @default 365'),
    lifecycle: lifecycle.prefault({}).describe('Lifecycle of the log files in the trail buckets.'),
    objectLock: z
      .strictObject({
        mode: z.enum(['GOVERNANCE', 'COMPLIANCE']).describe('COMPLIANCE: nobody, root included, can delete a locked version before its time.'),
        days: positiveInt.describe('Default retention of every new object version.'),
      })
      .optional()
      .describe('WORM retention for the trail buckets. Can be turned on later without replacing the buckets (the lock configuration enables Object Lock on the versioned bucket); it then locks only object versions written after that apply. S3 never turns Object Lock off again. @default - off'),
    forceDestroy: z
      .boolean()
      .default(false)
      .describe('Let `terraform destroy` delete the trail and access-log buckets with their objects. For test environments and emulators only. @default false'),
    notifications: z
      .strictObject({
        mode: z
          .enum(['direct', 'lambda'])
          .default('direct')
          .describe('direct: S3 publishes to SNS. lambda: S3 invokes the notifier Lambda, which publishes with message attributes. @default "direct"'),
        sqsBuffer: z
          .boolean()
          .default(false)
          .describe('Subscribe an SQS queue (encrypted with the CMK, with a dead-letter queue, raw delivery) to the topic as a buffer. @default false'),
      })
      .prefault({}),
    alarms: alarms.prefault({}),
  })
  .describe('The log-archive account: trail buckets, their CMK, notifications and the SNS topic.');
