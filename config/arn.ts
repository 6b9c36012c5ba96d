/**
 * ARNs. Every ARN trailbridge writes is built here, with the topology's partition, so a topology
 * in AWS GovCloud (aws-us-gov) or China (aws-cn) changes one field, not every construct.
 */

export const PARTITIONS = ['aws', 'aws-us-gov', 'aws-cn'] as const;
export type Partition = (typeof PARTITIONS)[number];

export interface ArnParts {
  readonly partition: Partition;
  readonly service: string;
  /** @default - none (global services: IAM, S3) */
  readonly region?: string;
  /** @default - none (S3 buckets) */
  readonly account?: string;
  /** The resource part, with its type: `role/name`, `trail/name`, a bucket name, ... */
  readonly resource: string;
}

/** arn:<partition>:<service>:<region>:<account>:<resource>. */
export function arn(parts: ArnParts): string {
  return `arn:${parts.partition}:${parts.service}:${parts.region ?? ''}:${parts.account ?? ''}:${parts.resource}`;
}

/** The account principal: every IAM identity of the account its own policies allow. */
export function accountRootArn(partition: Partition, accountId: string): string {
  return arn({ partition, service: 'iam', account: accountId, resource: 'root' });
}

export function roleArn(partition: Partition, accountId: string, roleName: string): string {
  return arn({ partition, service: 'iam', account: accountId, resource: `role/${roleName}` });
}

export function bucketArn(partition: Partition, bucketName: string): string {
  return arn({ partition, service: 's3', resource: bucketName });
}

/** The DNS suffix of a partition's service endpoints (China's differ). */
export function dnsSuffix(partition: Partition): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/**
 * A service's regional name, as a regional service principal (logs.<region>.amazonaws.com) and a
 * kms:ViaService value (s3.<region>.amazonaws.com) are written: in China with China's suffix.
 */
export function regionalServiceName(partition: Partition, service: string, region: string): string {
  return `${service}.${region}.${dnsSuffix(partition)}`;
}
