import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

/** Where a new log file is announced: the SNS topic (direct) or the notifier function (lambda). */
export type NotificationTarget = { readonly topicArn: string } | { readonly functionArn: string };

/** Only log files: digests share the suffix and are skipped downstream, where a filter cannot exclude them. */
export const LOG_FILE_SUFFIX = '.json.gz';
export const OBJECT_CREATED_EVENTS = ['s3:ObjectCreated:*'];

export interface TrailBucketNotificationProps {
  readonly bucketId: string;
  /** `[prefix/]AWSLogs/`: the filter prefix. */
  readonly logPrefix: string;
  readonly target: NotificationTarget;
  /**
   * What must exist before S3 validates the destination (topic policy and key policy, or the
   * Lambda permission): S3 sends a test event when the configuration is put.
   */
  readonly dependsOn: ITerraformDependable[];
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * The bucket's only notification configuration (S3 keeps one per bucket; a second Terraform
 * resource would overwrite the first): object-created events under `AWSLogs/` ending `.json.gz`.
 */
export class TrailBucketNotification extends Construct {
  readonly notification: S3BucketNotification;

  constructor(scope: Construct, id: string, props: TrailBucketNotificationProps) {
    super(scope, id);
    const filter = { events: OBJECT_CREATED_EVENTS, filterPrefix: props.logPrefix, filterSuffix: LOG_FILE_SUFFIX };
    this.notification = new S3BucketNotification(this, 'notification', {
      provider: props.provider,
      bucket: props.bucketId,
      topic: 'topicArn' in props.target ? [{ id: 'log-file-created', topicArn: props.target.topicArn, ...filter }] : undefined,
      lambdaFunction:
        'functionArn' in props.target ? [{ id: 'log-file-created', lambdaFunctionArn: props.target.functionArn, ...filter }] : undefined,
      dependsOn: props.dependsOn,
    });
  }
}
