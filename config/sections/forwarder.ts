import { z } from 'zod';
import { arn, logRetentionInDays, positiveInt } from './common';

export const dynatrace = z
  .strictObject({
    environmentUrl: z
      .url({ protocol: /^https$/, error: 'must be an https:// URL such as https://abc12345.live.dynatrace.com' })
      .describe('Dynatrace environment URL (SaaS or ActiveGate), without a trailing path.'),
    tokenParameterName: z
      .string()
      .regex(/^\/[A-Za-z0-9_.\-/]+$/, { error: 'an SSM parameter name must start with "/" and use letters, digits, "_", ".", "-" and "/"' })
      .default('/trailbridge/dynatrace/api-token')
      .describe('SSM SecureString that holds the Log Ingest token (logs.ingest scope); set by an operator, never by Terraform.'),
  })
  .describe('The Dynatrace environment that receives the CloudTrail records.');

export const forwarder = z
  .strictObject({
    memoryInMb: z.number().int().min(128).max(10240).default(512),
    timeoutInSeconds: z.number().int().min(10).max(900).default(300),
    reservedConcurrency: positiveInt.optional().describe('Reserved concurrency. @default - unreserved'),
    runtime: z.enum(['nodejs20.x', 'nodejs22.x']).default('nodejs22.x'),
    logRetentionInDays: logRetentionInDays.default(30),
    appConfigLayerArns: z
      .record(z.string(), arn)
      .default({})
      .describe('AppConfig Lambda extension layer ARN per region, overriding the built-in table.'),
    appConfigDeployment: z
      .boolean()
      .default(true)
      .describe('Create the AppConfig environment, deployment strategy and deployment. Only emulators without them need false.'),
  })
  .describe('The forwarder Lambda in the observability account.');
