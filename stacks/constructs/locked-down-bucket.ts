import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

export interface BucketLockDown {
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  readonly ownershipControls: S3BucketOwnershipControls;
}

/**
 * What every trailbridge bucket has: all four Block Public Access settings, and ACLs disabled
 * (BucketOwnerEnforced), so access is decided by the bucket policy alone. CloudTrail's
 * `bucket-owner-full-control` ACL header is still accepted under BucketOwnerEnforced.
 */
export function lockDown(scope: Construct, bucketId: string, provider?: TerraformProvider): BucketLockDown {
  const publicAccessBlock = new S3BucketPublicAccessBlock(scope, 'public-access-block', {
    provider,
    bucket: bucketId,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  const ownershipControls = new S3BucketOwnershipControls(scope, 'ownership', {
    provider,
    bucket: bucketId,
    rule: { objectOwnership: 'BucketOwnerEnforced' },
  });
  return { publicAccessBlock, ownershipControls };
}
