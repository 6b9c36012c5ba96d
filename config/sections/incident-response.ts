import { z } from 'zod';
import { logRetentionInDays, stackAlarms } from './common';

/** The prefix Dynatrace puts before a connection id in the token's `sub` claim. */
export const DYNATRACE_SUB_PREFIX = 'dtid:connection/';

/**
 * A Dynatrace connection id as the settings UI shows it, or the whole `sub` claim. Wildcards are
 * refused: the trust policy compares with StringEquals, where `*` would be a literal anyway, and
 * a reader should never see one in a trust condition.
 */
const connectionId = z
  .string()
  .trim()
  .regex(/^$|^(dtid:connection\/)?[A-Za-z0-9._-]{1,200}$/, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a Dynatrace connection id; copy the id from the AWS connection in Dynatrace (letters, digits, ".", "_", "-"), with or without the "${DYNATRACE_SUB_PREFIX}" prefix, or leave it "" before the connection exists`,
  });

const alarms = stackAlarms({
  enabled:
    'Create the incident-response alarms (when the stack has something to watch: the bus dead-letter queue, or the debug capture rule). @default true',
  topicArn:
    'Existing SNS topic, in the incident-response account and the IDR region, for alarm and OK notifications (it must let CloudWatch publish). @default - a topic of its own, <name>-idr-alarms, encrypted with a key of its own',
  option:
    'CloudWatch alarms on the IDR bus: events in its dead-letter queue (customer managed key only: events EventBridge could not encrypt or decrypt while processing them on the bus, so no rule delivered them, the IDR managed rule included), and failed deliveries of the debug capture rule (when enabled).',
});

export const incidentResponse = z
  .strictObject({
    busName: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,256}$/, {
        error: (issue) => `${JSON.stringify(issue.input)} is not a custom event bus name; use letters, digits, ".", "_" and "-" (at most 256)`,
      })
      .refine((name) => name !== 'default', {
        error: '"default" is the account\'s default event bus, which CreateEventBus refuses as a custom bus name; choose another name',
      })
      .default('dynatrace-idr-bus')
      .describe('Name of the custom event bus Dynatrace puts problems on and AWS IDR is onboarded to. @default "dynatrace-idr-bus"'),
    region: z.string().optional().describe('Region of the IDR bus. @default - the home region'),
    customerManagedKey: z
      .boolean()
      .default(true)
      .describe(
        'Encrypt the bus with a customer managed KMS key whose policy lets only EventBridge use it for this bus, with a dead-letter queue `<name>-idr-bus-dlq` for the events that fail to encrypt or decrypt; false uses an AWS owned key and no dead-letter queue. @default true',
      ),
    archiveRetentionInDays: z
      .number()
      .int()
      .min(0)
      .default(90)
      .describe('Days the archive of every event on the bus is kept, for replay; 0 keeps events indefinitely. @default 90'),
    oidc: z
      .strictObject({
        thumbprint: z
          .string()
          .regex(/^[0-9a-fA-F]{40}$/, {
            error: 'a thumbprint is the 40-hex-digit SHA-1 of the certificate; see docs/flow-3-incident-response.md for the openssl command',
          })
          .optional()
          .describe(
            "SHA-1 thumbprint of token.dynatrace.com's top intermediate CA. @default - none: IAM computes it when the provider is created and verifies the JWKS endpoint with its library of trusted root CAs",
          ),
        audience: z
          .string()
          .regex(/^[A-Za-z0-9.-]+\/app-id\/[A-Za-z0-9._-]+$/, {
            error: 'an audience looks like "<tenant>.apps.dynatrace.com/app-id/dynatrace.aws.connector"',
          })
          .optional()
          .describe(
            'Token audience (client id) the role trusts. @default - "<tenant>.apps.dynatrace.com/app-id/dynatrace.aws.connector", the tenant taken from dynatrace.environmentUrl',
          ),
        connectionId: connectionId
          .default('')
          .describe(
            'The Dynatrace AWS connection id (the token sub is "dtid:connection/<id>"). Empty on the first apply: the role then trusts no token; fill it in and apply again. @default ""',
          ),
      })
      .prefault({})
      .describe('The IAM OIDC identity provider for https://token.dynatrace.com and the trust of the role Dynatrace assumes.'),
    createServiceLinkedRole: z
      .boolean()
      .default(true)
      .describe(
        'Create AWSServiceRoleForHealth_EventProcessor, which IDR needs; only one can exist per account, so turn this off when the account already has it. Turning it off after this stack created the role deletes the role (remove it from the state first to keep it). @default true',
      ),
    debugCapture: z
      .strictObject({
        enabled: z.boolean().default(false).describe('Send every event on the bus to a CloudWatch log group. @default false'),
        retentionInDays: logRetentionInDays.default(7).describe('Retention of the capture log group. @default 7'),
      })
      .prefault({})
      .describe('A rule matching every event on the bus, to a CloudWatch log group, for troubleshooting. Off by default: problems can hold sensitive details.'),
    alarms: alarms.prefault({}),
  })
  .describe('Flow 3: the bus that receives Dynatrace problems for AWS Incident Detection and Response.');
