import type { Partition } from '../../config/arn';
import type { Statement } from './iam';

/**
 * The MFA policy the source stack creates and require-mfa-for-new-users attaches (the responder
 * knows it only by ARN, so the document lives here, with the stacks).
 */

/** The MFA self-service actions a user may call before signing in with MFA. */
const MFA_SELF_SERVICE_ACTIONS = [
  'iam:CreateVirtualMFADevice',
  'iam:EnableMFADevice',
  'iam:GetUser',
  'iam:ChangePassword',
  'iam:GetMFADevice',
  'iam:ListMFADevices',
  'iam:ListVirtualMFADevices',
  'iam:ResyncMFADevice',
  'sts:GetSessionToken',
];

/**
 * AWS's documented "self-manage an
 * MFA device" pattern (IAM User Guide, reference_policies_examples_iam_mfa-selfmanage). Users may
 * set up and use their own MFA device; everything else is denied while aws:MultiFactorAuthPresent
 * is not true (BoolIfExists: long-term access keys carry no MFA flag at all, and are denied too).
 * `iam:ChangePassword` is allowed so a user with a required password reset can sign in first.
 *
 * The statements are rendered by `aws_iam_policy_document`, where an IAM policy variable is
 * written `&{aws:username}`: `${...}` in Terraform JSON would be a Terraform interpolation.
 */
export function mfaPolicyStatements(partition: Partition): Statement[] {
  const self = `arn:${partition}:iam::*:user/&{aws:username}`;
  const mfaPresent = (test: string, value: string) => [{ test, variable: 'aws:MultiFactorAuthPresent', values: [value] }];
  return [
    { sid: 'AllowListActions', actions: ['iam:ListUsers', 'iam:ListVirtualMFADevices'], resources: ['*'] },
    { sid: 'AllowUserToCreateVirtualMFADevice', actions: ['iam:CreateVirtualMFADevice'], resources: [`arn:${partition}:iam::*:mfa/*`] },
    { sid: 'AllowUserToManageTheirOwnMFA', actions: ['iam:EnableMFADevice', 'iam:GetMFADevice', 'iam:ListMFADevices', 'iam:ResyncMFADevice'], resources: [self] },
    { sid: 'AllowUserToChangeTheirOwnPassword', actions: ['iam:ChangePassword', 'iam:GetUser'], resources: [self] },
    { sid: 'AllowUserToDeactivateTheirOwnMFAOnlyWhenUsingMFA', actions: ['iam:DeactivateMFADevice'], resources: [self], conditions: mfaPresent('Bool', 'true') },
    { sid: 'BlockMostAccessUnlessSignedInWithMFA', effect: 'Deny', notActions: MFA_SELF_SERVICE_ACTIONS, resources: ['*'], conditions: mfaPresent('BoolIfExists', 'false') },
  ];
}
