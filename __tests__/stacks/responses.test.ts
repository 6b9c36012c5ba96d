import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/paths';
import { TopologyInput } from '../../config/schema';
import { SynthesizedStack, synthesize, topologyWith } from '../support/synth';

const RESPONDER_DIR = join(PROJECT_ROOT, 'functions', 'responder');

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
    const mfaStatements = statementsOf(stack, mfa.policy);
    expect(mfaStatements).toHaveLength(6);
    expect(bySid(mfaStatements, 'BlockMostAccessUnlessSignedInWithMFA')).toMatchObject({ effect: 'Deny', not_actions: expect.arrayContaining(['iam:EnableMFADevice']) });
    expect(bySid(mfaStatements, 'AllowUserToManageTheirOwnMFA').resources).toEqual(['arn:aws:iam::*:user/&{aws:username}']);
  });

  test('enforce mode attaches the MFA policy only (iam:PolicyARN), never to exempt paths or name prefixes (a Deny, under any path)', () => {
    const enforced = synthesize(withResponses({ 'require-mfa-for-new-users': { mode: 'enforce', exemptPaths: ['/service/'], exemptNamePrefixes: ['svc-'] } })).stack('source-prod');
    const doc = enforced.resources('aws_iam_role_policy').find(([, p]) => p.name === 'enabled-responses')![1];
    const all = statementsOf(enforced, doc.policy);
    expect(bySid(all, 'AttachMfaPolicyOnly').condition).toEqual([{ test: 'ArnEquals', variable: 'iam:PolicyARN', values: ['arn:aws:iam::222222222222:policy/trailbridge-require-mfa'] }]);
    expect(bySid(all, 'NeverTouchExemptUsers')).toMatchObject({
      effect: 'Deny',
      actions: ['iam:AttachUserPolicy'],
      resources: ['arn:aws:iam::222222222222:user/service/*', 'arn:aws:iam::222222222222:user/svc-*', 'arn:aws:iam::222222222222:user/*/svc-*'],
    });
    expect(all.map((s) => s.sid)).not.toContain('BucketAccess');
    const prefixesOnly = synthesize(withResponses({ 'require-mfa-for-new-users': { mode: 'enforce', exemptNamePrefixes: ['svc-'] } })).stack('source-prod');
    const onlyDoc = prefixesOnly.resources('aws_iam_role_policy').find(([, p]) => p.name === 'enabled-responses')![1];
    expect(bySid(statementsOf(prefixesOnly, onlyDoc.policy), 'NeverTouchExemptUsers').resources).toEqual(['arn:aws:iam::222222222222:user/svc-*', 'arn:aws:iam::222222222222:user/*/svc-*']);
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

describe('security-events stack: the responder', () => {
  const stack = synthesized.stack('security-events');
  const fn = stack.resourceWhere('aws_lambda_function', 'function_name', 'trailbridge-responder');
  const role = stack.resourceWhere('aws_iam_role', 'name', 'trailbridge-responder-function');
  const responderTargets = stack.resources('aws_cloudwatch_event_target').filter(([, t]) => t.target_id === 'responder').map(([, t]) => t);
  const ruleNameOf = (ref: string) => Object.entries(stack.json.resource.aws_cloudwatch_event_rule).find(([id]) => ref === `\${aws_cloudwatch_event_rule.${id}.name}`)![1] as Json;

  test('RESPONDER_CONFIG is the topology\'s, and the role may assume exactly the source responder roles', () => {
    const config = JSON.parse(fn.environment.variables.RESPONDER_CONFIG);
    expect(Object.keys(config.responses)).toEqual(['block-public-bucket', 'require-mfa-for-new-users', 'tag-instance-owner', 'database-deleted', 'audit-evidence']);
    const policy = stack.resources('aws_iam_role_policy').find(([, p]) => p.role === `\${aws_iam_role.${stack.resources('aws_iam_role').find(([, r]) => r === role)![0]}.id}`)![1];
    const statements = statementsOf(stack, policy.policy);
    expect(bySid(statements, 'AssumeSourceResponderRoles').resources).toEqual(['arn:aws:iam::111111111111:role/trailbridge-responder', 'arn:aws:iam::222222222222:role/trailbridge-responder']);
    expect(bySid(statements, 'PublishAlerts').resources).toEqual(['arn:aws:sns:us-east-1:333333333333:trailbridge-security-alerts']);
    // The key also encrypts the central log group: the role may use it for the alert topic only, as SNS names the topic in the data key's context.
    expect(bySid(statements, 'UseAlertTopicKey').condition).toEqual(
      expect.arrayContaining([{ test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sns:topicArn', values: ['arn:aws:sns:us-east-1:333333333333:trailbridge-security-alerts'] }]),
    );
    expect(bySid(statements, 'WriteEvidence').resources).toEqual(['arn:aws:s3:::trailbridge-evidence-333333333333/evidence/*']);
    expect(statements.flatMap((s) => s.actions ?? [])).not.toContain('s3:DeleteObject');
  });

  test('asynchronous retries 2, then the failure queue, which is also the targets\' dead-letter queue', () => {
    const [queueId] = stack.resources('aws_sqs_queue').find(([, q]) => q.name === 'trailbridge-responder-failures')!;
    const invokeConfigs = stack.resources('aws_lambda_function_event_invoke_config').filter(([, c]) => c.function_name.includes('responder'));
    expect(invokeConfigs).toHaveLength(1);
    expect(invokeConfigs[0][1]).toMatchObject({ maximum_retry_attempts: 2, destination_config: { on_failure: { destination: `\${aws_sqs_queue.${queueId}.arn}` } } });
    expect(responderTargets.length).toBeGreaterThan(0);
    for (const t of responderTargets) expect(t.dead_letter_config.arn).toBe(`\${aws_sqs_queue.${queueId}.arn}`);
  });

  test('one rule per action response plus the sensitive use cases and database-deleted, each with the input transformer', () => {
    const names = responderTargets.map((t) => ruleNameOf(t.rule).name).sort();
    expect(names).toEqual(expect.arrayContaining(['trailbridge-database-deleted', 'trailbridge-respond-block-public-bucket', 'trailbridge-respond-require-mfa-for-new-users', 'trailbridge-respond-tag-instance-owner', 'trailbridge-s3-bucket-policy-changed']));
    expect(names).not.toContain('trailbridge-console-sign-in-failures');
    for (const t of responderTargets) expect(t.input_transformer.input_template).toBe('{"rule": "<aws.events.rule-name>", "event": <aws.events.event.json>}');
    const rule = stack.resourceWhere('aws_cloudwatch_event_rule', 'name', 'trailbridge-respond-block-public-bucket');
    expect(JSON.parse(rule.event_pattern).detail.userIdentity).toEqual({ arn: [{ 'anything-but': { wildcard: 'arn:aws:sts::*:assumed-role/trailbridge-responder/trailbridge-responder' } }] });
  });

  test('each lambda permission names one of those rules', () => {
    const permissions = stack.resources('aws_lambda_permission').filter(([, p]) => String(p.function_name).includes('responder'));
    expect(permissions).toHaveLength(responderTargets.length);
    const ruleArns = responderTargets.map((t) => t.rule.replace(/\.name\}$/, '.arn}')).sort();
    expect(permissions.map(([, p]) => p.source_arn).sort()).toEqual(ruleArns);
  });

  test('alarms on responder errors and failure-queue depth', () => {
    expect(stack.resourceWhere('aws_cloudwatch_metric_alarm', 'alarm_name', 'trailbridge-responder-errors')).toMatchObject({ metric_name: 'Errors', dimensions: { FunctionName: 'trailbridge-responder' } });
    expect(stack.resourceWhere('aws_cloudwatch_metric_alarm', 'alarm_name', 'trailbridge-responder-failure-queue-depth')).toMatchObject({ dimensions: { QueueName: 'trailbridge-responder-failures' } });
  });

  test('alarms on the problems the responder settles without failing, each a metric its code emits', () => {
    const alarm = stack.resourceWhere('aws_cloudwatch_metric_alarm', 'alarm_name', 'trailbridge-responder-problems');
    const metrics = alarm.metric_query.filter((q: Record<string, any>) => q.metric).map((q: Record<string, any>) => q.metric);
    expect(metrics.map((m: Record<string, any>) => m.metric_name)).toEqual(['AccessDenied', 'ReadsFailed', 'ActionFailures', 'AlertFailures']);
    for (const m of metrics) expect(m).toMatchObject({ namespace: 'Trailbridge/Responder', dimensions: { service: 'responder' }, stat: 'Sum' });
    expect(alarm.alarm_actions).toEqual(stack.resourceWhere('aws_cloudwatch_metric_alarm', 'alarm_name', 'trailbridge-responder-errors').alarm_actions);
    const source = readdirSync(RESPONDER_DIR, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(RESPONDER_DIR, f), 'utf8'))
      .join('\n');
    for (const m of metrics) expect(source).toMatch(new RegExp(`(metrics\\.add\\(\\s*|: )'${m.metric_name}'`));
  });

  test('no responder when no response is on', () => {
    const plain = synthesize(withResponses({}));
    const functions = plain.stack('security-events').resources('aws_lambda_function').map(([, f]) => f.function_name);
    expect(functions).toEqual(['trailbridge-bucket-logger']);
    expect(plain.stack('source-test').resources('aws_iam_role').map(([, r]) => r.name)).not.toContain('trailbridge-responder');
  });
});

describe('the default topology\'s responses', () => {
  const synth = synthesize();
  const config = JSON.parse(synth.stack('security-events').resourceWhere('aws_lambda_function', 'function_name', 'trailbridge-responder').environment.variables.RESPONDER_CONFIG);

  test('the account-changing responses in report mode, the database alert on, audit-evidence off', () => {
    expect(Object.fromEntries(Object.entries(config.responses).map(([id, r]) => [id, (r as Json).mode]))).toEqual({
      'block-public-bucket': 'report',
      'require-mfa-for-new-users': 'report',
      'tag-instance-owner': 'report',
      'database-deleted': 'report',
    });
    expect(config.evidence).toBeUndefined();
    expect(synth.stack('log-archive').resources('aws_s3_bucket').map(([, b]) => b.bucket)).not.toContain('trailbridge-evidence-333333333333');
  });

  test('the source responder roles may only read', () => {
    for (const name of ['source-test', 'source-prod']) {
      const source = synth.stack(name);
      const policy = source.resources('aws_iam_role_policy').find(([, p]) => p.name === 'enabled-responses')![1];
      const allowed = statementsOf(source, policy.policy).filter((s) => s.effect !== 'Deny').flatMap((s) => s.actions);
      expect(allowed.sort()).toEqual(['ec2:DescribeInstances', 'iam:GetUser', 'iam:ListAttachedUserPolicies', 's3:GetBucketAcl', 's3:GetBucketPolicy', 's3:GetBucketPublicAccessBlock']);
    }
  });
});
