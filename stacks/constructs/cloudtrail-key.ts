import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Statement, policyDocument } from './iam';
import { Partition, accountRootArn, arn, regionalServiceName } from '../../config/arn';

/** A trail that encrypts with the key, and the account that owns it (the encryption context names it). */
export interface TrailWriter {
  readonly trailArn: string;
  readonly accountId: string;
}

/** A role in another account that reads objects (and buffered messages) encrypted with the key. */
export interface CrossAccountReader {
  readonly roleArn: string;
  readonly accountId: string;
}

export interface CloudTrailKeyProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  /** alias/... from the naming module; trails name the key by this alias's ARN. */
  readonly aliasName: string;
  /** The account that owns the key (log archive). */
  readonly accountId: string;
  /** Region of the key, the buckets and the topic. */
  readonly region: string;
  /** Every trail that writes with the key: one encrypt statement per owning account. */
  readonly trails: readonly TrailWriter[];
  /** Trail buckets: the reader may decrypt only objects of these buckets, through S3. */
  readonly bucketArns: readonly string[];
  /** Decrypts log files through S3 (the forwarder). @default - nobody outside the account */
  readonly reader?: CrossAccountReader;
  /** The topic encrypted with this key that S3 publishes notifications to (direct mode). @default - none */
  readonly s3NotificationTopicArn?: string;
  /** The topic that delivers to a queue encrypted with this key (the SQS buffer). @default - none */
  readonly topicArnForQueue?: string;
  /** The queue encrypted with this key that the reader consumes. @default - none */
  readonly readerQueueArn?: string;
  /** @default 30 */
  readonly deletionWindowInDays?: number;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

const CLOUDTRAIL = 'cloudtrail.amazonaws.com';

/**
 * The log-archive CMK: rotation on, a key policy that lets each source account's trail (and only
 * that trail, by aws:SourceArn and encryption context) encrypt, the forwarder decrypt log files
 * through S3 only, S3 publish to the encrypted topic and SNS deliver to the encrypted buffer.
 * Cross-account roles are named through aws:PrincipalArn on the account root, so the policy
 * applies before those roles exist.
 */
export class CloudTrailKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: CloudTrailKeyProps) {
    super(scope, id);
    if (props.trails.length === 0) throw new Error(`CloudTrailKey ${id}: trails is empty; the key exists for trails, give at least one`);
    if (!props.aliasName.startsWith('alias/') || props.aliasName.startsWith('alias/aws/')) {
      throw new Error(`CloudTrailKey ${id}: aliasName ${JSON.stringify(props.aliasName)} must start with "alias/" and not "alias/aws/"`);
    }
    const provider = props.provider;
    const policy = policyDocument(this, 'policy', cloudTrailKeyStatements(props), provider);
    this.key = new KmsKey(this, 'key', {
      provider,
      description: 'trailbridge: CloudTrail log files, their notifications and buffer',
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
      policy: policy.json,
    });
    this.alias = new KmsAlias(this, 'alias', { provider, name: props.aliasName, targetKeyId: this.key.keyId });
  }
}

/** The key policy as statements (Resource "*" means this key, as in every key policy). */
export function cloudTrailKeyStatements(props: CloudTrailKeyProps): Statement[] {
  const trailArns = props.trails.map((t) => t.trailArn);
  const owners = [...new Set(props.trails.map((t) => t.accountId))];
  const statements: Statement[] = [
    {
      // Without it the key becomes unmanageable; IAM policies in the owning account decide who else.
      sid: 'EnableIamPolicies',
      actions: ['kms:*'],
      resources: ['*'],
      principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.accountId)] }],
    },
    ...owners.map(
      (accountId): Statement => ({
        sid: `CloudTrailEncrypt${accountId}`,
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        principals: [{ type: 'Service', identifiers: [CLOUDTRAIL] }],
        conditions: [
          { test: 'StringEquals', variable: 'aws:SourceArn', values: props.trails.filter((t) => t.accountId === accountId).map((t) => t.trailArn) },
          { test: 'StringLike', variable: 'kms:EncryptionContext:aws:cloudtrail:arn', values: [arn({ partition: props.partition, service: 'cloudtrail', region: '*', account: accountId, resource: 'trail/*' })] },
        ],
      }),
    ),
    {
      // The trail accounts look the key ARN up through the alias at plan time (see trails.resolveKeyArn).
      sid: 'TrailAccountsDescribeKey',
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      principals: [{ type: 'AWS', identifiers: owners.map((accountId) => accountRootArn(props.partition, accountId)) }],
    },
    {
      sid: 'CloudTrailDescribeKey',
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      principals: [{ type: 'Service', identifiers: [CLOUDTRAIL] }],
      conditions: [{ test: 'StringEquals', variable: 'aws:SourceArn', values: trailArns }],
    },
    {
      // CloudTrail needs Decrypt to create or update a trail that writes to a bucket with an S3 Bucket Key.
      sid: 'CloudTrailDecryptForBucketKey',
      actions: ['kms:Decrypt'],
      resources: ['*'],
      principals: [{ type: 'Service', identifiers: [CLOUDTRAIL] }],
      conditions: [{ test: 'StringEquals', variable: 'aws:SourceArn', values: trailArns }],
    },
  ];
  if (props.reader) {
    statements.push({
      sid: 'ReaderDecryptLogFilesThroughS3',
      actions: ['kms:Decrypt'],
      resources: ['*'],
      principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.reader.accountId)] }],
      conditions: [
        { test: 'ArnEquals', variable: 'aws:PrincipalArn', values: [props.reader.roleArn] },
        { test: 'StringEquals', variable: 'kms:ViaService', values: [regionalServiceName(props.partition, 's3', props.region)] },
        // The object ARN, or the bucket ARN when S3 uses a bucket key.
        { test: 'StringLike', variable: 'kms:EncryptionContext:aws:s3:arn', values: props.bucketArns.flatMap((arn) => [arn, `${arn}/*`]) },
      ],
    });
  }
  if (props.s3NotificationTopicArn) {
    statements.push({
      sid: 'S3PublishToEncryptedTopic',
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      principals: [{ type: 'Service', identifiers: ['s3.amazonaws.com'] }],
      // Scoped by the topic SNS encrypts for (an encryption context SNS always sets), not by
      // aws:SourceAccount / aws:SourceArn: no AWS page documents them on the KMS request SNS makes
      // for S3, and SNS documents them as unsupported on the same path from EventBridge, so with
      // them notifications could be dropped. Which buckets may publish is the topic policy's job
      // (notification-topic.ts: aws:SourceArn and aws:SourceAccount, which S3 documents for SNS).
      conditions: [{ test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sns:topicArn', values: [props.s3NotificationTopicArn] }],
    });
  }
  if (props.topicArnForQueue) {
    statements.push({
      sid: 'SnsDeliverToEncryptedQueue',
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      principals: [{ type: 'Service', identifiers: ['sns.amazonaws.com'] }],
      conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: [props.topicArnForQueue] }],
    });
  }
  if (props.reader && props.readerQueueArn) {
    statements.push({
      sid: 'ReaderDecryptBufferThroughSqs',
      actions: ['kms:Decrypt'],
      resources: ['*'],
      principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.reader.accountId)] }],
      conditions: [
        { test: 'ArnEquals', variable: 'aws:PrincipalArn', values: [props.reader.roleArn] },
        { test: 'StringEquals', variable: 'kms:ViaService', values: [regionalServiceName(props.partition, 'sqs', props.region)] },
        { test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sqs:arn', values: [props.readerQueueArn] },
      ],
    });
  }
  return statements;
}
