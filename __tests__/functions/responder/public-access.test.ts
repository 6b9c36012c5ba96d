import { isPublicCidr, isPublicGrant, isPublicStatement, readPolicy, ALL_USERS_URI, AUTHENTICATED_USERS_URI } from '../../../functions/responder/public-access';

const allow = (fields: Record<string, unknown>) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', ...fields });

describe('S3 definition of a public policy statement', () => {
  it('treats Principal "*" and {"AWS": "*"} alike: public', () => {
    expect(isPublicStatement(allow({ Principal: '*' }))).toBe(true);
    expect(isPublicStatement(allow({ Principal: { AWS: '*' } }))).toBe(true);
    expect(isPublicStatement(allow({ Principal: { AWS: ['arn:aws:iam::111111111111:root', '*'] } }))).toBe(true);
  });

  it('finds fixed principals not public', () => {
    expect(isPublicStatement(allow({ Principal: { AWS: 'arn:aws:iam::111111111111:root' } }))).toBe(false);
    expect(isPublicStatement(allow({ Principal: { Service: 'cloudtrail.amazonaws.com' } }))).toBe(false);
  });

  it('never finds a Deny statement public', () => {
    expect(isPublicStatement({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' })).toBe(false);
  });

  it('finds aws:SourceIp 0.0.0.0/0 and ::/0 public, 10.0.0.0/8 not', () => {
    expect(isPublicStatement(allow({ Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } }))).toBe(true);
    expect(isPublicStatement(allow({ Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '::/0'] } } }))).toBe(true);
    expect(isPublicStatement(allow({ Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }))).toBe(false);
    expect(isPublicCidr('203.0.113.7')).toBe(false);
  });

  it('does not let NotIpAddress pin the source', () => {
    expect(isPublicStatement(allow({ Principal: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }))).toBe(true);
  });

  it('is pinned by a fixed value of the documented keys, in any letter case', () => {
    for (const key of ['aws:SourceArn', 'aws:SourceVpc', 'aws:sourcevpce', 'aws:SourceAccount', 'aws:SourceOwner', 'aws:PrincipalOrgID', 'aws:PrincipalAccount', 'aws:userid']) {
      expect([key, isPublicStatement(allow({ Principal: '*', Condition: { StringEquals: { [key]: 'fixed-value' } } }))]).toEqual([key, false]);
    }
  });

  it('is not pinned by a wildcard, a policy variable, IfExists or an unrelated key', () => {
    expect(isPublicStatement(allow({ Principal: '*', Condition: { StringLike: { 'aws:SourceVpc': 'vpc-*' } } }))).toBe(true);
    expect(isPublicStatement(allow({ Principal: '*', Condition: { StringEquals: { 'aws:userid': 'AROAEXAMPLE:*' } } }))).toBe(true);
    expect(isPublicStatement(allow({ Principal: '*', Condition: { StringEquals: { 'aws:SourceAccount': '${aws:PrincipalAccount}' } } }))).toBe(true);
    expect(isPublicStatement(allow({ Principal: '*', Condition: { StringEqualsIfExists: { 'aws:SourceAccount': '111111111111' } } }))).toBe(true);
    expect(isPublicStatement(allow({ Principal: '*', Condition: { StringEquals: { 's3:prefix': 'home/' } } }))).toBe(true);
  });

  it('finds Allow with NotPrincipal public', () => {
    expect(isPublicStatement(allow({ NotPrincipal: { AWS: 'arn:aws:iam::111111111111:root' } }))).toBe(true);
  });

  it('reads a policy from JSON text or an object, a lone statement as a list', () => {
    expect(readPolicy('{"Statement": {"Effect": "Allow"}}')?.Statement).toEqual([{ Effect: 'Allow' }]);
    expect(readPolicy('invalid-json-policy')).toBeUndefined();
  });

  it('finds grants to AllUsers and AuthenticatedUsers public, others not', () => {
    expect(isPublicGrant({ Grantee: { Type: 'Group', URI: ALL_USERS_URI }, Permission: 'READ' })).toBe(true);
    expect(isPublicGrant({ Grantee: { Type: 'Group', URI: AUTHENTICATED_USERS_URI }, Permission: 'READ' })).toBe(true);
    expect(isPublicGrant({ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' }, Permission: 'WRITE' })).toBe(false);
    expect(isPublicGrant({ Grantee: { Type: 'CanonicalUser', ID: 'abc' }, Permission: 'FULL_CONTROL' })).toBe(false);
  });
});
