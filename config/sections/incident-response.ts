import { z } from 'zod';
import { logRetentionInDays } from './common';

export const incidentResponse = z
  .strictObject({
    busName: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/).default('dynatrace-idr-bus'),
    region: z.string().optional().describe('Region of the IDR bus. @default - the home region'),
    archiveRetentionInDays: z.number().int().min(0).default(90),
    oidc: z
      .strictObject({
        thumbprint: z
          .string()
          .regex(/^[0-9a-fA-F]{40}$/, { error: 'a thumbprint is the 40-hex-digit SHA-1 of the certificate; see the README for the openssl command' })
          .optional()
          .describe('SHA-1 thumbprint of token.dynatrace.com\'s top intermediate CA. @default - none (IAM then uses its trusted CA library)'),
        connectionId: z
          .string()
          .default('')
          .describe('The Dynatrace AWS connection id (token sub). Empty on the first apply; fill it in and apply again.'),
      })
      .prefault({}),
    createServiceLinkedRole: z
      .boolean()
      .default(true)
      .describe('Create AWSServiceRoleForHealth_EventProcessor; turn off when the account already has it.'),
    debugCapture: z
      .strictObject({ enabled: z.boolean().default(false), retentionInDays: logRetentionInDays.default(7) })
      .prefault({}),
  })
  .describe('Flow 3: the bus that receives Dynatrace problems for AWS Incident Detection and Response.');
