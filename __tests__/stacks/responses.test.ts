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

describe('log-archive stack: the evidence bucket', () => {
  const stack = synthesized.stack('log-archive');
  const [bucketId, bucket] = stack.resources('aws_s3_bucket').find(([, b]) => b.bucket === 'trailbridge-evidence-333333333333')!;
  const ofBucket = (type: string) => stack.resources(type).find(([, r]) => r.bucket === `\${aws_s3_bucket.${bucketId}.id}`)?.[1];
  const policy = statementsOf(stack, ofBucket('aws_s3_bucket_policy')!.policy);
  const writer = ['arn:aws:iam::333333333333:role/trailbridge-responder-function'];

  test('Object Lock in COMPLIANCE mode with the topology retention, versioned, its own KMS key, public access blocked, access-logged', () => {
    expect(bucket.object_lock_enabled).toBe(true);
    expect(ofBucket('aws_s3_bucket_object_lock_configuration')!.rule.default_retention).toEqual({ mode: 'COMPLIANCE', days: 400 });
    expect(ofBucket('aws_s3_bucket_versioning')!.versioning_configuration.status).toBe('Enabled');
    const sse = ofBucket('aws_s3_bucket_server_side_encryption_configuration')!.rule[0].apply_server_side_encryption_by_default;
    const [keyId] = stack.resources('aws_kms_key').find(([, k]) => /audit evidence/.test(k.description))!;
    expect(sse).toEqual({ sse_algorithm: 'aws:kms', kms_master_key_id: `\${aws_kms_key.${keyId}.arn}` });
    expect(ofBucket('aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(ofBucket('aws_s3_bucket_logging')!.target_prefix).toBe('trailbridge-evidence-333333333333/');
    const accessLogPolicy = JSON.stringify(stack.json.data.aws_iam_policy_document);
    expect(accessLogPolicy).toContain('arn:aws:s3:::trailbridge-evidence-333333333333');
  });

  test('the key lets only the responder role encrypt, through S3, for evidence objects', () => {
    const key = stack.resources('aws_kms_key').find(([, k]) => /audit evidence/.test(k.description))![1];
    const statement = bySid(statementsOf(stack, key.policy), 'ResponderEncryptsEvidenceThroughS3');
    expect(statement.actions).toEqual(['kms:GenerateDataKey']);
    expect(statement.condition).toEqual([
      { test: 'ArnEquals', variable: 'aws:PrincipalArn', values: writer },
      { test: 'StringEquals', variable: 'kms:ViaService', values: ['s3.us-east-1.amazonaws.com'] },
      { test: 'StringLike', variable: 'kms:EncryptionContext:aws:s3:arn', values: ['arn:aws:s3:::trailbridge-evidence-333333333333/evidence/*'] },
    ]);
  });

  test('TLS only; only the responder writes under evidence/; nobody deletes or unlocks', () => {
    expect(bySid(policy, 'DenyInsecureTransport').effect).toBe('Deny');
    expect(bySid(policy, 'ResponderWritesEvidence')).toMatchObject({ actions: ['s3:PutObject', 's3:GetObject'], resources: ['arn:aws:s3:::trailbridge-evidence-333333333333/evidence/*'] });
    expect(bySid(policy, 'ResponderListsEvidence').condition).toContainEqual({ test: 'StringLike', variable: 's3:prefix', values: ['evidence/*'] });
    expect(bySid(policy, 'OnlyTheResponderWrites')).toMatchObject({ effect: 'Deny', condition: [{ test: 'ArnNotEquals', variable: 'aws:PrincipalArn', values: writer }] });
    const noDeletes = bySid(policy, 'NoDeletesNoUnlocking');
    expect(noDeletes.effect).toBe('Deny');
    expect(noDeletes.actions).toEqual(expect.arrayContaining(['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:BypassGovernanceRetention', 's3:PutBucketObjectLockConfiguration']));
    expect(noDeletes.principals).toEqual([{ type: '*', identifiers: ['*'] }]);
  });

  test('no evidence bucket when audit-evidence is off', () => {
    const off = synthesize(withResponses({ 'block-public-bucket': {} })).stack('log-archive');
    expect(off.resources('aws_s3_bucket').map(([, b]) => b.bucket)).not.toContain('trailbridge-evidence-333333333333');
  });
});
