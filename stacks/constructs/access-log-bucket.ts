import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { denyInsecureTransport, policyDocument } from './iam';
import { lockDown } from './locked-down-bucket';

export interface AccessLogBucketProps {
  readonly bucketName: string;
  /** The account that owns this bucket and the buckets it logs. */
  readonly accountId: string;
  /** Buckets whose server access logs land here, each under `<its name>/`. */
  readonly sourceBucketNames: readonly string[];
  /** @default 365 */
  readonly expirationDays?: number;
  /** Let terraform destroy delete the bucket with its objects. @default false */
  readonly forceDestroy?: boolean;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * The bucket that receives S3 server access logs of the trail buckets. Encrypted with SSE-S3, not
 * the CMK: S3 server access logging cannot deliver to a target bucket whose default encryption is
 * SSE-KMS. Otherwise as locked down as the trail buckets, and writable by the S3 logging service
 * only for the named source buckets, each under its own prefix.
 */
export class AccessLogBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const provider = props.provider;
    this.bucket = new S3Bucket(this, 'bucket', { provider, bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    const bucketId = this.bucket.id;
    const arn = `arn:aws:s3:::${props.bucketName}`;

    lockDown(this, bucketId, provider);
    new S3BucketVersioningA(this, 'versioning', { provider, bucket: bucketId, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      provider,
      bucket: bucketId,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const expirationDays = props.expirationDays ?? 365;
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      provider,
      bucket: bucketId,
      rule: [
        {
          id: 'expire-access-logs',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: expirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });

    const policy = policyDocument(
      this,
      'policy-document',
      [
        {
          sid: 'S3ServerAccessLogDelivery',
          actions: ['s3:PutObject'],
          resources: props.sourceBucketNames.map((name) => `${arn}/${name}/*`),
          principals: [{ type: 'Service', identifiers: ['logging.s3.amazonaws.com'] }],
          conditions: [
            { test: 'ArnLike', variable: 'aws:SourceArn', values: props.sourceBucketNames.map((name) => `arn:aws:s3:::${name}`) },
            { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] },
          ],
        },
        denyInsecureTransport([arn, `${arn}/*`]),
      ],
      provider,
    );
    new S3BucketPolicy(this, 'policy', { provider, bucket: bucketId, policy: policy.json });
  }
}
