import { z } from 'zod';

/**
 * The responder's configuration: one JSON document in the `RESPONDER_CONFIG` environment variable,
 * validated once at cold start. A response absent from `responses` is off; a response present
 * without `mode` runs in `report` mode (decide, log, alert; change nothing).
 */

export const RESPONSE_IDS = ['block-public-bucket', 'require-mfa-for-new-users', 'tag-instance-owner', 'database-deleted', 'audit-evidence'] as const;
export type ResponseId = (typeof RESPONSE_IDS)[number];
export type Mode = 'report' | 'enforce';

const ACCOUNT_ID = /^\d{12}$/;
const mode = z.enum(['report', 'enforce']).default('report');
const arn = (what: string) => z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:/, `must be an ARN (${what})`);

const responsesSchema = z
  .object({
    'block-public-bucket': z
      .object({
        mode,
        exemptBuckets: z.array(z.string().min(3)).default([]),
        exemptTag: z.object({ key: z.string().min(1), value: z.string().optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    'require-mfa-for-new-users': z
      .object({ mode, exemptPaths: z.array(z.string().startsWith('/')).default([]), exemptNamePrefixes: z.array(z.string().min(1)).default([]) })
      .strict()
      .optional(),
    'tag-instance-owner': z
      .object({
        mode,
        tagKeys: z.object({ owner: z.string().min(1).max(128), role: z.string().min(1).max(128).optional(), session: z.string().min(1).max(128).optional() }).strict(),
      })
      .strict()
      .optional(),
    'database-deleted': z.object({ mode }).strict().optional(),
    'audit-evidence': z.object({ mode }).strict().optional(),
  })
  .strict();

export const responderConfigSchema = z
  .object({
    partition: z.enum(['aws', 'aws-cn', 'aws-us-gov']).default('aws'),
    alertTopicArn: arn('the SNS alert topic').optional(),
    selfRoleArns: z.array(arn('an IAM role')).min(1, 'list the responder function role and every source responder role'),
    accounts: z.record(
      z.string(),
      z.object({ roleArn: arn('the source account responder role'), mfaPolicyArn: arn('the MFA policy of that account') }).strict(),
    ),
    evidence: z
      .object({
        bucket: z.string().min(3).max(63),
        bucketOwner: z.string().regex(ACCOUNT_ID, 'must be the 12-digit account id of the evidence bucket').optional(),
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name').optional(),
        kmsKeyArn: arn('the evidence KMS key'),
        rules: z.array(z.string().min(1)),
      })
      .strict()
      .optional(),
    responses: responsesSchema,
  })
  .strict()
  .superRefine((config, ctx) => {
    // The key says where an event came from; the role is where the responder acts. They must agree.
    for (const [id, account] of Object.entries(config.accounts)) {
      for (const [field, kind] of [['roleArn', 'role'], ['mfaPolicyArn', 'policy']] as const) {
        if (account[field].startsWith(`arn:${config.partition}:iam::${id}:${kind}/`)) continue;
        const message = `${JSON.stringify(account[field])} is not an IAM ${kind} of account ${id} in partition ${config.partition} (arn:${config.partition}:iam::${id}:${kind}/...); the responder would act in another account`;
        ctx.addIssue({ code: 'custom', path: ['accounts', id, field], message });
      }
    }
    if (config.evidence && !config.evidence.bucketOwner && !ACCOUNT_ID.test(config.evidence.kmsKeyArn.split(':')[4] ?? '')) {
      ctx.addIssue({ code: 'custom', path: ['evidence', 'bucketOwner'], message: 'is required when kmsKeyArn names no account: the account of the evidence bucket' });
    }
    if (config.responses['audit-evidence'] && !config.evidence) {
      ctx.addIssue({ code: 'custom', path: ['evidence'], message: 'is required when responses["audit-evidence"] is on: name the evidence bucket, its KMS key and the sensitive rules' });
    }
  });

export type ResponderConfig = z.infer<typeof responderConfigSchema>;

/** Thrown when RESPONDER_CONFIG is missing, not JSON, or not a valid configuration. */
export class ResponderConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`RESPONDER_CONFIG is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ResponderConfigError';
  }
}

/** `accounts["111111111111"].roleArn`, `responses["block-public-bucket"].mode`, `selfRoleArns[0]`. */
function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(key))) out += out === '' ? String(key) : `.${String(key)}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(root)' : out;
}

/** Validates a configuration object; every problem is listed with its JSON path. */
export function parseResponderConfig(raw: unknown): ResponderConfig {
  const result = responderConfigSchema.safeParse(raw);
  // Checked apart from the schema so a bad key is reported with the other problems, not after them.
  const accounts = typeof raw === 'object' && raw !== null ? (raw as { accounts?: unknown }).accounts : undefined;
  const keyProblems = (typeof accounts === 'object' && accounts !== null ? Object.keys(accounts) : [])
    .filter((id) => !ACCOUNT_ID.test(id))
    .map((id) => `${jsonPath(['accounts', id])}: ${JSON.stringify(id)} is not a 12-digit AWS account id; write all 12 digits, leading zeros included`);
  if (result.success && keyProblems.length === 0) return result.data;
  const issues = result.success ? [] : result.error.issues.map((issue) => `${jsonPath(issue.path)}: ${issue.message}`);
  throw new ResponderConfigError([...keyProblems, ...issues]);
}

/** Reads and validates `RESPONDER_CONFIG` from the environment. */
export function responderConfigFromEnv(env: Readonly<Record<string, string | undefined>>): ResponderConfig {
  const text = env.RESPONDER_CONFIG?.trim();
  if (!text) throw new ResponderConfigError(['Environment variable RESPONDER_CONFIG is required (the JSON document described in functions/responder/README.md)']);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ResponderConfigError([`(root): not JSON (${(err as Error).message})`]);
  }
  return parseResponderConfig(raw);
}
