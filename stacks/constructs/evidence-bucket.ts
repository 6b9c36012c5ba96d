import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketObjectLockConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { Partition, accountRootArn, bucketArn, regionalServiceName } from '../../config/arn';
import { Statement, denyInsecureTransport, policyDocument } from './iam';
import { lockDown } from './locked-down-bucket';

export interface EvidenceBucketProps {
  readonly partition: Partition;
  readonly bucketName: string;
  readonly keyAlias: string;
  /** The log-archive account, which owns bucket and key. */
  readonly accountId: string;
  readonly region: string;
  /** The responder function's role: the only writer. */
  readonly writerRoleArn: string;
  /** Its account, whose root is the principal (the policy applies before the role exists). */
  readonly writerAccountId: string;
  /** Object Lock retention, COMPLIANCE mode. */
  readonly retentionInDays: number;
  readonly accessLogBucketName: string;
  readonly accessLogDependsOn: ITerraformDependable[];
}

/** Where the responder writes; its policies and the key's name this prefix only. */
export const EVIDENCE_PREFIX = 'evidence/';

/** Every way to remove a report or shorten its lock. */
const DELETE_OR_UNLOCK = [
  's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention', 's3:PutBucketObjectLockConfiguration', 's3:DeleteBucket',
];

/**
 * The audit-evidence bucket: versioned, Object Lock in COMPLIANCE mode (nobody, root included,
 * removes a report before its time), SSE-KMS with a key of its own, every public access blocked,
 * access-logged, writable only by the responder function's role, and no deletes or lock changes
 * by anyone (changing the retention later means a new bucket).
 */
export class EvidenceBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EvidenceBucketProps) {
    super(scope, id);
    const bucketArnValue = bucketArn(props.partition, props.bucketName);
    const objects = `${bucketArnValue}/${EVIDENCE_PREFIX}*`;
    const writer = { type: 'AWS' as const, identifiers: [accountRootArn(props.partition, props.writerAccountId)] };
    const isWriter = { test: 'ArnEquals', variable: 'aws:PrincipalArn', values: [props.writerRoleArn] };

    const keyPolicy = policyDocument(this, 'key-policy', [
      { sid: 'AccountAdministers', actions: ['kms:*'], resources: ['*'], principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.accountId)] }] },
      {
        sid: 'ResponderEncryptsEvidenceThroughS3',
        actions: ['kms:GenerateDataKey'],
        resources: ['*'],
        principals: [writer],
        // Confused deputy: only through S3 of this region, only for this bucket's evidence objects.
        conditions: [
          isWriter,
          { test: 'StringEquals', variable: 'kms:ViaService', values: [regionalServiceName(props.partition, 's3', props.region)] },
          { test: 'StringLike', variable: 'kms:EncryptionContext:aws:s3:arn', values: [objects] },
        ],
      },
    ]);
    this.key = new KmsKey(this, 'key', {
      description: `trailbridge: audit evidence (${props.keyAlias})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, 'alias', { name: props.keyAlias, targetKeyId: this.key.keyId });

    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, objectLockEnabled: true });
    const bucketId = this.bucket.id;
    const { publicAccessBlock } = lockDown(this, bucketId);
    const versioning = new S3BucketVersioningA(this, 'versioning', { bucket: bucketId, versioningConfiguration: { status: 'Enabled' } });
    // No bucket key: the key policy's encryption context then names each object, not the bucket.
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: bucketId,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: false }],
    });
    new S3BucketLoggingA(this, 'access-logging', { bucket: bucketId, targetBucket: props.accessLogBucketName, targetPrefix: `${props.bucketName}/`, dependsOn: props.accessLogDependsOn });
    const lock = new S3BucketObjectLockConfigurationA(this, 'object-lock', {
      bucket: bucketId,
      rule: { defaultRetention: { mode: 'COMPLIANCE', days: props.retentionInDays } },
      dependsOn: [versioning],
    });

    const statements: Statement[] = [
      denyInsecureTransport([bucketArnValue, `${bucketArnValue}/*`]),
      { sid: 'ResponderWritesEvidence', actions: ['s3:PutObject', 's3:GetObject'], resources: [objects], principals: [writer], conditions: [isWriter] },
      {
        sid: 'ResponderListsEvidence',
        actions: ['s3:ListBucket'],
        resources: [bucketArnValue],
        principals: [writer],
        conditions: [isWriter, { test: 'StringLike', variable: 's3:prefix', values: [`${EVIDENCE_PREFIX}*`] }],
      },
      {
        sid: 'OnlyTheResponderWrites',
        effect: 'Deny',
        actions: ['s3:PutObject'],
        resources: [`${bucketArnValue}/*`],
        principals: [{ type: '*', identifiers: ['*'] }],
        conditions: [{ test: 'ArnNotEquals', variable: 'aws:PrincipalArn', values: [props.writerRoleArn] }],
      },
      { sid: 'NoDeletesNoUnlocking', effect: 'Deny', actions: DELETE_OR_UNLOCK, resources: [bucketArnValue, `${bucketArnValue}/*`], principals: [{ type: '*', identifiers: ['*'] }] },
    ];
    const document = policyDocument(this, 'policy-document', statements);
    // After the lock configuration: the policy denies changing it.
    new S3BucketPolicy(this, 'policy', { bucket: bucketId, policy: document.json, dependsOn: [publicAccessBlock, lock] });
  }
}
