import type { ResponderConfig } from '../config';
import { readProblem, decision, failedCall, type Action, type Decision, type Observed, type ReadCall, type Response } from '../decision';
import { isObject, requestParameters, text, type Json, type ResponderEvent } from '../event';
import { isPublicGrant, isPublicStatement, readPolicy, statementName, type AclGrant, type BucketPolicy } from '../public-access';
import { aclFromRequest, publicAccessBlockOf } from './bucket-request';

/**
 * block-public-bucket: when a bucket's policy, ACL or public access block changes, read all three
 * and, if the bucket is public, turn the public access block back on (all four settings), remove
 * only the public policy statements and the public ACL grants. Exempt buckets are never touched.
 */

const TRIGGERS: ReadonlySet<string> = new Set(['PutBucketPolicy', 'PutBucketAcl', 'DeleteBucketPublicAccessBlock', 'PutBucketPublicAccessBlock']);
export const PUBLIC_ACCESS_BLOCK_SETTINGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
const ALL_BLOCKED = Object.fromEntries(PUBLIC_ACCESS_BLOCK_SETTINGS.map((setting) => [setting, true]));
const GONE_CODES: ReadonlySet<string> = new Set(['NoSuchBucket']);
/** The answers that mean "the bucket has none", by read key; any other failed read leaves the bucket undecided. */
const ABSENT_CODES: Readonly<Record<string, ReadonlySet<string>>> = {
  policy: new Set(['NoSuchBucketPolicy']),
  publicAccessBlock: new Set(['NoSuchPublicAccessBlockConfiguration']),
  tags: new Set(['NoSuchTagSet']),
};

const bucketOf = (event: ResponderEvent): string | undefined => text(requestParameters(event).bucketName);

function triggers(event: ResponderEvent): boolean {
  if (event.record.eventSource !== 's3.amazonaws.com' || !TRIGGERS.has(event.record.eventName)) return false;
  if (event.record.eventName !== 'PutBucketPublicAccessBlock') return true;
  // An omitted setting is false, as in the S3 API.
  const settings = publicAccessBlockOf(requestParameters(event));
  return PUBLIC_ACCESS_BLOCK_SETTINGS.some((setting) => settings[setting] !== true);
}

function readsFor(event: ResponderEvent, config: ResponderConfig): ReadCall[] {
  const Bucket = bucketOf(event);
  if (!Bucket) return [];
  // ExpectedBucketOwner: never read or change a bucket that another account took over under that name.
  const params = { Bucket, ExpectedBucketOwner: event.account };
  const read = (key: string, api: string): ReadCall => ({ key, service: 's3', api, params, target: 'source' });
  const reads = [read('policy', 'GetBucketPolicy'), read('acl', 'GetBucketAcl'), read('publicAccessBlock', 'GetPublicAccessBlock')];
  if (config.responses['block-public-bucket']?.exemptTag) reads.push(read('tags', 'GetBucketTagging'));
  return reads;
}

/** The state the event itself shows; everything else is assumed absent (no policy, no grants, no block). */
function assumeFromEvent(event: ResponderEvent, config: ResponderConfig): Observed {
  const params = requestParameters(event);
  const name = event.record.eventName;
  const policy = name === 'PutBucketPolicy' ? readPolicy(params.bucketPolicy) : undefined;
  const observed: Record<string, Observed[string]> = {
    policy: policy ? { output: { Policy: JSON.stringify(policy) } } : { errorCode: 'NoSuchBucketPolicy' },
    acl: { output: name === 'PutBucketAcl' ? aclFromRequest(params) : { Grants: [] } },
    publicAccessBlock: name === 'PutBucketPublicAccessBlock' ? { output: { PublicAccessBlockConfiguration: publicAccessBlockOf(params) } } : { errorCode: 'NoSuchPublicAccessBlockConfiguration' },
  };
  if (config.responses['block-public-bucket']?.exemptTag) observed.tags = { errorCode: 'NoSuchTagSet' };
  return observed;
}

/** The tag that marks a bucket as meant to be public, when the bucket carries it. */
function exemptByTag(observed: Observed, exemptTag: { key: string; value?: string } | undefined): string | undefined {
  if (!exemptTag) return undefined;
  const output = observed.tags?.output;
  const tags = isObject(output) && Array.isArray(output.TagSet) ? (output.TagSet as { Key?: string; Value?: string }[]) : [];
  const tag = tags.find((t) => t.Key === exemptTag.key && (exemptTag.value === undefined || t.Value === exemptTag.value));
  return tag ? `${tag.Key}=${tag.Value ?? ''}` : undefined;
}

function decide(event: ResponderEvent, observed: Observed, config: ResponderConfig): Decision {
  const options = config.responses['block-public-bucket'];
  const base = (fields: Partial<Decision>) => decision('block-public-bucket', config, fields);
  const bucket = bucketOf(event);
  if (!bucket) return base({ problem: { kind: 'bad-event', reason: 'requestParameters.bucketName is missing' } });
  const failed = failedCall(event);
  if (failed) return base({ nothingToDo: [failed] });
  if (options?.exemptBuckets.includes(bucket)) return base({ nothingToDo: [`bucket ${bucket} is exempt (listed in exemptBuckets): never touched`] });
  const gone = Object.entries(observed).find(([, result]) => result.errorCode && GONE_CODES.has(result.errorCode));
  if (gone) return base({ problem: { kind: 'gone', reason: `bucket ${bucket} no longer exists (${gone[1].errorCode})` } });
  const denied = readProblem(observed, ABSENT_CODES);
  if (denied) return base({ problem: denied });
  const tag = exemptByTag(observed, options?.exemptTag);
  if (tag) return base({ nothingToDo: [`bucket ${bucket} is exempt (tagged ${tag}): never touched`] });
  const actions = publicFixes(bucket, event.account, observed);
  if (actions.length === 0) return base({ nothingToDo: [`bucket ${bucket} is not public (no public policy statement, no public ACL grant): nothing to change`] });
  return base({ actions });
}

/** The calls that make a public bucket private again, the public access block first. */
function publicFixes(bucket: string, account: string, observed: Observed): Action[] {
  const policy = readPolicy((observed.policy?.output as Json | undefined)?.Policy);
  const aclOutput = isObject(observed.acl?.output) ? observed.acl.output : {};
  const grants = Array.isArray(aclOutput.Grants) ? (aclOutput.Grants as AclGrant[]) : [];
  const publicStatements = policy ? policy.Statement.map((statement, index) => ({ statement, index })).filter(({ statement }) => isPublicStatement(statement)) : [];
  const publicGrants = grants.filter(isPublicGrant);
  if (publicStatements.length === 0 && publicGrants.length === 0) return [];

  const params = { Bucket: bucket, ExpectedBucketOwner: account };
  const action = (api: string, extra: Json, why: string): Action => ({ service: 's3', api, params: { ...params, ...extra }, target: 'source', why });
  const actions: Action[] = [];
  const settings = publicAccessBlockOf(isObject(observed.publicAccessBlock?.output) ? observed.publicAccessBlock.output : {});
  const off = PUBLIC_ACCESS_BLOCK_SETTINGS.filter((setting) => settings[setting] !== true);
  if (off.length > 0) {
    actions.push(action('PutPublicAccessBlock', { PublicAccessBlockConfiguration: ALL_BLOCKED }, `the bucket is public and its public access block has ${off.join(', ')} off: turn all four on`));
  }
  if (policy && publicStatements.length > 0) actions.push(policyFix(policy, publicStatements, action));
  if (publicGrants.length > 0) {
    const kept = grants.filter((grant) => !isPublicGrant(grant));
    const owner = aclOutput.Owner;
    const granted = publicGrants.map((grant) => `${grant.Permission ?? '?'} to ${grant.Grantee?.URI?.split('/').pop()}`).join(', ');
    actions.push(action('PutBucketAcl', { AccessControlPolicy: { Owner: owner, Grants: kept } }, `the ACL grants ${granted}: remove those grants, keep the owner and the other grants`));
  }
  return actions;
}

function policyFix(policy: BucketPolicy, publicStatements: { statement: BucketPolicy['Statement'][number]; index: number }[], action: (api: string, extra: Json, why: string) => Action): Action {
  const names = publicStatements.map(({ statement, index }) => statementName(statement, index)).join(', ');
  const remaining = policy.Statement.filter((_, index) => !publicStatements.some((p) => p.index === index));
  if (remaining.length === 0) return action('DeleteBucketPolicy', {}, `every statement of the policy is public (${names}): delete the policy`);
  return action('PutBucketPolicy', { Policy: JSON.stringify({ ...policy, Statement: remaining }) }, `policy statement ${names} is public: remove it, keep the other ${remaining.length}`);
}

export const blockPublicBucket: Response = { id: 'block-public-bucket', triggers, readsFor, assumeFromEvent, decide };
