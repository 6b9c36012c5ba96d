import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { Partition, accountRootArn, arn, bucketArn } from '../../config/arn';
import type { EnabledResponses } from '../catalog';
import { Statement, policyDocument } from './iam';
import { mfaPolicyStatements } from './mfa-policy-document';

export interface SourceResponderRoleProps {
  readonly partition: Partition;
  /** The source account. */
  readonly accountId: string;
  readonly roleName: string;
  /** The responder function's role, the only principal trusted (aws:PrincipalArn). */
  readonly functionRoleArn: string;
  /** The security account, whose root is the principal (so the trust applies before the role exists). */
  readonly functionAccountId: string;
  /** The session name the responder always uses. */
  readonly sessionName: string;
  readonly responses: EnabledResponses;
  readonly mfaPolicyName: string;
  readonly mfaPolicyArn: string;
}

const BUCKET_WRITES = ['s3:PutBucketPublicAccessBlock', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutBucketAcl'];

/**
 * What the responder may do in one source account: the reads of every enabled response, and its
 * writes only in enforce mode, each scoped to the account (functions/responder/README.md, "IAM").
 */
export function responderRoleStatements(props: Pick<SourceResponderRoleProps, 'partition' | 'accountId' | 'responses' | 'mfaPolicyArn'>): Statement[] {
  const { partition: p, accountId, responses } = props;
  const statements: Statement[] = [];
  const bucket = responses['block-public-bucket'];
  if (bucket) {
    const inAccount = [{ test: 'StringEquals', variable: 's3:ResourceAccount', values: [accountId] }];
    const reads = ['s3:GetBucketPolicy', 's3:GetBucketAcl', 's3:GetBucketPublicAccessBlock', ...(bucket.exemptTag ? ['s3:GetBucketTagging'] : [])];
    const enforce = bucket.mode === 'enforce';
    statements.push({ sid: 'BucketAccess', actions: enforce ? [...reads, ...BUCKET_WRITES] : reads, resources: [bucketArn(p, '*')], conditions: inAccount });
    if (enforce && bucket.exemptBuckets.length > 0) {
      statements.push({ sid: 'NeverChangeExemptBuckets', effect: 'Deny', actions: BUCKET_WRITES, resources: bucket.exemptBuckets.map((b) => bucketArn(p, b)) });
    }
  }
  const mfa = responses['require-mfa-for-new-users'];
  if (mfa) {
    const users = [arn({ partition: p, service: 'iam', account: accountId, resource: 'user/*' })];
    statements.push({ sid: 'ReadUsers', actions: ['iam:GetUser', 'iam:ListAttachedUserPolicies'], resources: users });
    if (mfa.mode === 'enforce') {
      statements.push({ sid: 'AttachMfaPolicyOnly', actions: ['iam:AttachUserPolicy'], resources: users, conditions: [{ test: 'ArnEquals', variable: 'iam:PolicyARN', values: [props.mfaPolicyArn] }] });
      if (mfa.exemptPaths.length > 0 || mfa.exemptNamePrefixes.length > 0) {
        const user = (resource: string) => arn({ partition: p, service: 'iam', account: accountId, resource });
        // A user's ARN is user<path><name>: a name prefix is matched under the root path and under any
        // other. IAM patterns cannot say "the last segment", so a path segment with the prefix is covered too.
        const exempt = [...mfa.exemptPaths.map((path) => user(`user${path}*`)), ...mfa.exemptNamePrefixes.flatMap((prefix) => [user(`user/${prefix}*`), user(`user/*/${prefix}*`)])];
        statements.push({ sid: 'NeverTouchExemptUsers', effect: 'Deny', actions: ['iam:AttachUserPolicy'], resources: exempt });
      }
    }
  }
  const tag = responses['tag-instance-owner'];
  if (tag) {
    // DescribeInstances has no resource-level permission.
    statements.push({ sid: 'DescribeInstances', actions: ['ec2:DescribeInstances'], resources: ['*'] });
    if (tag.mode === 'enforce') {
      const keys = [tag.tagKeys.owner, tag.tagKeys.role, tag.tagKeys.session].filter((k): k is string => k !== undefined);
      statements.push({
        sid: 'TagInstancesWithOwnerKeysOnly',
        actions: ['ec2:CreateTags'],
        resources: [arn({ partition: p, service: 'ec2', region: '*', account: accountId, resource: 'instance/*' })],
        conditions: [{ test: 'ForAllValues:StringEquals', variable: 'aws:TagKeys', values: keys }],
      });
    }
  }
  return statements;
}

/** Only the responder function's role, with its fixed session name, may assume the role. */
export function responderTrustStatements(props: Pick<SourceResponderRoleProps, 'partition' | 'functionAccountId' | 'functionRoleArn' | 'sessionName'>): Statement[] {
  return [
    {
      sid: 'TrustResponderFunctionOnly',
      actions: ['sts:AssumeRole'],
      principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.functionAccountId)] }],
      conditions: [
        { test: 'ArnEquals', variable: 'aws:PrincipalArn', values: [props.functionRoleArn] },
        { test: 'StringEquals', variable: 'sts:RoleSessionName', values: [props.sessionName] },
      ],
    },
  ];
}

/** The role's description, in Terraform and in a StackSet template alike. */
export const RESPONDER_ROLE_DESCRIPTION = 'trailbridge responder: the actions of the enabled responses, for the responder function only';
export const MFA_POLICY_DESCRIPTION = 'trailbridge: everything but MFA self-service denied until the user signs in with MFA';
export const RESPONDER_ROLE_MAX_SESSION_SECONDS = 3600;

/**
 * `<prefix>-responder` in a source account: assumable only by the responder function's role with
 * its fixed session name, allowed exactly the enabled responses' actions; and the MFA policy that
 * require-mfa-for-new-users attaches.
 */
export class SourceResponderRole extends Construct {
  readonly role: IamRole;
  readonly mfaPolicy?: IamPolicy;

  constructor(scope: Construct, id: string, props: SourceResponderRoleProps) {
    super(scope, id);
    const statements = responderRoleStatements(props);
    if (statements.length === 0) throw new Error(`${props.roleName}: no enabled response needs the account ${props.accountId}; create the role only for an action response`);
    const trust = policyDocument(this, 'trust', responderTrustStatements(props));
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: RESPONDER_ROLE_DESCRIPTION,
      assumeRolePolicy: trust.json,
      maxSessionDuration: RESPONDER_ROLE_MAX_SESSION_SECONDS,
    });
    const policy = policyDocument(this, 'policy', statements);
    new IamRolePolicy(this, 'role-policy', { name: 'enabled-responses', role: this.role.id, policy: policy.json });
    if (props.responses['require-mfa-for-new-users']) {
      this.mfaPolicy = new IamPolicy(this, 'mfa-policy', {
        name: props.mfaPolicyName,
        description: MFA_POLICY_DESCRIPTION,
        policy: policyDocument(this, 'mfa-policy-document', mfaPolicyStatements(props.partition)).json,
      });
    }
  }
}
