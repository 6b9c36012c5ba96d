import type { Partition } from '../../config/arn';

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
 */
export function mfaPolicyDocument(partition: Partition): { Version: string; Statement: Record<string, unknown>[] } {
  const self = `arn:${partition}:iam::*:user/\${aws:username}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AllowListActions', Effect: 'Allow', Action: ['iam:ListUsers', 'iam:ListVirtualMFADevices'], Resource: '*' },
      { Sid: 'AllowUserToCreateVirtualMFADevice', Effect: 'Allow', Action: ['iam:CreateVirtualMFADevice'], Resource: `arn:${partition}:iam::*:mfa/*` },
      { Sid: 'AllowUserToManageTheirOwnMFA', Effect: 'Allow', Action: ['iam:EnableMFADevice', 'iam:GetMFADevice', 'iam:ListMFADevices', 'iam:ResyncMFADevice'], Resource: self },
      { Sid: 'AllowUserToChangeTheirOwnPassword', Effect: 'Allow', Action: ['iam:ChangePassword', 'iam:GetUser'], Resource: self },
      {
        Sid: 'AllowUserToDeactivateTheirOwnMFAOnlyWhenUsingMFA',
        Effect: 'Allow',
        Action: ['iam:DeactivateMFADevice'],
        Resource: self,
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
      {
        Sid: 'BlockMostAccessUnlessSignedInWithMFA',
        Effect: 'Deny',
        NotAction: MFA_SELF_SERVICE_ACTIONS,
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ],
  };
}
