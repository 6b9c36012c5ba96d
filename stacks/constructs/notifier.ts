import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { NodeFunction } from './node-function';
import { Partition, bucketArn } from '../../config/arn';

/** A trail bucket the notifier is invoked for, and who its log files belong to. */
export interface NotifiedBucket {
  readonly bucketName: string;
  /** Construct-id-safe name of the bucket's source (the account name). */
  readonly id: string;
}

export interface NotifierProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  readonly functionName: string;
  readonly topicArn: string;
  /** The CMK the topic is encrypted with: publishing needs a data key. */
  readonly kmsKeyArn: string;
  /** The account owning the buckets (the Lambda permission names it). */
  readonly accountId: string;
  readonly buckets: readonly NotifiedBucket[];
  /** Source account id -> environment name, sent as a message attribute. */
  readonly environments: Readonly<Record<string, string>>;
  /** @default 30 */
  readonly logRetentionInDays?: number;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * The notifier Lambda (functions/notifier): S3 invokes it for each new log file; it skips
 * digests and non-log keys, decodes the key and publishes one SNS message per object with
 * message attributes (source account, region, environment, bucket). Its role may publish to the
 * one topic and use the key for that topic's messages (encryption context), nothing else; S3 may invoke it for the named buckets only.
 */
export class Notifier extends Construct {
  readonly function: NodeFunction;
  readonly permissions: LambdaPermission[];

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    const provider = props.provider;
    this.function = new NodeFunction(this, 'function', {
      provider,
      functionName: props.functionName,
      entry: 'notifier',
      description: 'trailbridge: announces new CloudTrail log files on the SNS topic, with message attributes',
      memoryInMb: 128,
      timeoutInSeconds: 30,
      logRetentionInDays: props.logRetentionInDays,
      environment: {
        TOPIC_ARN: props.topicArn,
        SOURCE_ENVIRONMENTS: JSON.stringify(props.environments),
      },
      statements: [
        { sid: 'PublishToTopic', actions: ['sns:Publish'], resources: [props.topicArn] },
        // The topic's key may also encrypt other things (the trail key encrypts every log file): SNS names the topic
        // in the encryption context of the data keys it asks for, so the role may use the key for this topic only.
        {
          sid: 'EncryptForTopic',
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: [props.kmsKeyArn],
          conditions: [{ test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sns:topicArn', values: [props.topicArn] }],
        },
      ],
    });
    this.permissions = props.buckets.map(
      (bucket) =>
        new LambdaPermission(this, `invoke-from-${bucket.id}`, {
          provider,
          statementId: `S3-${bucket.bucketName}`,
          action: 'lambda:InvokeFunction',
          functionName: this.function.function.functionName,
          principal: 's3.amazonaws.com',
          sourceArn: bucketArn(props.partition, bucket.bucketName),
          sourceAccount: props.accountId,
        }),
    );
  }
}
