import { z } from 'zod';
import { DEFAULT_HEAP_GROWING_PERCENT, MAX_HEAP_GROWING_PERCENT, MIN_HEAP_GROWING_PERCENT } from '../../functions/forwarder/heap';
import { alarmPeriodInSeconds, alarmWindowProblem, arn, logRetentionInDays, positiveInt } from './common';
import { reservedConcurrency } from './functions';

export const dynatrace = z
  .strictObject({
    environmentUrl: z
      .url({ protocol: /^https$/, error: 'must be an https:// URL such as https://abc12345.live.dynatrace.com' })
      .describe('Dynatrace environment URL (SaaS or ActiveGate), without a trailing path.'),
    tokenParameterName: z
      .string()
      .regex(/^\/[A-Za-z0-9_.\-/]+$/, { error: 'an SSM parameter name must start with "/" and use letters, digits, "_", ".", "-" and "/"' })
      .default('/trailbridge/dynatrace/api-token')
      .describe('SSM SecureString that holds the Log Ingest token (logs.ingest scope); set by an operator, never by Terraform. @default "/trailbridge/dynatrace/api-token"'),
    tokenKmsKeyArn: arn
      .optional()
      .describe('Customer managed KMS key (in the observability account) that encrypts the token parameter; the forwarder may decrypt with it through SSM only. @default - a key of the observability stack, alias/<name>-dynatrace-token, rotated yearly'),
  })
  .describe('The Dynatrace environment that receives the CloudTrail records.');

const failureQueue = z
  .strictObject({
    retentionInDays: z
      .number()
      .int()
      .min(1)
      .max(14)
      .default(14)
      .describe('Days a replay ticket (or a failed invocation) is kept in the failure queue; SQS allows at most 14. @default 14'),
    maxReceiveCount: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .describe('Receives of a ticket without success before it moves to the dead-letter queue. @default 5'),
    restrictDeadLetterSources: z
      .boolean()
      .default(true)
      .describe('Give the dead-letter queue a redrive-allow policy that accepts the failure queue only. Only emulators without RedriveAllowPolicy (moto) need false. @default true'),
  })
  .describe('The failure queue (replay tickets and failed asynchronous invocations) and its dead-letter queue.');

const alarms = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Create the forwarder alarms. @default true'),
    topicArn: arn
      .optional()
      .describe('Existing SNS topic for alarm and OK notifications (it must let CloudWatch publish). @default - a topic of its own, <name>-forwarder-alarms, encrypted with a key of its own'),
    periodInSeconds: alarmPeriodInSeconds
      .default(300)
      .describe('Period over which each metric is evaluated. @default 300'),
    errorsThreshold: positiveInt.default(1).describe('Function errors in one period that raise the errors alarm. @default 1'),
    failureQueueDepthThreshold: positiveInt
      .default(1)
      .describe('Visible messages in the failure queue (records waiting for replay) that raise the depth alarm. @default 1'),
    oldestTicketAgeInSeconds: positiveInt
      .default(3600)
      .describe('Age of the oldest message in the failure queue that raises the age alarm: tickets not replayed for this long. @default 3600'),
    silenceMinutes: z
      .union([positiveInt, z.literal(false).describe('No silence alarm.')])
      .default(60)
      .describe(
        'Minutes without a record sent to Dynatrace (RecordsSent) that raise the silence alarm, or false for none. CloudTrail delivers a file per account and region about every 5 minutes, so a silent forwarder means a broken pipeline: a trail stopped, a notification or the subscription removed, the function not invoked (which emits no metric, so missing data counts as silence). A whole number of periods (periodInSeconds), at most a day for periods under an hour and 7 days for longer ones (CloudWatch\'s limit). @default 60',
      ),
  })
  .superRefine((options, ctx) => {
    if (typeof options.silenceMinutes !== 'number') return;
    const problem = alarmWindowProblem(options.silenceMinutes, options.periodInSeconds, 'periodInSeconds');
    if (problem) ctx.addIssue({ code: 'custom', path: ['silenceMinutes'], message: problem });
  })
  .describe('CloudWatch alarms on the forwarder: function errors, failure-queue depth, age of its oldest message, dead-lettered tickets, tickets that could not be stored (TicketWriteFailed), rules that could not be loaded from AppConfig (RulesLoadFailed), and silence (no RecordsSent for silenceMinutes).');

/** AppConfig's range for a deployment strategy's duration and bake time: 0 to 24 hours. */
const appConfigMinutes = z.number().int().min(0).max(1440);

const appConfigRollout = z
  .strictObject({
    deploymentDurationInMinutes: appConfigMinutes
      .default(0)
      .describe('Minutes over which a rules deployment reaches every function instance. @default 0 (all at once)'),
    finalBakeTimeInMinutes: appConfigMinutes
      .default(10)
      .describe('Minutes AppConfig watches a finished deployment before it counts as complete. @default 10'),
  })
  .describe('The AppConfig deployment strategy of the forwarding rules.');

export const forwarder = z
  .strictObject({
    memoryInMb: z.number().int().min(128).max(10240).default(256).describe('Function memory. @default 256: the lowest cost per GB forwarded whose p99 invocation stays under a quarter of the timeout (README, Performance)'),
    timeoutInSeconds: z.number().int().min(10).max(900).default(300).describe('Function timeout. @default 300'),
    reservedConcurrency: reservedConcurrency
      .default(10)
      .describe('Reserved concurrency, or false for none. It caps the requests in flight to Dynatrace and what the forwarder can take from the account\'s pool; throttled notifications are retried by Lambda for up to six hours. @default 10'),
    runtime: z.enum(['nodejs20.x', 'nodejs22.x']).default('nodejs22.x').describe('Lambda runtime. @default "nodejs22.x"'),
    logRetentionInDays: logRetentionInDays.default(30).describe('Retention of the function log group. @default 30'),
    appConfigLayerArns: z
      .record(z.string(), arn)
      .default({})
      .describe('AppConfig Lambda extension layer ARN (arm64) per region, overriding the built-in table; needed for a region the table lacks. @default - the built-in table (stacks/constructs/appconfig-extension-layer.ts)'),
    appConfigDeployment: z
      .boolean()
      .default(true)
      .describe('Create the AppConfig environment, deployment strategy and deployment. Only emulators without them (moto) need false; the role then reads the profile in any environment of the application. @default true'),
    appConfigRollout: appConfigRollout.prefault({}),
    failureQueue: failureQueue.prefault({}),
    alarms: alarms.prefault({}),
    s3Checksums: z
      .enum(['unless-gzip', 'all'])
      .default('unless-gzip')
      .describe('Which objects the forwarder checks against the checksum S3 keeps for them (CRC64NVME, recomputed by the SDK in JavaScript: ~2 % of its CPU, README, Performance). "unless-gzip": objects whose key ends in .gz are left to gzip\'s own check (the CRC-32 and length of the decompressed content, which zlib verifies), the others are checked. "all": every object (AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_SUPPORTED). @default "unless-gzip"'),
    heapGrowingPercent: z
      .number()
      .int()
      .min(0)
      .max(MAX_HEAP_GROWING_PERCENT)
      .refine((percent) => percent === 0 || percent >= MIN_HEAP_GROWING_PERCENT, { error: `must be 0 (V8's own growth) or from ${MIN_HEAP_GROWING_PERCENT}: a smaller factor is under V8's own minimum` })
      .default(DEFAULT_HEAP_GROWING_PERCENT)
      .describe(`How far V8 grows the forwarder's old generation after a full collection, in percent of the live size (HEAP_GROWING_PERCENT, functions/forwarder/heap.ts); 0 or ${MIN_HEAP_GROWING_PERCENT}-${MAX_HEAP_GROWING_PERCENT}. Under the heap Lambda gives 256 MB V8 grows it by only ~1.3x and the forwarder collects twice as often: ${DEFAULT_HEAP_GROWING_PERCENT} (a factor of 3) cuts its CPU by a fifth to a third for 10-40 MB more peak RSS (README, Performance); 0 keeps V8's own growth. Not applied from ~2,280 MB of memory, where the old generation's cap reaches 2 GB and V8 grows by up to 4x itself. @default ${DEFAULT_HEAP_GROWING_PERCENT}`),
    sigmaTags: z
      .boolean()
      .default(false)
      .describe('Match every forwarded record against the Sigma rules of events.sigma and add threat.rule.id, threat.rule.name and threat.rule.level (docs/sigma.md). @default false'),
  })
  .describe('The forwarder Lambda in the observability account.');

export type ForwarderOptions = z.output<typeof forwarder>;
export type DynatraceOptions = z.output<typeof dynatrace>;
