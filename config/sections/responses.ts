import { z } from 'zod';
import { positiveInt } from './common';

/**
 * Responses (flow 2, second half): what the responder function does when a use case fires.
 * Nothing changes in a source account unless a response says `enforce`.
 */

export const RESPONSE_IDS = ['block-public-bucket', 'require-mfa-for-new-users', 'tag-instance-owner', 'database-deleted', 'audit-evidence'] as const;
export type ResponseId = (typeof RESPONSE_IDS)[number];

export const RESPONSE_MODES = ['report', 'enforce'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

const mode = z
  .enum(RESPONSE_MODES)
  .default('report')
  .describe('report: decide, log and publish "would have done X", change nothing; enforce: do it, then publish "did X". @default "report"');

const enabled = z.boolean().default(true).describe('@default true (when the response is listed)');

const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'a bucket name has 3-63 lowercase letters, digits, "." and "-"' });
const tagKey = z.string().min(1).max(128).regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, { error: 'a tag key uses letters, digits, spaces and _ . : / = + - @' });

export const blockPublicBucket = z.strictObject({
  enabled,
  mode,
  exemptBuckets: z.array(bucketName).default([]).describe('Buckets meant to be public: never changed. @default - none'),
  exemptTag: z
    .strictObject({ key: tagKey, value: z.string().max(256).optional().describe('@default - any value') })
    .optional()
    .describe('Buckets carrying this tag are meant to be public: never changed. @default - none'),
});

export const requireMfaForNewUsers = z.strictObject({
  enabled,
  mode,
  exemptPaths: z
    .array(z.string().regex(/^\/([\x21-\x7e]+\/)?$/, { error: 'an IAM path starts and ends with "/", e.g. "/service/"' }))
    .default([])
    .describe('Users under these paths (service users) are left alone. @default - none'),
  exemptNamePrefixes: z
    .array(
      z
        .string()
        .min(1)
        .max(64)
        .regex(/^[\w+=,.@-]+$/, { error: 'an IAM user name has only letters, digits and +=,.@_- (the prefix is also an ARN pattern in the responder role\'s Deny, where * and ? are wildcards); use exemptPaths for a path' }),
    )
    .default([])
    .describe('Users whose name starts with one of these are left alone (the responder role also denies attaching to them, under any path). @default - none'),
});

export const tagInstanceOwner = z.strictObject({
  enabled,
  mode,
  tagKeys: z
    .strictObject({
      owner: tagKey.default('Owner').describe('The principal ARN of who launched or started the instance. @default "Owner"'),
      role: tagKey.optional().describe('For an assumed role, the role ARN. @default - not tagged'),
      session: tagKey.optional().describe('For an assumed role, the session name. @default - not tagged'),
    })
    .prefault({})
    .superRefine((keys, ctx) => {
      const seen = new Map<string, string>();
      for (const [what, key] of Object.entries(keys)) {
        if (key === undefined) continue;
        if (key.toLowerCase().startsWith('aws:')) {
          ctx.addIssue({ code: 'custom', path: [what], message: `${JSON.stringify(key)} begins with "aws:", which AWS reserves: EC2 refuses such a tag key, so every CreateTags of the responder would fail; choose another key` });
        }
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [what], message: `${JSON.stringify(key)} is already the ${seen.get(key)} tag key; give each tag its own key` });
        seen.set(key, what);
      }
    })
    .describe('Tag keys written; an existing tag is never overwritten.'),
});

/** The alert names who deleted what, where, and the final snapshot; it acts on nothing, so mode changes nothing. */
export const databaseDeleted = z.strictObject({
  enabled,
  mode,
});

/** Evidence is written in both modes (it changes nothing in a source account). */
export const auditEvidence = z.strictObject({
  enabled,
  mode,
  useCases: z
    .array(z.string())
    .optional()
    .describe('Use cases (catalog ids, enabled) whose events get an audit report. @default - every enabled use case whose target is sns'),
  retentionInDays: positiveInt.max(36500).default(365).describe('Object Lock retention (COMPLIANCE mode: nobody can delete a report before its time) of each report. @default 365'),
  kmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-f0-9-]+$/, { error: 'write a key ARN as arn:aws:kms:<region>:<account>:key/<key id>' })
    .optional()
    .describe('ARN of the evidence key (output evidence_key_arn of the log-archive stack), once it exists; the responder names it on every PutObject. @default - the key\'s alias ARN'),
});

export const responses = z
  .strictObject({
    'block-public-bucket': blockPublicBucket.optional(),
    'require-mfa-for-new-users': requireMfaForNewUsers.optional(),
    'tag-instance-owner': tagInstanceOwner.optional(),
    'database-deleted': databaseDeleted.optional(),
    'audit-evidence': auditEvidence.optional(),
  })
  .describe('Responses the responder function makes, by id (docs/flow-2-events.md#responses). A response not listed is off. @default - none');

export type ResponsesOptions = z.output<typeof responses>;
