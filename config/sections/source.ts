import { z } from 'zod';
import { arn, logRetentionInDays } from './common';
import { forwardingRules } from './events';
import { Problem } from '../problems';
import { forwardingDeployment } from './stack-sets';

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

/**
 * The options of one trail, shared by a source account's own trail (account mode) and the
 * organization trail (organization mode).
 */
const trailOptionFields = {
  keyPrefix: z
    .string()
    .regex(/^[A-Za-z0-9!_.*'()/-]*[A-Za-z0-9!_.*'()-]$|^$/, { error: 'a key prefix may not end with "/" and uses S3-safe characters only' })
    .default('')
    .describe('Key prefix before AWSLogs/. @default - none'),
  dataEvents: z
    .strictObject({
      s3: dataEventFilter
        .optional()
        .describe('S3 object-level events. The trail buckets themselves are always excluded, so the trail never logs its own deliveries. @default - off'),
      lambda: dataEventFilter.optional().describe('Lambda Invoke events. @default - off'),
    })
    .default({})
    .describe('Data events through advanced event selectors. @default - management events only'),
  insights: z
    .array(z.enum(['ApiCallRateInsight', 'ApiErrorRateInsight']))
    .default([])
    .describe('CloudTrail Insights types. @default - none'),
  cloudWatchLogs: z
    .strictObject({ retentionInDays: logRetentionInDays.default(90).describe('@default 90') })
    .optional()
    .describe('Also deliver the trail to a CloudWatch Logs group in the trail\'s account (log group, role, retention). @default - off'),
};

export const sourceOptions = z
  .strictObject({
    bucketName: bucketName
      .optional()
      .describe(
        'Bucket in the log-archive account that receives this account\'s trail. Required when trails.mode is "account"; in "organization" mode every account delivers to trails.organization.bucketName and this is not allowed. @default - none',
      ),
    ...trailOptionFields,
    forwarding: forwardingRules.prefault({}).describe('The per-region EventBridge rules that send API calls to the central bus.'),
    forwardingDeployment,
  })
  .describe('Options of a source account (one trail, one bucket, regional forwarding rules).');

export type SourceOptions = z.output<typeof sourceOptions>;

export const organizationTrailOptions = z
  .strictObject({
    bucketName: bucketName
      .optional()
      .describe('Bucket in the log-archive account that receives the organization trail. @default - <name>-org-trail-<log-archive account id>'),
    ...trailOptionFields,
  })
  .describe('The organization trail (trails.mode "organization"): one trail in the management account for every account of the organization.');

export const trails = z
  .strictObject({
    mode: z
      .enum(['account', 'organization'])
      .default('account')
      .describe('account: one trail per source account. organization: one organization trail in the management account (needs organization.id and organization.managementAccount). @default "account"'),
    organization: organizationTrailOptions.prefault({}).describe('Options of the organization trail; used in organization mode only.'),
    enableLogging: z
      .boolean()
      .default(true)
      .describe('Start logging when the trail is created. Only emulators without StartLogging need false. @default true'),
    kmsKeyArn: arn
      .optional()
      .describe(
        'Key ARN of the log-archive CMK (output cloudtrail_key_arn of the log-archive stack), when you would rather pin it than look it up. @default - looked up through the alias (see resolveKeyArn)',
      ),
    resolveKeyArn: z
      .boolean()
      .default(true)
      .describe(
        'Look the log-archive CMK\'s key ARN up through its alias (an aws_kms_key data source; the key policy lets the trail accounts describe the key). CloudTrail stores the key ARN even when given the alias ARN, so a trail given the alias would show a kms_key_id change on every plan. Only emulators that cannot describe a key across accounts need false; the alias ARN is then used. @default true',
      ),
  })
  .describe('How CloudTrail trails are laid out.');

export type TrailOptions = z.output<typeof organizationTrailOptions>;

const TRAIL_OPTION_KEYS = ['bucketName', 'keyPrefix', 'dataEvents', 'insights', 'cloudWatchLogs'] as const;

/**
 * Cross-field rules of the trail layout, on a raw or parsed topology document (every access is
 * defensive, like config/validate.ts): in account mode every source account names its bucket; in
 * organization mode the organization trail's options live in trails.organization alone, so a
 * source account's own trail options would be silently ignored and are refused.
 */
export function trailLayoutProblems(raw: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!isRecord(raw)) return problems;
  const mode = isRecord(raw.trails) && raw.trails.mode === 'organization' ? 'organization' : 'account';
  const accounts = Array.isArray(raw.accounts) ? raw.accounts : [];
  accounts.forEach((acct, i) => {
    if (!isRecord(acct) || !isRecord(acct.source)) return;
    const source = acct.source;
    if (mode === 'account' && source.bucketName === undefined) {
      problems.push({
        path: `accounts[${i}].source.bucketName`,
        message: 'is required when trails.mode is "account"; name the bucket in the log-archive account that receives this account\'s trail',
      });
    }
    if (mode === 'organization') {
      for (const key of TRAIL_OPTION_KEYS) {
        if (isSet(source[key])) {
          problems.push({
            path: `accounts[${i}].source.${key}`,
            message: 'has no effect when trails.mode is "organization" (one organization trail logs every account); move it to trails.organization or remove it',
          });
        }
      }
    }
  });
  const kmsKeyArn = isRecord(raw.trails) ? raw.trails.kmsKeyArn : undefined;
  if (typeof kmsKeyArn === 'string' && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/.test(kmsKeyArn)) {
    problems.push({
      path: 'trails.kmsKeyArn',
      message: `${JSON.stringify(kmsKeyArn)} is not a KMS key ARN; copy the output cloudtrail_key_arn of the log-archive stack (arn:aws:kms:<region>:<account>:key/<id>)`,
    });
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Set by the user: defaults the schema fills in (empty string, list or object) do not count. */
function isSet(value: unknown): boolean {
  if (value === undefined || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.values(value).some((v) => v !== undefined);
  return true;
}
