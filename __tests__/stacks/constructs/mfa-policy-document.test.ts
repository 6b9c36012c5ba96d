import { mfaPolicyDocument } from '../../../stacks/constructs/mfa-policy-document';

describe('the MFA policy document', () => {
  const document = mfaPolicyDocument('aws-us-gov');
  const deny = document.Statement.find((s) => s.Sid === 'BlockMostAccessUnlessSignedInWithMFA')!;

  it('denies everything but MFA self-service while aws:MultiFactorAuthPresent is not true', () => {
    expect(deny).toMatchObject({ Effect: 'Deny', Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } });
    expect(deny.NotAction).toEqual(expect.arrayContaining(['iam:CreateVirtualMFADevice', 'iam:EnableMFADevice', 'sts:GetSessionToken']));
    expect(deny.NotAction).not.toContain('s3:GetObject');
  });

  it('scopes self-service to the caller, in the given partition, and allows no wildcard action', () => {
    expect(JSON.stringify(document)).toContain('arn:aws-us-gov:iam::*:user/${aws:username}');
    expect(JSON.stringify(document)).not.toContain('arn:aws:');
    expect(document.Statement.filter((s) => s.Effect === 'Allow').every((s) => s.Action !== '*')).toBe(true);
  });
});
