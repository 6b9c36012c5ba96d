import { z } from 'zod';
import { arn } from './common';

/**
 * Ticketing and workflow targets of the central rules (flow 2): the API destinations EventBridge
 * calls over HTTPS (ServiceNow, Jira Cloud, a generic webhook) and the Step Functions state
 * machines it starts. A rule names one by `destination` when more than one of its kind exists.
 */

export const DESTINATION_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,29}$/;

const destinationName = z
  .string()
  .regex(DESTINATION_NAME_PATTERN, { error: 'a destination name uses lowercase letters, digits and "-", at most 30 characters, starting with a letter or digit' });
const httpsEndpoint = z.url({ protocol: /^https$/, error: 'an API destination endpoint must be an https:// URL' });
// EventBridge accepts 1-300 invocations per second on an API destination.
const rateLimit = z.number().int().min(1).max(300).default(10).describe('Invocations per second EventBridge may send. @default 10');
const level = z.enum(['1', '2', '3']);

export const API_DESTINATION_KINDS = ['servicenow', 'jira', 'webhook'] as const;
export type ApiDestinationKind = (typeof API_DESTINATION_KINDS)[number];

export const apiDestination = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('servicenow'),
    name: destinationName,
    instanceUrl: httpsEndpoint.describe('https://<instance>.service-now.com; incidents are created with POST /api/now/table/incident.'),
    urgency: level.default('2').describe('Incident urgency (1 high, 3 low). @default "2"'),
    impact: level.default('2').describe('Incident impact (1 high, 3 low). @default "2"'),
    username: z.string().min(1).describe('Basic-auth user; its password is set out of band (docs/flow-2-events.md).'),
    rateLimitPerSecond: rateLimit,
  }),
  z.strictObject({
    kind: z.literal('jira'),
    name: destinationName,
    siteUrl: httpsEndpoint.describe('https://<site>.atlassian.net; issues are created with POST /rest/api/3/issue.'),
    projectKey: z.string().regex(/^[A-Z][A-Z0-9_]{1,9}$/, { error: 'a Jira project key is 2-10 uppercase letters, digits or "_", starting with a letter' }),
    issueType: z.string().regex(/^[^<>"\\]{1,60}$/, { error: 'an issue type name has 1-60 characters and no <, >, " or \\' }).default('Task').describe('@default "Task"'),
    labels: z
      .array(z.string().regex(/^[^\s<>"\\]{1,255}$/, { error: 'a Jira label has no spaces and no <, >, " or \\' }))
      .default(['trailbridge'])
      .describe('@default ["trailbridge"]'),
    username: z.string().min(1).describe('The Atlassian account email; its API token is set out of band (docs/flow-2-events.md).'),
    rateLimitPerSecond: rateLimit,
  }),
  z.strictObject({
    kind: z.literal('webhook'),
    name: destinationName,
    endpoint: httpsEndpoint.describe('The URL EventBridge POSTs each event to, unchanged.'),
    headerName: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).default('Authorization').describe('The header carrying the API key; its value is set out of band. @default "Authorization"'),
    rateLimitPerSecond: rateLimit,
  }),
]);

export type ApiDestinationOptions = z.output<typeof apiDestination>;

export const stateMachine = z.strictObject({
  name: destinationName,
  stateMachineArn: arn.describe('A Step Functions state machine in the security account and the home region: arn:aws:states:<region>:<account>:stateMachine:<name>.'),
});

export type StateMachineOptions = z.output<typeof stateMachine>;

export const destination = z
  .string()
  .optional()
  .describe('For a servicenow, jira, webhook or stepfunctions target: the name of the API destination or state machine. @default - the only one of that kind');
