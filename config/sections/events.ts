import { z } from 'zod';
import { positiveInt } from './common';

/** EventBridge: the per-region forwarding rules of a source account, and the central bus. */

export const forwardingRules = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Create a forwarding rule in every enabled region.'),
    readOnlyEvents: z
      .boolean()
      .default(false)
      .describe('Also forward read-only management events (rule state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS).'),
    includeSources: z.array(z.string()).default([]).describe('Forward only these event sources (e.g. "s3.amazonaws.com"). @default - all'),
    excludeSources: z.array(z.string()).default([]).describe('Never forward these event sources. @default - none'),
  })
  .describe('The rule in each region of a source account that sends API calls to the central bus.');

export const TARGET_KINDS = ['sns', 'sqs', 'lambda', 'logs', 'kinesis'] as const;

const useCase = z.strictObject({
  enabled: z.boolean().default(true),
  target: z.enum(TARGET_KINDS).optional().describe('Override the use case\'s default target.'),
});

const customRule = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, { error: 'a rule name uses lowercase letters, digits and "-", at most 41 characters' }),
  description: z.string().default(''),
  pattern: z.record(z.string(), z.unknown()).describe('An EventBridge event pattern.'),
  target: z.enum(TARGET_KINDS).default('sns'),
});

export const events = z
  .strictObject({
    busName: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/).optional().describe('Central bus name. @default - <name>-central'),
    archiveRetentionInDays: z.number().int().min(0).default(30).describe('Archive retention for replay (0 keeps forever).'),
    useCases: z.record(z.string(), useCase).default({}).describe('Use-case rules by id, enabled and configured here.'),
    customRules: z.array(customRule).default([]),
    alertEmails: z.array(z.email()).default([]).describe('Email subscriptions of the alert topic.'),
    retryAttempts: z.number().int().min(0).max(185).default(185),
    maxEventAgeInSeconds: positiveInt.max(86400).default(86400),
  })
  .describe('The central bus in the security account, its use-case rules and targets.');
