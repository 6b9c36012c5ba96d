import { Naming } from '../../config/naming';
import { TopologyInput } from '../../config/schema';
import { SynthesizedStack, synthesize, topologyWith } from '../support/synth';
import { cloudTrailKey, conditionValues, nameWhere, notificationTopic, ref, statementBySid, statementsOf } from './flow-1-support';

const TEST = '111111111111';
const PROD = '222222222222';
const ARCHIVE = '333333333333';
const EMS = '444444444444';
const FORWARDER_ROLE = `arn:aws:iam::${EMS}:role/trailbridge-forwarder`;
const TRAIL_TEST = `arn:aws:cloudtrail:us-east-1:${TEST}:trail/trailbridge-test`;
const TRAIL_PROD = `arn:aws:cloudtrail:us-east-1:${PROD}:trail/trailbridge-prod`;
const TOPIC = `arn:aws:sns:us-east-1:${ARCHIVE}:trailbridge-cloudtrail-objects`;
const ORG = 'o-abcdefghij';

function logArchive(edit?: (t: TopologyInput) => void): SynthesizedStack {
  return synthesize(topologyWith(edit)).stack('log-archive');
}

function organizationMode(t: TopologyInput): void {
  t.organization = { id: ORG, managementAccount: 'prod' };
  t.trails = { mode: 'organization', organization: { keyPrefix: 'org' } };
  for (const account of t.accounts) if (account.source) delete account.source.bucketName;
}

/** Bucket local name -> its physical name. */
function buckets(stack: SynthesizedStack): Map<string, string> {
  return new Map(stack.resources('aws_s3_bucket').map(([name, body]) => [name, body.bucket as string]));
}

function bucketPolicy(stack: SynthesizedStack, bucketName: string) {
  const local = nameWhere(stack, 'aws_s3_bucket', 'bucket', bucketName);
  const policy = stack.resourceWhere('aws_s3_bucket_policy', 'bucket', ref('aws_s3_bucket', local, 'id'));
  return statementsOf(stack, policy.policy);
}

function keyPolicy(stack: SynthesizedStack) {
  const [, key] = cloudTrailKey(stack);
  return statementsOf(stack, key.policy);
}

function topicPolicy(stack: SynthesizedStack) {
  const policy = stack.resourceWhere('aws_sns_topic_policy', 'arn', ref('aws_sns_topic', notificationTopic(stack)[0], 'arn'));
  return statementsOf(stack, policy.policy);
}

describe('log-archive stack: buckets', () => {
  const stack = logArchive();
  const all = buckets(stack);

  test('creates one bucket per source account and one access-log bucket', () => {
    expect([...all.values()].sort()).toEqual(['event-trail-prod', 'event-trail-test', `trailbridge-access-logs-${ARCHIVE}`]);
  });

  test('every bucket has a public access block with all four flags on', () => {
    expect(all.size).toBe(3);
    for (const name of all.keys()) {
      const block = stack.resourceWhere('aws_s3_bucket_public_access_block', 'bucket', ref('aws_s3_bucket', name, 'id'));
      expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    }
  });

  test('every bucket disables ACLs (BucketOwnerEnforced)', () => {
    expect(all.size).toBe(3);
    for (const name of all.keys()) {
      const ownership = stack.resourceWhere('aws_s3_bucket_ownership_controls', 'bucket', ref('aws_s3_bucket', name, 'id'));
      expect(ownership.rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    }
  });

  test('every bucket is versioned and keeps its objects on destroy by default', () => {
    expect(stack.resources('aws_s3_bucket')).toHaveLength(3);
    for (const [name, body] of stack.resources('aws_s3_bucket')) {
      expect(body.force_destroy).toBe(false);
      const versioning = stack.resourceWhere('aws_s3_bucket_versioning', 'bucket', ref('aws_s3_bucket', name, 'id'));
      expect(versioning.versioning_configuration).toEqual({ status: 'Enabled' });
    }
  });

  test('every bucket policy denies requests without TLS on the bucket and its objects', () => {
    expect(stack.resources('aws_s3_bucket_policy')).toHaveLength(all.size);
    expect(all.size).toBe(3);
    for (const bucketName of all.values()) {
      const deny = statementBySid(bucketPolicy(stack, bucketName), 'DenyInsecureTransport');
      expect(deny.effect).toBe('Deny');
      expect(deny.actions).toEqual(['*']);
      expect(deny.principals).toEqual([{ type: '*', identifiers: ['*'] }]);
      expect(deny.resources).toEqual([`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`]);
      expect(conditionValues(deny, 'Bool', 'aws:SecureTransport')).toEqual(['false']);
    }
  });

  test('no bucket policy allows an anonymous principal', () => {
    expect([...all.values()].flatMap((b) => bucketPolicy(stack, b).filter((s) => s.effect === 'Allow')).flatMap((s) => s.principals ?? [])).not.toHaveLength(0);
    for (const bucketName of all.values()) {
      for (const statement of bucketPolicy(stack, bucketName).filter((s) => s.effect === 'Allow')) {
        for (const principal of statement.principals ?? []) expect(principal.identifiers).not.toContain('*');
      }
    }
  });

  test('trail buckets use SSE-KMS with the CMK and a bucket key', () => {
    const [keyName] = cloudTrailKey(stack);
    for (const bucketName of ['event-trail-test', 'event-trail-prod']) {
      const local = nameWhere(stack, 'aws_s3_bucket', 'bucket', bucketName);
      const encryption = stack.resourceWhere('aws_s3_bucket_server_side_encryption_configuration', 'bucket', ref('aws_s3_bucket', local, 'id'));
      expect(encryption.rule).toEqual([
        { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: ref('aws_kms_key', keyName, 'arn') }, bucket_key_enabled: true },
      ]);
    }
  });

  test('the access-log bucket uses SSE-S3, because S3 access logging cannot deliver to an SSE-KMS target', () => {
    const local = nameWhere(stack, 'aws_s3_bucket', 'bucket', `trailbridge-access-logs-${ARCHIVE}`);
    const encryption = stack.resourceWhere('aws_s3_bucket_server_side_encryption_configuration', 'bucket', ref('aws_s3_bucket', local, 'id'));
    expect(encryption.rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }]);
  });

  test('trail buckets log access to the access-log bucket, which only S3 logging may write, per source bucket', () => {
    const accessLogs = nameWhere(stack, 'aws_s3_bucket', 'bucket', `trailbridge-access-logs-${ARCHIVE}`);
    const logging = stack.resources('aws_s3_bucket_logging').map(([, body]) => body);
    expect(logging).toHaveLength(2);
    for (const entry of logging) expect(entry.target_bucket).toBe(ref('aws_s3_bucket', accessLogs, 'bucket'));
    expect(logging.map((l) => l.target_prefix).sort()).toEqual(['event-trail-prod/', 'event-trail-test/']);

    // One statement per source bucket: each may write only under its own prefix.
    const policy = bucketPolicy(stack, `trailbridge-access-logs-${ARCHIVE}`);
    for (const [sid, source] of [
      ['S3ServerAccessLogDeliveryEventTrailTest', 'event-trail-test'],
      ['S3ServerAccessLogDeliveryEventTrailProd', 'event-trail-prod'],
    ]) {
      const delivery = statementBySid(policy, sid);
      expect(delivery.principals).toEqual([{ type: 'Service', identifiers: ['logging.s3.amazonaws.com'] }]);
      expect(delivery.actions).toEqual(['s3:PutObject']);
      expect(delivery.resources).toEqual([`arn:aws:s3:::trailbridge-access-logs-${ARCHIVE}/${source}/*`]);
      expect(conditionValues(delivery, 'StringEquals', 'aws:SourceAccount')).toEqual([ARCHIVE]);
      expect(conditionValues(delivery, 'ArnLike', 'aws:SourceArn')).toEqual([`arn:aws:s3:::${source}`]);
    }
  });

  test('access-log statement ids stay unique when two bucket names differ only in a dash before a digit', () => {
    const similar = logArchive((t) => {
      t.accounts.find((a) => a.name === 'test')!.source!.bucketName = 'trail-1';
      t.accounts.find((a) => a.name === 'prod')!.source!.bucketName = 'trail1';
    });
    const sids = bucketPolicy(similar, `trailbridge-access-logs-${ARCHIVE}`).map((s) => s.sid ?? '');
    expect(new Set(sids).size).toBe(sids.length);
    const bySource = new Map(
      bucketPolicy(similar, `trailbridge-access-logs-${ARCHIVE}`)
        .filter((s) => s.sid?.startsWith('S3ServerAccessLogDelivery'))
        .map((s) => [conditionValues(s, 'ArnLike', 'aws:SourceArn')?.[0], s.resources]),
    );
    expect(bySource.get('arn:aws:s3:::trail-1')).toEqual([`arn:aws:s3:::trailbridge-access-logs-${ARCHIVE}/trail-1/*`]);
    expect(bySource.get('arn:aws:s3:::trail1')).toEqual([`arn:aws:s3:::trailbridge-access-logs-${ARCHIVE}/trail1/*`]);
  });

  test('trail buckets turn on access logging only after the access-log bucket policy exists', () => {
    const accessLogs = nameWhere(stack, 'aws_s3_bucket', 'bucket', `trailbridge-access-logs-${ARCHIVE}`);
    const [policyName] = stack.resources('aws_s3_bucket_policy').find(([, body]) => body.bucket === ref('aws_s3_bucket', accessLogs, 'id'))!;
    expect(stack.resources('aws_s3_bucket_logging')).toHaveLength(2);
    for (const [, logging] of stack.resources('aws_s3_bucket_logging')) {
      expect(logging.depends_on).toEqual([`aws_s3_bucket_policy.${policyName}`]);
    }
  });

  test('lifecycle transitions and expires log files as the topology says', () => {
    const custom = logArchive((t) => {
      t.logArchive = { lifecycle: { transitionAfterDays: 30, storageClass: 'DEEP_ARCHIVE', expirationDays: 400, noncurrentExpirationDays: 7 } };
    });
    const local = nameWhere(custom, 'aws_s3_bucket', 'bucket', 'event-trail-test');
    const lifecycle = custom.resourceWhere('aws_s3_bucket_lifecycle_configuration', 'bucket', ref('aws_s3_bucket', local, 'id'));
    expect(lifecycle.rule).toEqual([
      expect.objectContaining({
        status: 'Enabled',
        transition: [{ days: 30, storage_class: 'DEEP_ARCHIVE' }],
        expiration: [{ days: 400 }],
        noncurrent_version_expiration: [{ noncurrent_days: 7 }],
      }),
    ]);
  });

  test('fails when log files would expire before they move', () => {
    expect(() => topologyWith((t) => void (t.logArchive = { lifecycle: { transitionAfterDays: 90, expirationDays: 60 } }))).toThrow(
      /logArchive\.lifecycle\.expirationDays: 60 is not after transitionAfterDays \(90\)/,
    );
  });

  test('fails when log files would move to STANDARD_IA before the 30 days S3 requires', () => {
    expect(() => topologyWith((t) => void (t.logArchive = { lifecycle: { transitionAfterDays: 7, storageClass: 'STANDARD_IA' } }))).toThrow(
      /logArchive\.lifecycle\.transitionAfterDays: 7 is too early for STANDARD_IA; S3 moves objects there only after at least 30 days/,
    );
    expect(() => topologyWith((t) => void (t.logArchive = { lifecycle: { transitionAfterDays: 30, storageClass: 'STANDARD_IA' } }))).not.toThrow();
    expect(() => topologyWith((t) => void (t.logArchive = { lifecycle: { transitionAfterDays: 1, storageClass: 'GLACIER_IR' } }))).not.toThrow();
  });

  test('object lock is off by default and on with the mode and days of the topology', () => {
    expect(stack.resources('aws_s3_bucket_object_lock_configuration')).toHaveLength(0);
    const locked = logArchive((t) => void (t.logArchive = { objectLock: { mode: 'COMPLIANCE', days: 365 } }));
    for (const bucketName of ['event-trail-test', 'event-trail-prod']) {
      const local = nameWhere(locked, 'aws_s3_bucket', 'bucket', bucketName);
      const lock = locked.resourceWhere('aws_s3_bucket_object_lock_configuration', 'bucket', ref('aws_s3_bucket', local, 'id'));
      expect(lock.rule).toEqual({ default_retention: { mode: 'COMPLIANCE', days: 365 } });
      expect(lock.object_lock_enabled).toBe('Enabled');
      const versioningName = nameWhere(locked, 'aws_s3_bucket_versioning', 'bucket', ref('aws_s3_bucket', local, 'id'));
      expect(lock.depends_on).toContain(`aws_s3_bucket_versioning.${versioningName}`);
    }
  });

  test('turning object lock on later changes no bucket: the lock configuration enables it, so the trail buckets are not replaced', () => {
    const locked = logArchive((t) => void (t.logArchive = { objectLock: { mode: 'GOVERNANCE', days: 30 } }));
    for (const [, bucket] of locked.resources('aws_s3_bucket')) expect(bucket.object_lock_enabled).toBeUndefined();
    const before = new Map(stack.resources('aws_s3_bucket'));
    for (const [name, bucket] of locked.resources('aws_s3_bucket')) expect(bucket).toEqual(before.get(name));
  });
});

describe('log-archive stack: bucket policies for CloudTrail and the forwarder', () => {
  const stack = logArchive();

  test('CloudTrail may check the ACL only for the exact trail ARN', () => {
    const acl = statementBySid(bucketPolicy(stack, 'event-trail-test'), 'CloudTrailAclCheck');
    expect(acl.actions).toEqual(['s3:GetBucketAcl']);
    expect(acl.resources).toEqual(['arn:aws:s3:::event-trail-test']);
    expect(acl.principals).toEqual([{ type: 'Service', identifiers: ['cloudtrail.amazonaws.com'] }]);
    expect(conditionValues(acl, 'StringEquals', 'aws:SourceArn')).toEqual([TRAIL_TEST]);
  });

  test('the PutObject statement has both the ACL and the source-ARN condition, under AWSLogs/<account>/ only', () => {
    for (const [bucketName, account, trail] of [
      ['event-trail-test', TEST, TRAIL_TEST],
      ['event-trail-prod', PROD, TRAIL_PROD],
    ]) {
      const write = statementBySid(bucketPolicy(stack, bucketName), 'CloudTrailWrite');
      expect(write.actions).toEqual(['s3:PutObject']);
      expect(write.resources).toEqual([`arn:aws:s3:::${bucketName}/AWSLogs/${account}/*`]);
      expect(conditionValues(write, 'StringEquals', 's3:x-amz-acl')).toEqual(['bucket-owner-full-control']);
      expect(conditionValues(write, 'StringEquals', 'aws:SourceArn')).toEqual([trail]);
    }
  });

  test('a key prefix moves the write prefix', () => {
    const prefixed = logArchive((t) => void (t.accounts[0].source!.keyPrefix = 'trails/test'));
    const write = statementBySid(bucketPolicy(prefixed, 'event-trail-test'), 'CloudTrailWrite');
    expect(write.resources).toEqual([`arn:aws:s3:::event-trail-test/trails/test/AWSLogs/${TEST}/*`]);
  });

  test('only the forwarder role reads log files: its account root with aws:PrincipalArn, so the policy applies before the role exists', () => {
    const read = statementBySid(bucketPolicy(stack, 'event-trail-test'), 'ReaderReadLogFiles');
    expect(read.actions).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(read.resources).toEqual(['arn:aws:s3:::event-trail-test/AWSLogs/*']);
    expect(read.principals).toEqual([{ type: 'AWS', identifiers: [`arn:aws:iam::${EMS}:root`] }]);
    expect(conditionValues(read, 'ArnEquals', 'aws:PrincipalArn')).toEqual([FORWARDER_ROLE]);
  });
});

describe('log-archive stack: the CMK', () => {
  const stack = logArchive();
  const statements = keyPolicy(stack);

  test('rotates, and has the alias of the naming module', () => {
    // The CMK is the key the notification topic is encrypted with (the alarm topic's key is another).
    const keyName = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(notificationTopic(stack)[1].kms_master_key_id)![1];
    expect(stack.json.resource.aws_kms_key[keyName].enable_key_rotation).toBe(true);
    expect(stack.resourceWhere('aws_kms_alias', 'name', 'alias/trailbridge-cloudtrail')).toMatchObject({ target_key_id: ref('aws_kms_key', keyName, 'key_id') });
  });

  test('lets CloudTrail encrypt per source account, with the encryption-context and source-ARN conditions', () => {
    for (const [account, trail] of [
      [TEST, TRAIL_TEST],
      [PROD, TRAIL_PROD],
    ]) {
      const encrypt = statementBySid(statements, `CloudTrailEncrypt${account}`);
      expect(encrypt.actions).toEqual(['kms:GenerateDataKey*']);
      expect(encrypt.principals).toEqual([{ type: 'Service', identifiers: ['cloudtrail.amazonaws.com'] }]);
      expect(conditionValues(encrypt, 'StringEquals', 'aws:SourceArn')).toEqual([trail]);
      expect(conditionValues(encrypt, 'StringLike', 'kms:EncryptionContext:aws:cloudtrail:arn')).toEqual([`arn:aws:cloudtrail:*:${account}:trail/*`]);
    }
  });

  test('lets CloudTrail describe the key for the exact trails only', () => {
    const describe = statementBySid(statements, 'CloudTrailDescribeKey');
    expect(describe.actions).toEqual(['kms:DescribeKey']);
    expect(conditionValues(describe, 'StringEquals', 'aws:SourceArn')).toEqual([TRAIL_TEST, TRAIL_PROD]);
  });

  test('lets the forwarder role decrypt log files only through S3 and with the buckets in the encryption context', () => {
    const decrypt = statementBySid(statements, 'ReaderDecryptLogFilesThroughS3');
    expect(decrypt.actions).toEqual(['kms:Decrypt']);
    expect(decrypt.principals).toEqual([{ type: 'AWS', identifiers: [`arn:aws:iam::${EMS}:root`] }]);
    expect(conditionValues(decrypt, 'ArnEquals', 'aws:PrincipalArn')).toEqual([FORWARDER_ROLE]);
    expect(conditionValues(decrypt, 'StringEquals', 'kms:ViaService')).toEqual(['s3.us-east-1.amazonaws.com']);
    expect(conditionValues(decrypt, 'StringLike', 'kms:EncryptionContext:aws:s3:arn')).toEqual([
      'arn:aws:s3:::event-trail-test',
      'arn:aws:s3:::event-trail-test/*',
      'arn:aws:s3:::event-trail-prod',
      'arn:aws:s3:::event-trail-prod/*',
    ]);
  });

  test('lets S3 use the key for the notification topic only; which buckets may publish is the topic policy', () => {
    const s3 = statementBySid(statements, 'S3PublishToEncryptedTopic');
    expect(s3.principals).toEqual([{ type: 'Service', identifiers: ['s3.amazonaws.com'] }]);
    // The encryption context SNS always sets, not aws:SourceAccount / aws:SourceArn: neither S3's
    // nor SNS's page documents them on the KMS request SNS makes for S3, and SNS documents them
    // as unsupported for the same path from EventBridge; with them, notifications could be dropped.
    expect(s3.condition).toEqual([{ test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sns:topicArn', values: [TOPIC] }]);
  });

  test('grants nothing to a service or another account without a condition, except describing the key to the trail accounts', () => {
    const describe = statementBySid(statements, 'TrailAccountsDescribeKey');
    expect(describe.actions).toEqual(['kms:DescribeKey']);
    expect(statements.filter((s) => s.sid !== 'EnableIamPolicies' && s.sid !== 'TrailAccountsDescribeKey')).not.toHaveLength(0);
    for (const statement of statements.filter((s) => s.sid !== 'EnableIamPolicies' && s.sid !== 'TrailAccountsDescribeKey')) {
      expect(statement.condition?.length).toBeGreaterThan(0);
    }
    expect(statementBySid(statements, 'EnableIamPolicies').principals).toEqual([{ type: 'AWS', identifiers: [`arn:aws:iam::${ARCHIVE}:root`] }]);
  });
});

describe('log-archive stack: notifications (direct mode, the default)', () => {
  const stack = logArchive();

  test('exactly one notification configuration per trail bucket, for object-created log files under AWSLogs/', () => {
    const [topicName] = notificationTopic(stack);
    for (const bucketName of ['event-trail-test', 'event-trail-prod']) {
      const local = nameWhere(stack, 'aws_s3_bucket', 'bucket', bucketName);
      const configs = stack.resources('aws_s3_bucket_notification').filter(([, body]) => body.bucket === ref('aws_s3_bucket', local, 'id'));
      expect(configs).toHaveLength(1);
      const [[, config]] = configs;
      expect(config.lambda_function).toBeUndefined();
      expect(config.topic).toEqual([
        { id: 'log-file-created', events: ['s3:ObjectCreated:*'], filter_prefix: 'AWSLogs/', filter_suffix: '.json.gz', topic_arn: ref('aws_sns_topic', topicName, 'arn') },
      ]);
    }
    expect(stack.resources('aws_s3_bucket_notification')).toHaveLength(2);
  });

  test('the notification filter starts after the key prefix', () => {
    const prefixed = logArchive((t) => void (t.accounts[0].source!.keyPrefix = 'trails/test'));
    const local = nameWhere(prefixed, 'aws_s3_bucket', 'bucket', 'event-trail-test');
    const config = prefixed.resourceWhere('aws_s3_bucket_notification', 'bucket', ref('aws_s3_bucket', local, 'id'));
    expect(config.topic[0].filter_prefix).toBe('trails/test/AWSLogs/');
  });

  test('the notification waits for the topic policy and the key, which S3 needs to send its test event', () => {
    const topicPolicyName = nameWhere(stack, 'aws_sns_topic_policy', 'arn', ref('aws_sns_topic', notificationTopic(stack)[0], 'arn'));
    const [keyName] = cloudTrailKey(stack);
    expect(stack.resources('aws_s3_bucket_notification')).toHaveLength(2);
    for (const [, config] of stack.resources('aws_s3_bucket_notification')) {
      expect(config.depends_on).toEqual(expect.arrayContaining([`aws_sns_topic_policy.${topicPolicyName}`, `aws_kms_key.${keyName}`]));
    }
  });

  test('the topic is encrypted with the CMK and named by the naming module', () => {
    const [keyName] = cloudTrailKey(stack);
    const [, topic] = notificationTopic(stack);
    expect(topic).toMatchObject({ name: 'trailbridge-cloudtrail-objects', kms_master_key_id: ref('aws_kms_key', keyName, 'arn') });
  });

  test('the topic policy lets S3 publish for the trail buckets of this account only', () => {
    const publish = statementBySid(topicPolicy(stack), 'S3PublishObjectCreated');
    expect(publish.actions).toEqual(['sns:Publish']);
    expect(publish.resources).toEqual([TOPIC]);
    expect(publish.principals).toEqual([{ type: 'Service', identifiers: ['s3.amazonaws.com'] }]);
    expect(conditionValues(publish, 'ArnLike', 'aws:SourceArn')).toEqual(['arn:aws:s3:::event-trail-test', 'arn:aws:s3:::event-trail-prod']);
    expect(conditionValues(publish, 'StringEquals', 'aws:SourceAccount')).toEqual([ARCHIVE]);
  });

  test('only the observability account may subscribe, and only the forwarder function', () => {
    const statements = topicPolicy(stack);
    const subscribers = statements.filter((s) => s.actions?.includes('sns:Subscribe'));
    expect(subscribers).toHaveLength(1);
    const [subscribe] = subscribers;
    expect(subscribe.principals).toEqual([{ type: 'AWS', identifiers: [`arn:aws:iam::${EMS}:root`] }]);
    expect(conditionValues(subscribe, 'StringEquals', 'sns:Protocol')).toEqual(['lambda']);
    expect(conditionValues(subscribe, 'StringEquals', 'sns:Endpoint')).toEqual([`arn:aws:lambda:us-east-1:${EMS}:function:trailbridge-forwarder`]);
  });

  test('the topic refuses publishing without TLS', () => {
    const deny = statementBySid(topicPolicy(stack), 'DenyInsecurePublish');
    expect(deny.effect).toBe('Deny');
    expect(conditionValues(deny, 'Bool', 'aws:SecureTransport')).toEqual(['false']);
  });

  test('creates no notifier and no buffer unless asked', () => {
    expect(stack.resources('aws_lambda_function')).toHaveLength(0);
    expect(stack.resources('aws_sqs_queue')).toHaveLength(0);
  });
});

describe('log-archive stack: lambda mode', () => {
  const stack = logArchive((t) => void (t.logArchive = { notifications: { mode: 'lambda' } }));
  const [[functionName, fn]] = stack.resources('aws_lambda_function');
  const roleName = nameWhere(stack, 'aws_iam_role', 'name', 'trailbridge-notifier');

  test('each bucket notification invokes the notifier, with the same filter', () => {
    const configs = stack.resources('aws_s3_bucket_notification').map(([, body]) => body);
    expect(configs).toHaveLength(2);
    for (const config of configs) {
      expect(config.topic).toBeUndefined();
      expect(config.lambda_function).toEqual([
        { id: 'log-file-created', events: ['s3:ObjectCreated:*'], filter_prefix: 'AWSLogs/', filter_suffix: '.json.gz', lambda_function_arn: ref('aws_lambda_function', functionName, 'arn') },
      ]);
    }
  });

  test('S3 may invoke the notifier only for each trail bucket of this account', () => {
    const permissions = stack.resources('aws_lambda_permission').map(([, body]) => body);
    expect(permissions.map((p) => p.source_arn).sort()).toEqual(['arn:aws:s3:::event-trail-prod', 'arn:aws:s3:::event-trail-test']);
    for (const permission of permissions) expect(permission).toMatchObject({ principal: 's3.amazonaws.com', source_account: ARCHIVE, action: 'lambda:InvokeFunction' });
  });

  test('the notifier is arm64, named by the naming module, and knows the topic and the environments', () => {
    expect(fn).toMatchObject({ function_name: 'trailbridge-notifier', architectures: ['arm64'] });
    expect(fn.environment.variables.TOPIC_ARN).toBe(TOPIC);
    expect(JSON.parse(fn.environment.variables.SOURCE_ENVIRONMENTS)).toEqual({ [TEST]: 'test', [PROD]: 'prod' });
  });

  test('the notifier role may publish to the topic and use the key for it, nothing more', () => {
    const policy = stack.resourceWhere('aws_iam_role_policy', 'role', ref('aws_iam_role', roleName, 'id'));
    const statements = statementsOf(stack, policy.policy);
    expect(statementBySid(statements, 'PublishToTopic')).toMatchObject({ actions: ['sns:Publish'], resources: [TOPIC] });
    expect(statementBySid(statements, 'EncryptForTopic').actions).toEqual(['kms:GenerateDataKey*', 'kms:Decrypt']);
    // The key is the trail key, which also encrypts every log file: the role may use it for this topic's messages only.
    expect(conditionValues(statementBySid(statements, 'EncryptForTopic'), 'StringEquals', 'kms:EncryptionContext:aws:sns:topicArn')).toEqual([TOPIC]);
    const actions = statements.flatMap((s) => s.actions ?? []);
    expect(actions.some((a) => a.endsWith('*') && !a.startsWith('kms:GenerateDataKey'))).toBe(false);
  });

  test('the topic policy lets the notifier role publish, and S3 no longer', () => {
    const statements = topicPolicy(stack);
    expect(statementBySid(statements, 'NotifierPublish').principals).toEqual([{ type: 'AWS', identifiers: [ref('aws_iam_role', roleName, 'arn')] }]);
    expect(statements.find((s) => s.sid === 'S3PublishObjectCreated')).toBeUndefined();
    expect(keyPolicy(stack).find((s) => s.sid === 'S3PublishToEncryptedTopic')).toBeUndefined();
  });
});

describe('log-archive stack: SQS buffer', () => {
  const stack = logArchive((t) => void (t.logArchive = { notifications: { sqsBuffer: true } }));
  const queueArn = `arn:aws:sqs:us-east-1:${ARCHIVE}:trailbridge-cloudtrail-objects`;

  test('a queue and its dead-letter queue, both encrypted with the CMK', () => {
    const [keyName] = cloudTrailKey(stack);
    const queue = stack.resourceWhere('aws_sqs_queue', 'name', 'trailbridge-cloudtrail-objects');
    const dlq = stack.resourceWhere('aws_sqs_queue', 'name', 'trailbridge-cloudtrail-objects-dlq');
    for (const q of [queue, dlq]) expect(q.kms_master_key_id).toBe(ref('aws_kms_key', keyName, 'arn'));
    const dlqName = nameWhere(stack, 'aws_sqs_queue', 'name', 'trailbridge-cloudtrail-objects-dlq');
    expect(JSON.parse(queue.redrive_policy)).toEqual({ deadLetterTargetArn: ref('aws_sqs_queue', dlqName, 'arn'), maxReceiveCount: 5 });
  });

  test('subscribed to the topic with raw delivery', () => {
    const [[, subscription]] = stack.resources('aws_sns_topic_subscription');
    expect(subscription).toMatchObject({ protocol: 'sqs', raw_message_delivery: true });
  });

  test('only the topic may send and only the forwarder role may receive; no TLS, no access', () => {
    const queueName = nameWhere(stack, 'aws_sqs_queue', 'name', 'trailbridge-cloudtrail-objects');
    const policy = stack.resourceWhere('aws_sqs_queue_policy', 'queue_url', ref('aws_sqs_queue', queueName, 'url'));
    const statements = statementsOf(stack, policy.policy);
    const send = statementBySid(statements, 'TopicSend');
    expect(send.principals).toEqual([{ type: 'Service', identifiers: ['sns.amazonaws.com'] }]);
    const [topicName] = notificationTopic(stack);
    expect(conditionValues(send, 'ArnEquals', 'aws:SourceArn')).toEqual([ref('aws_sns_topic', topicName, 'arn')]);
    expect(conditionValues(statementBySid(statements, 'ConsumerReceive'), 'ArnEquals', 'aws:PrincipalArn')).toEqual([FORWARDER_ROLE]);
    expect(statementBySid(statements, 'DenyInsecureTransport').effect).toBe('Deny');
  });

  test('the key lets SNS encrypt for the queue and the forwarder decrypt through SQS only', () => {
    const statements = keyPolicy(stack);
    expect(conditionValues(statementBySid(statements, 'SnsDeliverToEncryptedQueue'), 'ArnEquals', 'aws:SourceArn')).toEqual([TOPIC]);
    const decrypt = statementBySid(statements, 'ReaderDecryptBufferThroughSqs');
    expect(conditionValues(decrypt, 'StringEquals', 'kms:ViaService')).toEqual(['sqs.us-east-1.amazonaws.com']);
    expect(conditionValues(decrypt, 'StringEquals', 'kms:EncryptionContext:aws:sqs:arn')).toEqual([queueArn]);
  });
});

describe('log-archive stack: alarms', () => {
  const stack = logArchive();
  const alarmsOf = (s: SynthesizedStack) => Object.fromEntries(s.resources('aws_cloudwatch_metric_alarm').map(([, a]) => [a.alarm_name, a]));
  const alarmTopicRef = (s: SynthesizedStack) => ref('aws_sns_topic', nameWhere(s, 'aws_sns_topic', 'name', 'trailbridge-log-archive-alarms'), 'arn');
  const common = { comparison_operator: 'GreaterThanOrEqualToThreshold', threshold: 1, period: 300, evaluation_periods: 1, treat_missing_data: 'notBreaching' };
  const lambdaMode = logArchive((t) => void (t.logArchive = { notifications: { mode: 'lambda' } }));
  const buffered = logArchive((t) => void (t.logArchive = { notifications: { sqsBuffer: true } }));

  test('raise an alarm when the notification topic fails to deliver, to a topic of their own, on ALARM and OK', () => {
    const alarms = alarmsOf(stack);
    expect(Object.keys(alarms)).toEqual(['trailbridge-log-archive-topic-failed-deliveries']);
    const alarm = alarms['trailbridge-log-archive-topic-failed-deliveries'];
    expect(alarm).toMatchObject({ ...common, namespace: 'AWS/SNS', metric_name: 'NumberOfNotificationsFailed', dimensions: { TopicName: 'trailbridge-cloudtrail-objects' }, statistic: 'Sum' });
    // The topic the alarm watches is the stack's notification topic.
    expect(stack.resourceWhere('aws_sns_topic', 'name', alarm.dimensions.TopicName)).toBeDefined();
    expect(alarm.alarm_actions).toEqual([alarmTopicRef(stack)]);
    expect(alarm.ok_actions).toEqual(alarm.alarm_actions);
    expect(alarm.alarm_description).toMatch(/First check: /);
    expect(alarm.alarm_description.length).toBeLessThanOrEqual(1024);
  });

  test('the topic is encrypted with a key of its own that CloudWatch may use only for the log-archive alarms of this account', () => {
    const topic = stack.resourceWhere('aws_sns_topic', 'name', 'trailbridge-log-archive-alarms');
    const keyId = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(topic.kms_master_key_id)![1];
    const [cmk] = cloudTrailKey(stack);
    expect(keyId).not.toBe(cmk);
    expect(stack.resourceWhere('aws_kms_alias', 'name', 'alias/trailbridge-log-archive-alarms').target_key_id).toBe(`\${aws_kms_key.${keyId}.key_id}`);
    const conditions = [
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: [ARCHIVE] },
      { test: 'ArnLike', variable: 'aws:SourceArn', values: [`arn:aws:cloudwatch:us-east-1:${ARCHIVE}:alarm:trailbridge-log-archive-*`] },
    ];
    const keyStatements: any[] = stack.policyDocument(stack.json.resource.aws_kms_key[keyId].policy).statement;
    expect(keyStatements.find((s) => s.sid === 'CloudWatchAlarmsEncrypt').condition).toEqual(conditions);
    const policy = stack.resourceWhere('aws_sns_topic_policy', 'arn', alarmTopicRef(stack));
    expect(stack.policyDocument(policy.policy).statement.find((s: any) => s.sid === 'CloudWatchAlarmsPublish').condition).toEqual(conditions);
    // The prefix comes from the naming module, and every alarm of the stack begins with it.
    const prefix = new Naming(topologyWith()).logArchiveAlarmNamePrefix();
    expect(prefix).toBe('trailbridge-log-archive-');
    for (const s of [stack, lambdaMode, buffered]) for (const name of Object.keys(alarmsOf(s))) expect(name.startsWith(prefix)).toBe(true);
  });

  test('in lambda mode, also on the notifier\'s errors and on its on-failure queue', () => {
    const alarms = alarmsOf(lambdaMode);
    expect(Object.keys(alarms).sort()).toEqual(['trailbridge-log-archive-notifier-errors', 'trailbridge-log-archive-notifier-failures', 'trailbridge-log-archive-topic-failed-deliveries']);
    const errors = alarms['trailbridge-log-archive-notifier-errors'];
    expect(errors).toMatchObject({ ...common, namespace: 'AWS/Lambda', metric_name: 'Errors', dimensions: { FunctionName: 'trailbridge-notifier' }, statistic: 'Sum' });
    expect(lambdaMode.resourceWhere('aws_lambda_function', 'function_name', errors.dimensions.FunctionName)).toBeDefined();
    const failures = alarms['trailbridge-log-archive-notifier-failures'];
    expect(failures).toMatchObject({ ...common, namespace: 'AWS/SQS', metric_name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'trailbridge-notifier-failures' }, statistic: 'Maximum' });
    // The queue is the one the function's async invocations fail to.
    const queueName = nameWhere(lambdaMode, 'aws_sqs_queue', 'name', failures.dimensions.QueueName);
    const [[, config]] = lambdaMode.resources('aws_lambda_function_event_invoke_config');
    expect(config.destination_config.on_failure.destination).toBe(ref('aws_sqs_queue', queueName, 'arn'));
    for (const alarm of [errors, failures]) {
      expect(alarm.alarm_actions).toEqual([alarmTopicRef(lambdaMode)]);
      expect(alarm.alarm_description).toMatch(/First check: /);
    }
    expect(failures.alarm_description).toMatch(/14 days/);
  });

  test('with the SQS buffer, also on its dead-letter queue', () => {
    const alarms = alarmsOf(buffered);
    expect(Object.keys(alarms).sort()).toEqual(['trailbridge-log-archive-buffer-dead-letters', 'trailbridge-log-archive-topic-failed-deliveries']);
    const alarm = alarms['trailbridge-log-archive-buffer-dead-letters'];
    expect(alarm).toMatchObject({ ...common, namespace: 'AWS/SQS', metric_name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'trailbridge-cloudtrail-objects-dlq' }, statistic: 'Maximum' });
    const dlq = nameWhere(buffered, 'aws_sqs_queue', 'name', alarm.dimensions.QueueName);
    const queue = buffered.resourceWhere('aws_sqs_queue', 'name', 'trailbridge-cloudtrail-objects');
    expect(JSON.parse(queue.redrive_policy).deadLetterTargetArn).toBe(ref('aws_sqs_queue', dlq, 'arn'));
    expect(alarm.alarm_actions).toEqual([alarmTopicRef(buffered)]);
    expect(alarm.alarm_description).toMatch(/14 days/);
  });

  test('subscribe the given emails to the topic of their own', () => {
    const mailed = logArchive((t) => void (t.logArchive = { alarms: { emails: ['oncall@example.com', 'sec@example.com'] } }));
    const subscriptions = mailed.resources('aws_sns_topic_subscription').map(([, s]) => s);
    expect(subscriptions.map((s) => [s.protocol, s.endpoint, s.topic_arn])).toEqual([
      ['email', 'oncall@example.com', alarmTopicRef(mailed)],
      ['email', 'sec@example.com', alarmTopicRef(mailed)],
    ]);
    expect(stack.resources('aws_sns_topic_subscription')).toEqual([]);
  });

  test('notify the topology\'s topic instead, with no topic or key of their own', () => {
    const own = `arn:aws:sns:us-east-1:${ARCHIVE}:pager`;
    const given = logArchive((t) => void (t.logArchive = { alarms: { topicArn: own, periodInSeconds: 60 } }));
    expect(given.resources('aws_sns_topic').map(([, t]) => t.name)).toEqual(['trailbridge-cloudtrail-objects']);
    expect(given.resources('aws_kms_key')).toHaveLength(1);
    const alarm = alarmsOf(given)['trailbridge-log-archive-topic-failed-deliveries'];
    expect(alarm.alarm_actions).toEqual([own]);
    expect(alarm.ok_actions).toEqual([own]);
    expect(alarm.period).toBe(60);
  });

  test('refuse emails beside a topicArn, a repeated email, and a period that is not whole minutes', () => {
    const load = (alarms: object) => () => topologyWith((t) => void (t.logArchive = { alarms }));
    expect(load({ topicArn: `arn:aws:sns:us-east-1:${ARCHIVE}:pager`, emails: ['a@example.com'] })).toThrow(/logArchive\.alarms\.emails.*emails subscribe the topic of its own, which topicArn replaces/);
    expect(load({ emails: ['a@example.com', 'a@example.com'] })).toThrow(/already emails\[0\]/);
    expect(load({ periodInSeconds: 90 })).toThrow(/multiple of 60/);
  });

  test('none, and no topic or key, when turned off', () => {
    const off = logArchive((t) => void (t.logArchive = { notifications: { mode: 'lambda', sqsBuffer: true }, alarms: { enabled: false } }));
    expect(off.resources('aws_cloudwatch_metric_alarm')).toEqual([]);
    expect(off.resources('aws_sns_topic').map(([, t]) => t.name)).toEqual(['trailbridge-cloudtrail-objects']);
    expect(off.resources('aws_kms_alias').map(([, a]) => a.name)).not.toContain('alias/trailbridge-log-archive-alarms');
  });
});

describe('log-archive stack: organization mode', () => {
  const stack = logArchive(organizationMode);
  const orgTrail = `arn:aws:cloudtrail:us-east-1:${PROD}:trail/trailbridge-organization`;
  const bucketName = `trailbridge-org-trail-${ARCHIVE}`;

  test('one trail bucket for the organization trail', () => {
    expect([...buckets(stack).values()].sort()).toEqual([`trailbridge-access-logs-${ARCHIVE}`, bucketName]);
  });

  test('the organization trail writes under AWSLogs/<o-id>/ (and the management account prefix it checks), with both conditions', () => {
    const write = statementBySid(bucketPolicy(stack, bucketName), 'CloudTrailWrite');
    expect(write.resources).toEqual([`arn:aws:s3:::${bucketName}/org/AWSLogs/${ORG}/*`, `arn:aws:s3:::${bucketName}/org/AWSLogs/${PROD}/*`]);
    expect(conditionValues(write, 'StringEquals', 'aws:SourceArn')).toEqual([orgTrail]);
    expect(conditionValues(write, 'StringEquals', 's3:x-amz-acl')).toEqual(['bucket-owner-full-control']);
  });

  test('the key lets the management account\'s organization trail encrypt', () => {
    const encrypt = statementBySid(keyPolicy(stack), `CloudTrailEncrypt${PROD}`);
    expect(conditionValues(encrypt, 'StringEquals', 'aws:SourceArn')).toEqual([orgTrail]);
    expect(keyPolicy(stack).find((s) => s.sid === `CloudTrailEncrypt${TEST}`)).toBeUndefined();
  });

  test('one notification configuration, filtered after the organization key prefix', () => {
    const configs = stack.resources('aws_s3_bucket_notification');
    expect(configs).toHaveLength(1);
    expect(configs[0][1].topic[0]).toMatchObject({ filter_prefix: 'org/AWSLogs/', filter_suffix: '.json.gz' });
  });

  test('refuses trail options on source accounts, which the organization trail would ignore', () => {
    const load = () =>
      topologyWith((t) => {
        organizationMode(t);
        t.accounts[0].source!.bucketName = 'event-trail-test';
        t.accounts[1].source!.insights = ['ApiCallRateInsight'];
      });
    expect(load).toThrow(/accounts\[0\]\.source\.bucketName: has no effect when trails\.mode is "organization"[\s\S]*accounts\[1\]\.source\.insights/);
  });
});

test('account mode fails when a source account names no bucket', () => {
  expect(() => topologyWith((t) => void delete t.accounts[1].source!.bucketName)).toThrow(/accounts\[1\]\.source\.bucketName: is required when trails\.mode is "account"/);
});
