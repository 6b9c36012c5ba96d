import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketObjectLockConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { CrossAccountReader } from './cloudtrail-key';
import { ACTIONS, Statement, denyInsecureTransport, policyDocument } from './iam';
import { lockDown } from './locked-down-bucket';
import { Partition, accountRootArn, bucketArn } from '../../config/arn';

export interface TrailBucketLifecycle {
  readonly transitionAfterDays: number;
  readonly storageClass: string;
  readonly expirationDays: number;
  readonly noncurrentExpirationDays: number;
}

export interface TrailBucketObjectLock {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  readonly days: number;
}

export interface TrailBucketProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  readonly bucketName: string;
  /** The CMK for default encryption (SSE-KMS with a bucket key). */
  readonly kmsKeyArn: string;
  /** The exact ARNs of the trails allowed to write (aws:SourceArn). */
  readonly trailArns: readonly string[];
  /**
   * Key prefixes CloudTrail may write under, each up to and including its last slash:
   * `[prefix/]AWSLogs/<account>/` or `[prefix/]AWSLogs/<o-id>/`.
   */
  readonly writePrefixes: readonly string[];
  /** `[prefix/]AWSLogs/`: where log files start; the reader may read only below it. */
  readonly logPrefix: string;
  /** The bucket receiving this bucket's server access logs (under `<bucketName>/`). */
  readonly accessLogBucketName: string;
  /** What must exist before logging is turned on: the access-log bucket's policy. @default - nothing */
  readonly accessLogDependsOn?: ITerraformDependable[];
  readonly lifecycle: TrailBucketLifecycle;
  /** Reads log files (the forwarder role, in another account). @default - nobody outside the account */
  readonly reader?: CrossAccountReader;
  /** WORM retention of every new object version. @default - off */
  readonly objectLock?: TrailBucketObjectLock;
  /** Let terraform destroy delete the bucket with its objects. @default false */
  readonly forceDestroy?: boolean;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * The bucket a trail delivers to: versioned, SSE-KMS with a bucket key, every public access
 * blocked, ACLs disabled, access-logged, a lifecycle, optional Object Lock, and a policy that
 * lets exactly the named trails write under their own prefixes, one cross-account role read, and
 * refuses every request without TLS.
 */
export class TrailBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly policy: S3BucketPolicy;
  readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: TrailBucketProps) {
    super(scope, id);
    // That the lifecycle expires after it transitions is the topology schema's check (logArchive.lifecycle).
    const problems: string[] = [];
    if (props.trailArns.length === 0) problems.push('trailArns is empty; name the trails that write here');
    if (props.writePrefixes.length === 0) problems.push('writePrefixes is empty');
    for (const prefix of props.writePrefixes) {
      if (!prefix.startsWith(props.logPrefix) || !prefix.endsWith('/')) problems.push(`writePrefixes: ${JSON.stringify(prefix)} must start with logPrefix ${JSON.stringify(props.logPrefix)} and end with "/"`);
    }
    if (problems.length > 0) throw new Error(`TrailBucket ${id}: ${problems.join('; ')}`);

    const provider = props.provider;
    this.bucketArn = bucketArn(props.partition, props.bucketName);
    this.bucket = new S3Bucket(this, 'bucket', {
      provider,
      bucket: props.bucketName,
      // No objectLockEnabled here: it forces a new bucket, and replacing a trail bucket fails on its
      // objects (or, with forceDestroy, deletes the audit trail). The lock configuration below
      // enables Object Lock on the versioned bucket, new or existing.
      forceDestroy: props.forceDestroy ?? false,
    });
    const bucketId = this.bucket.id;

    const { publicAccessBlock } = lockDown(this, bucketId, provider);
    const versioning = new S3BucketVersioningA(this, 'versioning', { provider, bucket: bucketId, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      provider,
      bucket: bucketId,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true }],
    });
    new S3BucketLoggingA(this, 'access-logging', {
      provider,
      bucket: bucketId,
      targetBucket: props.accessLogBucketName,
      targetPrefix: `${props.bucketName}/`,
      dependsOn: props.accessLogDependsOn,
    });
    const { lifecycle } = props;
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      provider,
      bucket: bucketId,
      rule: [
        {
          id: 'archive-then-expire-log-files',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          transition: [{ days: lifecycle.transitionAfterDays, storageClass: lifecycle.storageClass }],
          expiration: [{ days: lifecycle.expirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: lifecycle.noncurrentExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
      // Noncurrent-version rules act only once versioning is on.
      dependsOn: [versioning],
    });
    if (props.objectLock) {
      new S3BucketObjectLockConfigurationA(this, 'object-lock', {
        provider,
        bucket: bucketId,
        objectLockEnabled: 'Enabled',
        rule: { defaultRetention: { mode: props.objectLock.mode, days: props.objectLock.days } },
        dependsOn: [versioning],
      });
    }

    const document = policyDocument(this, 'policy-document', trailBucketStatements(this.bucketArn, props), provider);
    this.policy = new S3BucketPolicy(this, 'policy', {
      provider,
      bucket: bucketId,
      policy: document.json,
      // S3 rejects concurrent changes of the access block and the policy of one bucket.
      dependsOn: [publicAccessBlock],
    });
  }
}

/** The bucket policy as statements. */
export function trailBucketStatements(bucketArn: string, props: TrailBucketProps): Statement[] {
  const cloudTrail = [{ type: 'Service' as const, identifiers: ['cloudtrail.amazonaws.com'] }];
  const fromTrails = { test: 'StringEquals', variable: 'aws:SourceArn', values: [...props.trailArns] };
  const statements: Statement[] = [
    { sid: 'CloudTrailAclCheck', actions: ['s3:GetBucketAcl'], resources: [bucketArn], principals: cloudTrail, conditions: [fromTrails] },
    {
      sid: 'CloudTrailWrite',
      actions: ['s3:PutObject'],
      resources: props.writePrefixes.map((prefix) => `${bucketArn}/${prefix}*`),
      principals: cloudTrail,
      conditions: [{ test: 'StringEquals', variable: 's3:x-amz-acl', values: ['bucket-owner-full-control'] }, fromTrails],
    },
  ];
  if (props.reader) {
    statements.push({
      sid: 'ReaderReadLogFiles',
      actions: ACTIONS.s3ReadObject,
      resources: [`${bucketArn}/${props.logPrefix}*`],
      principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.reader.accountId)] }],
      conditions: [{ test: 'ArnEquals', variable: 'aws:PrincipalArn', values: [props.reader.roleArn] }],
    });
  }
  statements.push(denyInsecureTransport([bucketArn, `${bucketArn}/*`]));
  return statements;
}
