import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Statement, denyInsecureTransport, policyDocument } from './iam';
import { lockDown } from './locked-down-bucket';
import { Partition, bucketArn } from '../../config/arn';

export interface AccessLogBucketProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
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
  /** Source buckets turn logging on only after this exists: S3 checks the target's policy then. */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const provider = props.provider;
    this.bucket = new S3Bucket(this, 'bucket', { provider, bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    const bucketId = this.bucket.id;
    const arn = bucketArn(props.partition, props.bucketName);

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
      [...withUniqueSids(props.sourceBucketNames.map((name) => accessLogDelivery(props.partition, arn, name, props.accountId))), denyInsecureTransport([arn, `${arn}/*`])],
      provider,
    );
    this.policy = new S3BucketPolicy(this, 'policy', { provider, bucket: bucketId, policy: policy.json });
  }
}

/**
 * One statement per source bucket, so each bucket may write only under its own prefix (one
 * statement naming every bucket and every prefix would let any of them write under any prefix).
 */
export function accessLogDelivery(partition: Partition, accessLogBucketArn: string, sourceBucketName: string, accountId: string): Statement {
  return {
    sid: `S3ServerAccessLogDelivery${sidSuffix(sourceBucketName)}`,
    actions: ['s3:PutObject'],
    resources: [`${accessLogBucketArn}/${sourceBucketName}/*`],
    principals: [{ type: 'Service', identifiers: ['logging.s3.amazonaws.com'] }],
    conditions: [
      { test: 'ArnLike', variable: 'aws:SourceArn', values: [bucketArn(partition, sourceBucketName)] },
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: [accountId] },
    ],
  };
}

/**
 * Sids must be unique in a policy, and a Sid keeps only a name's letters and digits ("trail-1" and
 * "trail1" both give ...Trail1): a repeated one gets a counter, in the order of the buckets.
 */
function withUniqueSids(statements: Statement[]): Statement[] {
  const used = new Set<string>();
  return statements.map((statement) => {
    const base = statement.sid ?? '';
    let sid = base;
    for (let n = 2; used.has(sid); n++) sid = `${base}${n}`;
    used.add(sid);
    return sid === base ? statement : { ...statement, sid };
  });
}

/** A bucket name as a statement id part: Sids allow only letters and digits. */
function sidSuffix(bucketName: string): string {
  return bucketName
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}
