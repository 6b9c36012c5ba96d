import { PARTITIONS, Partition } from './arn';
import { PARTITION_REGIONS, REGION_NAME_PATTERN, partitionOfRegion } from './regions';
import { ACCOUNT_ROLES, SINGLETON_ROLES } from './schema';
import { Problem } from './problems';
import { trailLayoutProblems } from './sections/source';
import { organizationForwardingProblems } from './sections/stack-sets';

/**
 * Checks that span fields (references, uniqueness, roles), which a shape schema cannot express.
 *
 * Runs on the raw document, whatever its shape problems, so one run reports everything; every
 * access is therefore defensive.
 */
export function crossFieldProblems(raw: unknown): Problem[] {
  if (!isObject(raw)) return [];
  const regions = regionProblems(raw);
  const accounts = accountProblems(raw);
  return [
    ...regions.problems,
    ...accounts.problems,
    ...roleAndReferenceProblems(raw, accounts),
    ...trailLayoutProblems(raw),
    ...organizationForwardingProblems(raw),
    ...regionReferenceProblems(raw, regions),
  ];
}

interface RegionFacts {
  readonly problems: Problem[];
  /** The topology's partition (the default when it is not a valid one). */
  readonly partition: Partition;
  /** Known regions and allowRegions. */
  readonly accepted: ReadonlySet<string>;
  /** The enabled regions as listed. */
  readonly enabled: ReadonlySet<unknown>;
}

interface AccountFacts {
  readonly problems: Problem[];
  /** Account name -> index. */
  readonly names: ReadonlyMap<string, number>;
  /** Role -> indexes of the accounts holding it. */
  readonly holders: ReadonlyMap<string, number[]>;
  /** Trail bucket -> the account's path. */
  readonly buckets: ReadonlyMap<string, string>;
}

function unknownRegion(region: string, partition: Partition): string {
  const other = partitionOfRegion(region);
  if (other) return `${JSON.stringify(region)} is a region of the ${other} partition, and the topology's partition is ${partition}; use one of ${PARTITION_REGIONS[partition].join(', ')}, or set partition to ${JSON.stringify(other)}`;
  return `${JSON.stringify(region)} is not a known region of the ${partition} partition; use one of ${PARTITION_REGIONS[partition].join(', ')}, or add it to allowRegions if AWS launched it recently`;
}

/** allowRegions, regions and homeRegion, against the regions of the topology's partition. */
function regionProblems(raw: Record<string, unknown>): RegionFacts {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  // An invalid partition is reported by the shape schema; the regions are then checked as the default's.
  const partition: Partition = PARTITIONS.includes(raw.partition as Partition) ? (raw.partition as Partition) : 'aws';
  const allowRegions = strings(raw.allowRegions);
  allowRegions.forEach((region, i) => {
    if (!REGION_NAME_PATTERN.test(region)) add(`allowRegions[${i}]`, `${JSON.stringify(region)} does not look like a region name (such as "eu-south-3")`);
    else if (partitionOfRegion(region) !== undefined && partitionOfRegion(region) !== partition) add(`allowRegions[${i}]`, unknownRegion(region, partition));
  });
  const accepted = new Set([...PARTITION_REGIONS[partition], ...allowRegions]);
  const regions = Array.isArray(raw.regions) ? raw.regions : [];
  const enabled = new Set<unknown>();
  regions.forEach((region, i) => {
    if (typeof region !== 'string') return;
    if (!accepted.has(region)) add(`regions[${i}]`, unknownRegion(region, partition));
    if (enabled.has(region)) add(`regions[${i}]`, `${JSON.stringify(region)} is listed twice; list each region once`);
    enabled.add(region);
  });
  if (typeof raw.homeRegion === 'string' && !enabled.has(raw.homeRegion)) {
    // Only regions that are themselves valid are proposed: a misspelt one is reported on its own.
    const candidates = [...enabled].filter((r): r is string => typeof r === 'string' && accepted.has(r));
    const pick = candidates.length > 0 ? `pick one of ${candidates.map((r) => JSON.stringify(r)).join(', ')}` : undefined;
    const message = accepted.has(raw.homeRegion)
      ? `is not among the enabled regions; ${['add it to regions', pick].filter(Boolean).join(' or ')}`
      : `is not among the enabled regions, nor a known region; ${pick ?? 'list a known region in regions and name it here'}`;
    add('homeRegion', `${JSON.stringify(raw.homeRegion)} ${message}`);
  }
  return { problems, partition, accepted, enabled };
}

/** Each account on its own and against the others: unique names, ids and buckets, roles, source options. */
function accountProblems(raw: Record<string, unknown>): AccountFacts {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const organization = isObject(raw.organization) ? raw.organization : undefined;
  // The one account that may hold no role: it is in the topology for the organization trail.
  const managementAccountName = typeof organization?.managementAccount === 'string' ? organization.managementAccount : undefined;
  const accounts = Array.isArray(raw.accounts) ? raw.accounts : [];
  const names = new Map<string, number>();
  const ids = new Map<string, number>();
  const holders = new Map<string, number[]>();
  const buckets = new Map<string, string>();
  accounts.forEach((acct, i) => {
    if (!isObject(acct)) return;
    const at = `accounts[${i}]`;
    if (typeof acct.name === 'string') {
      if (names.has(acct.name)) add(`${at}.name`, `${JSON.stringify(acct.name)} is already the name of accounts[${names.get(acct.name)}]; account names must be unique`);
      else names.set(acct.name, i);
    }
    if (typeof acct.id === 'string') {
      if (ids.has(acct.id)) add(`${at}.id`, `${acct.id} is already accounts[${ids.get(acct.id)}]; list an account once and give it every role it holds`);
      else ids.set(acct.id, i);
    }
    const roles = strings(acct.roles);
    roles.forEach((role, r) => {
      if (roles.indexOf(role) !== r) add(`${at}.roles[${r}]`, `role ${JSON.stringify(role)} is given twice to this account`);
      else if ((ACCOUNT_ROLES as readonly string[]).includes(role)) holders.set(role, [...(holders.get(role) ?? []), i]);
    });
    if (Array.isArray(acct.roles) && acct.roles.length === 0 && !(typeof acct.name === 'string' && acct.name === managementAccountName)) {
      add(`${at}.roles`, `[] gives this account nothing to do; give it at least one of ${ACCOUNT_ROLES.map((r) => JSON.stringify(r)).join(', ')}, or, if it is the organization's management account, name it in organization.managementAccount`);
    }
    problems.push(...deployRoleProblems(acct, at));
    const isSource = roles.includes('source');
    if (isSource && acct.source === undefined) add(`${at}.source`, 'a source account needs its source options; add "source": { "bucketName": "..." }');
    if (!isSource && acct.source !== undefined) add(`${at}.source`, 'only an account with the "source" role takes source options; add the role or remove the section');
    if (isObject(acct.source) && typeof acct.source.bucketName === 'string') {
      const bucket = acct.source.bucketName;
      if (buckets.has(bucket)) add(`${at}.source.bucketName`, `${JSON.stringify(bucket)} is already the bucket of ${buckets.get(bucket)}; each source account needs its own bucket`);
      else buckets.set(bucket, at);
    }
  });
  return { problems, names, holders, buckets };
}

/** A deploy role ARN names a role of its own account: every provider pins allowed_account_ids to it. */
function deployRoleProblems(acct: Record<string, unknown>, at: string): Problem[] {
  const roleArn = isObject(acct.deployRole) ? acct.deployRole.roleArn : undefined;
  if (typeof roleArn !== 'string' || typeof acct.id !== 'string') return [];
  const roleAccount = /^arn:[^:]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
  if (roleAccount === undefined || roleAccount === acct.id) return [];
  const name = typeof acct.name === 'string' ? ` of ${JSON.stringify(acct.name)}` : '';
  return [{
    path: `${at}.deployRole.roleArn`,
    message: `${roleArn} is a role of account ${roleAccount}, but the stacks${name} may only act in ${acct.id} (allowed_account_ids); name a role of ${acct.id}, or use roleName`,
  }];
}

/** The access-log bucket, the roles every topology needs, the management account and the trail mode. */
function roleAndReferenceProblems(raw: Record<string, unknown>, accounts: AccountFacts): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const { names, holders, buckets } = accounts;
  const logArchive = isObject(raw.logArchive) ? raw.logArchive : {};
  if (typeof logArchive.accessLogBucketName === 'string' && buckets.has(logArchive.accessLogBucketName)) {
    add('logArchive.accessLogBucketName', `${JSON.stringify(logArchive.accessLogBucketName)} is also a trail bucket (${buckets.get(logArchive.accessLogBucketName)}); access logs need a bucket of their own`);
  }

  if (Array.isArray(raw.accounts)) {
    for (const role of SINGLETON_ROLES) {
      const held = holders.get(role) ?? [];
      if (held.length === 0) add('accounts', `no account has the role ${JSON.stringify(role)}; add it to the roles of exactly one account`);
      if (held.length > 1) add('accounts', `the role ${JSON.stringify(role)} is given to ${held.map((i) => `accounts[${i}]`).join(' and ')}; exactly one account may hold it`);
    }
    if (!holders.has('source')) add('accounts', 'no account has the role "source"; a topology needs at least one source account');
  }

  const organization = isObject(raw.organization) ? raw.organization : undefined;
  if (organization && typeof organization.managementAccount === 'string' && !names.has(organization.managementAccount)) {
    add('organization.managementAccount', `${JSON.stringify(organization.managementAccount)} is not the name of any account; use one of ${[...names.keys()].map((n) => JSON.stringify(n)).join(', ')}`);
  }
  const trails = isObject(raw.trails) ? raw.trails : {};
  if (trails.mode === 'organization' && !(organization && typeof organization.managementAccount === 'string')) {
    add('trails.mode', '"organization" needs organization.id and organization.managementAccount; set them or use "account"');
  }
  return problems;
}

/** Options elsewhere that name a region: it must be enabled (incident response) or known. */
function regionReferenceProblems(raw: Record<string, unknown>, regions: RegionFacts): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const idr = isObject(raw.incidentResponse) ? raw.incidentResponse : {};
  if (typeof idr.region === 'string' && !regions.enabled.has(idr.region)) {
    add('incidentResponse.region', `${JSON.stringify(idr.region)} is not among the enabled regions; add it to regions or leave it out to use the home region`);
  }
  const forwarder = isObject(raw.forwarder) ? raw.forwarder : {};
  const layerArns = isObject(forwarder.appConfigLayerArns) ? forwarder.appConfigLayerArns : {};
  for (const region of Object.keys(layerArns)) {
    if (!regions.accepted.has(region)) add(`forwarder.appConfigLayerArns[${JSON.stringify(region)}]`, unknownRegion(region, regions.partition));
  }
  // The built-in layer table is the commercial partition's; elsewhere the forwarder's region needs one named.
  const home = raw.homeRegion;
  if (regions.partition !== 'aws' && typeof home === 'string' && regions.enabled.has(home) && regions.accepted.has(home) && layerArns[home] === undefined) {
    add(
      'forwarder.appConfigLayerArns',
      `the built-in AppConfig extension layers are those of the aws partition, and the topology's partition is ${regions.partition}; ` +
        `add "${home}": "arn:${regions.partition}:lambda:${home}:<AWS account>:layer:AWS-AppConfig-Extension-Arm64:<version>" from the AppConfig user guide`,
    );
  }
  const backend = isObject(raw.backend) ? raw.backend : {};
  if (backend.type === 's3' && typeof backend.region === 'string' && !regions.accepted.has(backend.region)) add('backend.region', unknownRegion(backend.region, regions.partition));
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
