import { z } from 'zod';
import { logRetentionInDays } from './common';
import { forwardingRules } from './events';

/** Per-source-account options: the trail and the regional EventBridge forwarding rules. */

export const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const bucketName = z.string().superRefine((value, ctx) => {
  const problems: string[] = [];
  if (!BUCKET_NAME_PATTERN.test(value)) problems.push('3-63 characters of lowercase letters, digits, "." and "-", starting and ending with a letter or digit');
  if (/\.\.|\.-|-\./.test(value)) problems.push('no "..", ".-" or "-."');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) problems.push('not formatted as an IP address');
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(value) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(value)) problems.push('no reserved prefix (xn--, sthree-) or suffix (-s3alias, --ol-s3, --x-s3)');
  if (value.includes('.')) problems.push('no "." (dots break TLS virtual-host addressing, which the TLS-only policy requires)');
  if (problems.length) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a valid S3 bucket name; it needs ${problems.join('; ')}` });
  }
});

const dataEventFilter = z.strictObject({
  include: z
    .array(z.string())
    .default([])
    .describe('ARN prefixes to log (resources.ARN StartsWith). Empty: every resource of that type.'),
  exclude: z.array(z.string()).default([]).describe('ARN prefixes never to log (resources.ARN NotStartsWith).'),
});

export const sourceOptions = z
  .strictObject({
    bucketName: bucketName.describe('Bucket in the log-archive account that receives this account\'s trail.'),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()/-]*[A-Za-z0-9!_.*'()-]$|^$/, { error: 'a key prefix may not end with "/" and uses S3-safe characters only' })
      .default('')
      .describe('Key prefix before AWSLogs/. @default - none'),
    dataEvents: z
      .strictObject({
        s3: dataEventFilter.optional().describe('S3 object-level events. @default - off'),
        lambda: dataEventFilter.optional().describe('Lambda Invoke events. @default - off'),
      })
      .default({})
      .describe('Data events through advanced event selectors. @default - management events only'),
    insights: z
      .array(z.enum(['ApiCallRateInsight', 'ApiErrorRateInsight']))
      .default([])
      .describe('CloudTrail Insights types. @default - none'),
    cloudWatchLogs: z
      .strictObject({ retentionInDays: logRetentionInDays.default(90) })
      .optional()
      .describe('Also deliver the trail to a CloudWatch Logs group in this account. @default - off'),
    forwarding: forwardingRules.prefault({}).describe('The per-region EventBridge rules that send API calls to the central bus.'),
  })
  .describe('Options of a source account (one trail, one bucket, regional forwarding rules).');

export type SourceOptions = z.output<typeof sourceOptions>;

export const trails = z
  .strictObject({
    mode: z
      .enum(['account', 'organization'])
      .default('account')
      .describe('account: one trail per source account. organization: one organization trail in the management account.'),
    enableLogging: z
      .boolean()
      .default(true)
      .describe('Start logging when the trail is created. Only emulators without StartLogging need false.'),
  })
  .describe('How CloudTrail trails are laid out.');
