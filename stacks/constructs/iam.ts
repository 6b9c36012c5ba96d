import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

/**
 * IAM statements as data, rendered through `aws_iam_policy_document` so Terraform normalizes the
 * JSON (no perpetual diff from key order or single-element lists) and reviewers read HCL blocks.
 */

export type PrincipalType = 'AWS' | 'Service' | 'Federated' | '*';

export interface Statement {
  readonly sid?: string;
  /** @default 'Allow' */
  readonly effect?: 'Allow' | 'Deny';
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources?: readonly string[];
  readonly principals?: readonly { readonly type: PrincipalType; readonly identifiers: readonly string[] }[];
  /** test (StringEquals, ArnLike, Bool, ...), variable (aws:SourceArn, ...), values. */
  readonly conditions?: readonly { readonly test: string; readonly variable: string; readonly values: readonly string[] }[];
}

/** A policy document data source; use `.json` where a policy string is needed. */
export function policyDocument(
  scope: Construct,
  id: string,
  statements: readonly Statement[],
  provider?: TerraformProvider,
): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, {
    provider,
    statement: statements.map(toStatement),
  });
}

function toStatement(s: Statement): DataAwsIamPolicyDocumentStatement {
  return {
    sid: s.sid,
    effect: s.effect ?? 'Allow',
    actions: s.actions ? [...s.actions] : undefined,
    notActions: s.notActions ? [...s.notActions] : undefined,
    resources: s.resources ? [...s.resources] : undefined,
    principals: s.principals?.map((p) => ({ type: p.type, identifiers: [...p.identifiers] })),
    condition: s.conditions?.map((c) => ({ test: c.test, variable: c.variable, values: [...c.values] })),
  };
}

/** Trust policy statement for an AWS service principal. */
export function serviceTrust(service: string, conditions?: Statement['conditions']): Statement {
  return {
    sid: 'TrustService',
    actions: ['sts:AssumeRole'],
    principals: [{ type: 'Service', identifiers: [service] }],
    conditions,
  };
}

/** Denies any request that does not use TLS: part of every resource policy that allows it. */
export function denyInsecureTransport(resources: readonly string[]): Statement {
  return {
    sid: 'DenyInsecureTransport',
    effect: 'Deny',
    actions: ['*'],
    resources,
    principals: [{ type: '*', identifiers: ['*'] }],
    conditions: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
  };
}

/** Action lists used by more than one stack. */
export const ACTIONS = {
  logsWrite: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  sqsSend: ['sqs:SendMessage'],
  s3ReadObject: ['s3:GetObject', 's3:GetObjectVersion'],
  kmsDecrypt: ['kms:Decrypt'],
  kmsEncryptForService: ['kms:GenerateDataKey*', 'kms:Decrypt'],
  eventsPut: ['events:PutEvents'],
} as const;
