import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { Partition } from '../../../config/arn';
import { AccountTrail } from '../../../stacks/constructs/account-trail';
import { AlarmTopic } from '../../../stacks/constructs/alarm-topic';
import { bundleFunction } from '../../../stacks/constructs/bundle';
import { CloudTrailKey } from '../../../stacks/constructs/cloudtrail-key';
import { DeadLetteredQueue } from '../../../stacks/constructs/dead-lettered-queue';
import { HostedConfiguration, HostedConfigurationProps, MAX_HOSTED_CONTENT_BYTES, MAX_VALIDATOR_CONTENT_CHARS } from '../../../stacks/constructs/hosted-configuration';
import { NotificationBuffer } from '../../../stacks/constructs/notification-buffer';
import { NotificationTopic } from '../../../stacks/constructs/notification-topic';
import { OperatorSecretParameter } from '../../../stacks/constructs/operator-secret-parameter';
import { TopicSubscription } from '../../../stacks/constructs/topic-subscription';
import { TrailBucket, TrailBucketProps } from '../../../stacks/constructs/trail-bucket';

/** Builds constructs in a fresh stack, as a caller of the public construct would. */
function build(create: (scope: Construct) => void): void {
  Testing.synthScope((scope) => create(scope));
}

const partition: Partition = 'aws';
const reader = { roleArn: 'arn:aws:iam::444444444444:role/reader', accountId: '444444444444' };

const hostedConfiguration: HostedConfigurationProps = {
  partition,
  applicationName: 'app',
  environmentName: 'default',
  profileName: 'rules',
  deploymentStrategyName: 'strategy',
  description: 'rules',
  jsonSchema: '{"type":"object"}',
  content: '{}',
  region: 'us-east-1',
  accountId: '444444444444',
};

const trailBucket: TrailBucketProps = {
  partition,
  bucketName: 'trail-bucket',
  kmsKeyArn: 'arn:aws:kms:us-east-1:333333333333:key/k',
  trailArns: ['arn:aws:cloudtrail:us-east-1:111111111111:trail/t'],
  writePrefixes: ['AWSLogs/111111111111/'],
  logPrefix: 'AWSLogs/',
  accessLogBucketName: 'access-logs',
  lifecycle: { transitionAfterDays: 90, storageClass: 'GLACIER_IR', expirationDays: 365, noncurrentExpirationDays: 30 },
  reader,
};

describe('constructs refuse props they cannot build', () => {
  test('AccountTrail: a trailArn that names another trail', () => {
    expect(() =>
      build((s) => new AccountTrail(s, 'trail', { trailName: 'a', trailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/b', bucketName: 'b', kmsKeyId: 'k' })),
    ).toThrow(/AccountTrail trail: trailArn arn:aws:cloudtrail:us-east-1:111111111111:trail\/b does not name the trail a/);
  });

  test('AlarmTopic: a key alias without alias/', () => {
    const topic = { partition, topicName: 't', accountId: '444444444444', region: 'us-east-1', alarmNamePrefixes: ['p-'] };
    expect(() => build((s) => new AlarmTopic(s, 'alarms', { ...topic, keyAlias: 'my-key' }))).toThrow(/AlarmTopic alarms: keyAlias "my-key" must start with "alias\/"/);
  });

  test('AlarmTopic: no alarm name prefix, so no alarm could publish', () => {
    const topic = { partition, topicName: 't', keyAlias: 'alias/k', accountId: '444444444444', region: 'us-east-1' };
    expect(() => build((s) => new AlarmTopic(s, 'alarms', { ...topic, alarmNamePrefixes: [] }))).toThrow(/AlarmTopic alarms: alarmNamePrefixes is empty; give the name prefix of the alarms that notify the topic/);
  });

  test('CloudTrailKey: no trails, and an alias of AWS', () => {
    const key = { partition, accountId: '333333333333', region: 'us-east-1', bucketArns: ['arn:aws:s3:::b'] };
    expect(() => build((s) => new CloudTrailKey(s, 'key', { ...key, aliasName: 'alias/k', trails: [] }))).toThrow(/CloudTrailKey key: trails is empty; the key exists for trails, give at least one/);
    const trails = [{ trailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/t', accountId: '111111111111' }];
    expect(() => build((s) => new CloudTrailKey(s, 'key', { ...key, aliasName: 'alias/aws/s3', trails }))).toThrow(
      /CloudTrailKey key: aliasName "alias\/aws\/s3" must start with "alias\/" and not "alias\/aws\/"/,
    );
  });

  test('DeadLetteredQueue and NotificationBuffer: a queueArn of another queue', () => {
    expect(() => build((s) => new DeadLetteredQueue(s, 'q', { queueName: 'a', deadLetterQueueName: 'a-dlq', queueArn: 'arn:aws:sqs:us-east-1:444444444444:b' }))).toThrow(
      /DeadLetteredQueue q: queueArn arn:aws:sqs:us-east-1:444444444444:b does not end with the queue name a/,
    );
    const buffer = { partition, queueName: 'a', queueArn: 'arn:aws:sqs:us-east-1:333333333333:b', deadLetterQueueName: 'a-dlq', topicArn: 'arn:aws:sns:us-east-1:333333333333:t', kmsKeyArn: 'k', consumer: reader };
    expect(() => build((s) => new NotificationBuffer(s, 'buffer', buffer))).toThrow(/NotificationBuffer buffer: queueArn arn:aws:sqs:us-east-1:333333333333:b does not end with the queue name a/);
  });

  test('HostedConfiguration: a validator over the AppConfig limit, content over the hosted limit, and bad JSON, all at once where they can be', () => {
    const tooLong = JSON.stringify({ description: 'x'.repeat(MAX_VALIDATOR_CONTENT_CHARS) });
    const tooBig = JSON.stringify({ rules: 'x'.repeat(MAX_HOSTED_CONTENT_BYTES) });
    expect(() => build((s) => new HostedConfiguration(s, 'rules', { ...hostedConfiguration, jsonSchema: tooLong, content: tooBig }))).toThrow(
      new RegExp(
        `HostedConfiguration rules: jsonSchema: ${tooLong.length} characters minified, over AppConfig's validator limit of ${MAX_VALIDATOR_CONTENT_CHARS}; shorten the schema's descriptions; ` +
          `content: ${tooBig.length} bytes, over AppConfig's hosted configuration limit of ${MAX_HOSTED_CONTENT_BYTES}`,
      ),
    );
    expect(() => build((s) => new HostedConfiguration(s, 'rules', { ...hostedConfiguration, content: '{"rules": [' }))).toThrow(/HostedConfiguration: content is not valid JSON \(/);
  });

  test('NotificationTopic: no publisher', () => {
    const topic = { partition, topicName: 't', topicArn: 'arn:aws:sns:us-east-1:333333333333:t', kmsKeyArn: 'k', subscriber: { accountId: '444444444444', endpoint: 'arn:aws:lambda:us-east-1:444444444444:function:f' } };
    expect(() => build((s) => new NotificationTopic(s, 'topic', topic))).toThrow(/NotificationTopic topic: no publisher; give s3Publishers \(direct mode\) or rolePublisherArns \(lambda mode\)/);
  });

  test('OperatorSecretParameter: a name without the leading slash', () => {
    expect(() => build((s) => new OperatorSecretParameter(s, 'token', { parameterName: 'trailbridge/token', description: 'token' }))).toThrow(
      /OperatorSecretParameter token: parameterName "trailbridge\/token" must start with "\/"/,
    );
  });

  test('TopicSubscription: a topicArn that is not an SNS topic', () => {
    expect(() =>
      build((s) => {
        const fn = new LambdaFunction(s, 'fn', { functionName: 'f', role: 'arn:aws:iam::444444444444:role/r' });
        new TopicSubscription(s, 'subscription', { topicArn: 'arn:aws:sqs:us-east-1:333333333333:q', function: fn });
      }),
    ).toThrow(/TopicSubscription subscription: topicArn "arn:aws:sqs:us-east-1:333333333333:q" is not an SNS topic ARN/);
  });

  test('TrailBucket: every problem of its props in one message', () => {
    expect(() => build((s) => new TrailBucket(s, 'bucket', { ...trailBucket, trailArns: [], writePrefixes: [] }))).toThrow(
      /TrailBucket bucket: trailArns is empty; name the trails that write here; writePrefixes is empty/,
    );
    expect(() => build((s) => new TrailBucket(s, 'bucket', { ...trailBucket, writePrefixes: ['logs/111111111111/', 'AWSLogs/222222222222'] }))).toThrow(
      /TrailBucket bucket: writePrefixes: "logs\/111111111111\/" must start with logPrefix "AWSLogs\/" and end with "\/"; writePrefixes: "AWSLogs\/222222222222" must start with logPrefix/,
    );
  });

  test('bundleFunction: a function folder that does not exist', () => {
    expect(() => bundleFunction('no-such-function')).toThrow(/function no-such-function: functions\/no-such-function\/handler\.ts does not exist/);
  });
});
