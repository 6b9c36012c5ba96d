import { mfaPolicyStatements } from '../../../stacks/constructs/mfa-policy-document';

describe('the MFA policy document', () => {
  const statements = mfaPolicyStatements('aws-us-gov');
  const deny = statements.find((s) => s.sid === 'BlockMostAccessUnlessSignedInWithMFA')!;

  it('denies everything but MFA self-service while aws:MultiFactorAuthPresent is not true', () => {
    expect(deny).toMatchObject({ effect: 'Deny', resources: ['*'], conditions: [{ test: 'BoolIfExists', variable: 'aws:MultiFactorAuthPresent', values: ['false'] }] });
    expect(deny.notActions).toEqual(expect.arrayContaining(['iam:CreateVirtualMFADevice', 'iam:EnableMFADevice', 'sts:GetSessionToken']));
    expect(deny.notActions).not.toContain('s3:GetObject');
  });

  it('scopes self-service to the caller with the policy variable written for aws_iam_policy_document, in the given partition', () => {
    const text = JSON.stringify(statements);
    expect(text).toContain('arn:aws-us-gov:iam::*:user/&{aws:username}');
    // ${...} would be a Terraform interpolation in the synthesized JSON.
    expect(text).not.toContain('${');
    expect(text).not.toContain('arn:aws:');
    const allows = statements.filter((s) => (s.effect ?? 'Allow') === 'Allow');
    expect(allows).toHaveLength(5);
    for (const s of allows) expect(s.actions).not.toContain('*');
  });
});
