import { TopologyInput } from '../../config/schema';
import { mfaPolicyDocument } from '../../stacks/constructs/mfa-policy-document';
import { SynthesizedStack, synthesize, topologyWith } from '../support/synth';

type Json = Record<string, any>;

const withResponses = (responses: TopologyInput['responses']) => topologyWith((t) => {
  t.responses = responses;
});

/** Every response on: bucket and tags enforced, MFA reported. */
const mixed = withResponses({
  'block-public-bucket': { mode: 'enforce', exemptBuckets: ['www.example.com'], exemptTag: { key: 'public' } },
  'require-mfa-for-new-users': { mode: 'report', exemptPaths: ['/service/'] },
  'tag-instance-owner': { mode: 'enforce', tagKeys: { owner: 'owner', role: 'owner-role' } },
  'database-deleted': {},
  'audit-evidence': { retentionInDays: 400 },
});
const synthesized = synthesize(mixed);

function statementsOf(stack: SynthesizedStack, policyRef: string): Json[] {
  return stack.policyDocument(policyRef).statement;
}

const bySid = (statements: Json[], sid: string) => {
  const found = statements.find((s) => s.sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${statements.map((s) => s.sid).join(', ')}`);
  return found;
};

describe('source stack: the responder role', () => {
  const stack = synthesized.stack('source-test');
  const role = stack.resourceWhere('aws_iam_role', 'name', 'trailbridge-responder');
  const policy = stack.resources('aws_iam_role_policy').find(([, p]) => p.name === 'enabled-responses')![1];
  const statements = statementsOf(stack, policy.policy);

  test('trusts only the responder function role, with its fixed session name', () => {
    const [trust] = stack.policyDocument(role.assume_role_policy).statement;
    expect(trust.principals).toEqual([{ type: 'AWS', identifiers: ['arn:aws:iam::333333333333:root'] }]);
    expect(trust.condition).toEqual([
      { test: 'ArnEquals', variable: 'aws:PrincipalArn', values: ['arn:aws:iam::333333333333:role/trailbridge-responder-function'] },
      { test: 'StringEquals', variable: 'sts:RoleSessionName', values: ['trailbridge-responder'] },
    ]);
  });

  test('enforce mode: bucket writes scoped to the account, with a Deny on exempt buckets; tags limited to the owner keys', () => {
    const bucket = bySid(statements, 'BucketAccess');
    expect(bucket.actions).toEqual(expect.arrayContaining(['s3:GetBucketTagging', 's3:PutBucketPolicy', 's3:PutBucketPublicAccessBlock', 's3:DeleteBucketPolicy', 's3:PutBucketAcl']));
    expect(bucket.condition).toEqual([{ test: 'StringEquals', variable: 's3:ResourceAccount', values: ['111111111111'] }]);
    expect(bySid(statements, 'NeverChangeExemptBuckets')).toMatchObject({ effect: 'Deny', resources: ['arn:aws:s3:::www.example.com'] });
    expect(bySid(statements, 'TagInstancesWithOwnerKeysOnly')).toMatchObject({
      actions: ['ec2:CreateTags'],
      resources: ['arn:aws:ec2:*:111111111111:instance/*'],
      condition: [{ test: 'ForAllValues:StringEquals', variable: 'aws:TagKeys', values: ['owner', 'owner-role'] }],
    });
  });

  test('report mode: the MFA response gets reads only; the MFA policy exists with the documented pattern', () => {
    expect(bySid(statements, 'ReadUsers').actions).toEqual(['iam:GetUser', 'iam:ListAttachedUserPolicies']);
    expect(statements.flatMap((s) => s.actions ?? [])).not.toContain('iam:AttachUserPolicy');
    const mfa = stack.resourceWhere('aws_iam_policy', 'name', 'trailbridge-require-mfa');
    expect(JSON.parse(mfa.policy)).toEqual(mfaPolicyDocument('aws'));
  });

  test('enforce mode attaches the MFA policy only (iam:PolicyARN), never to exempt paths', () => {
    const enforced = synthesize(withResponses({ 'require-mfa-for-new-users': { mode: 'enforce', exemptPaths: ['/service/'] } })).stack('source-prod');
    const doc = enforced.resources('aws_iam_role_policy').find(([, p]) => p.name === 'enabled-responses')![1];
    const all = statementsOf(enforced, doc.policy);
    expect(bySid(all, 'AttachMfaPolicyOnly').condition).toEqual([{ test: 'ArnEquals', variable: 'iam:PolicyARN', values: ['arn:aws:iam::222222222222:policy/trailbridge-require-mfa'] }]);
    expect(bySid(all, 'NeverTouchExemptUsers')).toMatchObject({ effect: 'Deny', resources: ['arn:aws:iam::222222222222:user/service/*'] });
    expect(all.map((s) => s.sid)).not.toContain('BucketAccess');
  });

  test('no role and no MFA policy when no response needs the source account', () => {
    const stacks = synthesize(withResponses({ 'database-deleted': {} }));
    for (const name of ['source-test', 'source-prod']) {
      const source = stacks.stack(name);
      expect(source.resources('aws_iam_role').map(([, r]) => r.name)).not.toContain('trailbridge-responder');
      expect(source.resources('aws_iam_policy')).toHaveLength(0);
    }
  });
});
