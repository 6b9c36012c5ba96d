import { z } from 'zod';
import { logRetentionInDays, positiveInt, uniqueEmails } from './common';
import { apiDestination, destination, stateMachine } from './destinations';
import { sigmaRules } from './sigma';
import { TARGET_KINDS, type TargetKind } from './target-kinds';

/**
 * EventBridge (flow 2): the per-region forwarding rules of a source account, and the central bus
 * with its use-case rules and targets. Which use cases exist is the catalog's business
 * (stacks/catalog); ids given here are checked against it at synth time.
 */

/** EventBridge's own bounds on a target's retry policy. */
const retryAttempts = z.number().int().min(0).max(185);
const maxEventAgeInSeconds = positiveInt.min(60).max(86400);

export const forwardingRules = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Create a forwarding rule in every enabled region. @default true'),
    readOnlyEvents: z
      .boolean()
      .default(false)
      .describe('Also forward read-only management events (Describe*, Get*, List*): rule state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS. They are many times the volume of change events. @default false'),
    includeSources: z
      .array(z.string().regex(/^[a-z0-9.-]+\.amazonaws\.com$/, { error: 'an event source is written as CloudTrail does, e.g. "s3.amazonaws.com"' }))
      .default([])
      .describe('Forward only these event sources (detail.eventSource, e.g. "s3.amazonaws.com"; console sign-ins are "signin.amazonaws.com"). @default - all'),
    excludeSources: z
      .array(z.string().regex(/^[a-z0-9.-]+\.amazonaws\.com$/, { error: 'an event source is written as CloudTrail does, e.g. "s3.amazonaws.com"' }))
      .default([])
      .describe('Never forward these event sources. @default - none'),
    globalEventsFromUsEast1: z
      .boolean()
      .default(true)
      .describe('When us-east-1 (us-gov-west-1 in aws-us-gov, cn-north-1 in aws-cn) is not an enabled region, still create a rule there that forwards only the events of global services (IAM, STS, sign-in, CloudFront, Organizations, Route 53), which reach EventBridge in that region only. @default true'),
    retryAttempts: retryAttempts.default(185).describe('Retries of the central-bus target before the event goes to the dead-letter queue. @default 185'),
    maxEventAgeInSeconds: maxEventAgeInSeconds.default(86400).describe('How long EventBridge keeps retrying the central-bus target. @default 86400'),
  })
  .superRefine((value, ctx) => {
    if (value.includeSources.length > 0 && value.excludeSources.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['excludeSources'],
        message: 'give includeSources or excludeSources, not both; leave the excluded sources out of includeSources instead',
      });
    }
  })
  .describe('The rule in each region of a source account that sends API calls and console sign-ins to the central bus.');

export type ForwardingOptions = z.output<typeof forwardingRules>;

export { TARGET_KINDS, type TargetKind };

const targetKind = z
  .enum(TARGET_KINDS)
  .describe('sns: the alert topic; sqs: the buffer queue; lambda: a function (the bucket-logger unless functionArn); logs: the central log group; kinesis: the event stream; servicenow, jira, webhook: an API destination of events.apiDestinations; stepfunctions: a state machine of events.stateMachines.');

const functionArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}$/, { error: 'write a function ARN as arn:aws:lambda:<region>:<account>:function:<name>' })
  .optional()
  .describe('Function invoked when the target is lambda; it must be in the security account and the home region. @default - the bucket-logger');

const useCase = z.strictObject({
  enabled: z.boolean().optional().describe('Whether the rule exists. @default - the catalog\'s default (every use case except all-api-calls)'),
  target: targetKind.optional().describe('Override the use case\'s default target. @default - the catalog\'s default target'),
  functionArn,
  destination,
});

export const customRule = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,40}$/, { error: 'a rule name uses lowercase letters, digits and "-", at most 41 characters' })
    .describe('Rule id; the physical rule name is <name prefix>-<name>. Must not repeat a catalog id.'),
  description: z.string().max(400).default('').describe('@default - none'),
  pattern: z.record(z.string(), z.unknown()).describe('An EventBridge event pattern, validated at synth time as PutRule would.'),
  target: targetKind.default('sns').describe('@default "sns"'),
  functionArn,
  destination,
});

export type CustomRuleOptions = z.output<typeof customRule>;

const snsTopicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
  error: (issue) => `${JSON.stringify(issue.input)} is not an SNS topic ARN; write it as arn:aws:sns:<home region>:<security account>:<topic name>`,
});

export const events = z
  .strictObject({
    busName: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/).optional().describe('Central bus name. @default - <name>-central'),
    archiveRetentionInDays: z.number().int().min(0).default(30).describe('Archive retention for replay (0 keeps forever). @default 30'),
    useCases: z
      .record(z.string(), useCase)
      .default({})
      .describe('Use-case rules of the catalog (docs/flow-2-events.md) by id, switched on or off and retargeted here. @default - the catalog\'s defaults'),
    customRules: z.array(customRule).default([]).describe('Rules with any pattern, on the central bus. @default - none'),
    alertEmails: uniqueEmails('alertEmails').default([]).describe('Email subscriptions of the alert topic (each must be confirmed). @default - none'),
    opsEmails: uniqueEmails('opsEmails')
      .default([])
      .describe('Email subscriptions of the operations topics that the flow 2 alarms notify: the central one and one in every region a source account forwards from (each must be confirmed). @default - none'),
    opsTopicArn: snsTopicArn
      .optional()
      .describe('Existing SNS topic in the security account and home region for the central alarms (it must let CloudWatch publish). The source regions keep topics of their own with opsEmails. @default - a topic of its own, <name>-events-ops, encrypted with a key of its own'),
    retryAttempts: retryAttempts.default(185).describe('Retries of every central target before the event goes to the dead-letter queue. @default 185'),
    maxEventAgeInSeconds: maxEventAgeInSeconds.default(86400).describe('How long EventBridge keeps retrying a central target. @default 86400'),
    logRetentionInDays: logRetentionInDays.default(365).describe('Retention of the central log group (logs target). @default 365'),
    bufferRetentionInSeconds: z
      .number()
      .int()
      .min(60)
      .max(1209600)
      .default(1209600)
      .describe('How long the SQS buffer (sqs target) keeps a message. @default 1209600 (14 days)'),
    kinesisShardCount: positiveInt
      .max(500)
      .optional()
      .describe('Shards of the event stream (kinesis target). @default - on-demand capacity'),
    apiDestinations: z.array(apiDestination).default([]).describe('ServiceNow, Jira Cloud and webhook endpoints the rules may target (docs/flow-2-events.md). @default - none'),
    connectionKmsKeyArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-f0-9-]+$/, { error: 'write a key ARN as arn:aws:kms:<region>:<account>:key/<key id>' })
      .optional()
      .describe('Customer managed KMS key that encrypts the credentials of the apiDestinations\' connections instead of the stack\'s own; it must carry the tag EventBridgeApiDestinations = true and a key policy that lets Secrets Manager use it for the connections (docs/flow-2-events.md). @default - a key of the security-events stack, alias/<name>-event-connections, rotated yearly'),
    stateMachines: z.array(stateMachine).default([]).describe('Step Functions state machines the rules may start (stepfunctions target). @default - none'),
    sigma: sigmaRules.optional().describe('Sigma rules for AWS CloudTrail compiled into central rules (docs/sigma.md). @default - none'),
  })
  .describe('The central bus in the security account, its use-case rules and targets.');

export type EventsOptions = z.output<typeof events>;
