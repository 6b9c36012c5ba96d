import type { Partition } from './arn';

/**
 * AWS regions of the commercial partition that trailbridge knows.
 *
 * The 17 regions enabled by default in every account come first; opt-in regions follow. A region
 * missing here (a newly launched one) is accepted when the topology lists it in `allowRegions`.
 */
export const DEFAULT_ENABLED_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'ca-central-1', 'sa-east-1',
  'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1',
  'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2',
] as const;

export const OPT_IN_REGIONS = [
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5',
  'ap-southeast-7', 'ca-west-1', 'eu-central-2', 'eu-south-1', 'eu-south-2', 'il-central-1',
  'me-central-1', 'me-south-1', 'mx-central-1',
] as const;

export const KNOWN_REGIONS: readonly string[] = [...DEFAULT_ENABLED_REGIONS, ...OPT_IN_REGIONS];

/** The regions trailbridge knows in each partition (a topology's regions must be of its own). */
export const PARTITION_REGIONS: Readonly<Record<Partition, readonly string[]>> = {
  aws: KNOWN_REGIONS,
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
};

/** The partition a known region belongs to, if trailbridge knows it. */
export function partitionOfRegion(region: string): Partition | undefined {
  return (Object.keys(PARTITION_REGIONS) as Partition[]).find((partition) => PARTITION_REGIONS[partition].includes(region));
}

/** CloudTrail delivers events of global services (IAM, STS, CloudFront, sign-in, Organizations) here only, in the commercial partition. */
export const GLOBAL_EVENTS_REGION = 'us-east-1';

/**
 * The region of each partition where global services' events arrive: the region IAM signs its
 * requests in, as the AWS SDK's endpoint rules give it (us-east-1, us-gov-west-1, cn-north-1).
 */
const GLOBAL_EVENTS_REGIONS: Readonly<Record<Partition, string>> = {
  aws: GLOBAL_EVENTS_REGION,
  'aws-us-gov': 'us-gov-west-1',
  'aws-cn': 'cn-north-1',
};

export function globalEventsRegion(partition: Partition): string {
  return GLOBAL_EVENTS_REGIONS[partition];
}

/** The global-events regions of all partitions (a topology's regions are of one partition, so at most one of these is among them). */
export const ALL_GLOBAL_EVENTS_REGIONS: readonly string[] = Object.values(GLOBAL_EVENTS_REGIONS);

/** Shape of a region name, used to accept `allowRegions` entries without knowing them. */
export const REGION_NAME_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
