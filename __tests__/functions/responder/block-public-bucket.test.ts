import type { Observed } from '../../../functions/responder/decision';
import { blockPublicBucket } from '../../../functions/responder/responses';
import { ALL_USERS_URI } from '../../../functions/responder/public-access';
import { eventOf, pantherRecord, testConfig } from './support/records';

const config = testConfig('enforce');
const OWNER = { ID: 'owner-canonical-id', DisplayName: 'owner' };
const ownerGrant = { Grantee: { Type: 'CanonicalUser', ID: OWNER.ID }, Permission: 'FULL_CONTROL' };

/** The read results for a bucket with this policy, ACL grants and public access block. */
function bucketState(policy: object | undefined, grants: object[] = [ownerGrant], block?: Record<string, boolean>, tags?: { Key: string; Value: string }[]): Observed {
  return {
    policy: policy ? { output: { Policy: JSON.stringify(policy) } } : { errorCode: 'NoSuchBucketPolicy' },
    acl: { output: { Owner: OWNER, Grants: grants } },
    publicAccessBlock: block ? { output: { PublicAccessBlockConfiguration: block } } : { errorCode: 'NoSuchPublicAccessBlockConfiguration' },
    tags: tags ? { output: { TagSet: tags } } : { errorCode: 'NoSuchTagSet' },
  };
}

const publicRead = { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-bucket/*' };
const trailWrite = { Sid: 'CloudTrailWrite', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::example-bucket/AWSLogs/*' };

describe('block-public-bucket triggers (panther records)', () => {
  it('on PutBucketPolicy, PutBucketAcl and DeleteBucketPublicAccessBlock', () => {
    for (const index of [309, 335, 356]) expect([index, blockPublicBucket.triggers(eventOf(pantherRecord(index)), config)]).toEqual([index, true]);
  });

  it('on PutBucketPublicAccessBlock with a setting false or omitted, not with all four true', () => {
    const record = pantherRecord(358);
    expect(blockPublicBucket.triggers(eventOf(record), config)).toBe(true);
    (record.requestParameters as Record<string, unknown>).PublicAccessBlockConfiguration = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
    expect(blockPublicBucket.triggers(eventOf(record), config)).toBe(false);
  });

  it('not on other S3 calls', () => {
    const record = { ...pantherRecord(309), eventName: 'GetBucketPolicy' };
    expect(blockPublicBucket.triggers(eventOf(record), config)).toBe(false);
  });

  it('reads policy, ACL, public access block and tags of the bucket, pinned to the event account', () => {
    const reads = blockPublicBucket.readsFor(eventOf(pantherRecord(309)), config);
    expect(reads.map((r) => r.api)).toEqual(['GetBucketPolicy', 'GetBucketAcl', 'GetPublicAccessBlock', 'GetBucketTagging']);
    expect(reads[0]!.params).toEqual({ Bucket: 'example-bucket', ExpectedBucketOwner: '123456789012' });
  });
});

describe('block-public-bucket decisions', () => {
  const event = eventOf(pantherRecord(309));

  it('on the panther public policy ({"AWS": "*"}): block all four and delete the policy, its only statement', () => {
    const policy = (pantherRecord(309).requestParameters as { bucketPolicy: object }).bucketPolicy;
    const decision = blockPublicBucket.decide(event, bucketState(policy), config);
    expect(decision.actions.map((a) => a.api)).toEqual(['PutPublicAccessBlock', 'DeleteBucketPolicy']);
    expect(decision.actions[0]!.params.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect(decision.actions[1]!.why).toMatch(/"Public Access"/);
  });

  it('on the panther service-principal policy: not public, nothing to change', () => {
    const policy = (pantherRecord(310).requestParameters as { bucketPolicy: object }).bucketPolicy;
    const decision = blockPublicBucket.decide(event, bucketState(policy), config);
    expect(decision.actions).toEqual([]);
    expect(decision.nothingToDo[0]).toMatch(/is not public/);
  });

  it('on the panther org-pinned policy (aws:PrincipalOrgID fixed, SourceVpc wildcard): not public', () => {
    const policy = (pantherRecord(319).requestParameters as { bucketPolicy: object }).bucketPolicy;
    expect(blockPublicBucket.decide(event, bucketState(policy), config).actions).toEqual([]);
  });

  it('removes only the one public statement and keeps the rest of the policy', () => {
    const decision = blockPublicBucket.decide(event, bucketState({ Version: '2012-10-17', Statement: [trailWrite, publicRead] }), config);
    const put = decision.actions.find((a) => a.api === 'PutBucketPolicy')!;
    expect(JSON.parse(put.params.Policy as string)).toEqual({ Version: '2012-10-17', Statement: [trailWrite] });
    expect(put.why).toMatch(/"PublicRead" is public: remove it, keep the other 1/);
  });

  it('leaves an already complete public access block alone', () => {
    const all = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
    const decision = blockPublicBucket.decide(event, bucketState({ Statement: [trailWrite, publicRead] }, [ownerGrant], all), config);
    expect(decision.actions.map((a) => a.api)).toEqual(['PutBucketPolicy']);
  });

  it('removes public ACL grants, keeping the owner and other grants', () => {
    const acl = eventOf(pantherRecord(335));
    const publicGrant = { Grantee: { Type: 'Group', URI: ALL_USERS_URI }, Permission: 'READ' };
    const decision = blockPublicBucket.decide(acl, bucketState(undefined, [ownerGrant, publicGrant]), config);
    const put = decision.actions.find((a) => a.api === 'PutBucketAcl')!;
    expect(put.params).toEqual({ Bucket: 'bucket', ExpectedBucketOwner: '123456789012', AccessControlPolicy: { Owner: OWNER, Grants: [ownerGrant] } });
  });

  it('a second delivery, after the fix, finds nothing to change', () => {
    const first = blockPublicBucket.decide(event, bucketState({ Statement: [trailWrite, publicRead] }), config);
    const fixedPolicy = JSON.parse(first.actions.find((a) => a.api === 'PutBucketPolicy')!.params.Policy as string);
    const again = blockPublicBucket.decide(event, bucketState(fixedPolicy, [ownerGrant], first.actions[0]!.params.PublicAccessBlockConfiguration as Record<string, boolean>), config);
    expect(again.actions).toEqual([]);
    expect(again.nothingToDo).toEqual(['bucket example-bucket is not public (no public policy statement, no public ACL grant): nothing to change']);
  });

  it('never touches an exempt bucket, listed or tagged, and says so', () => {
    const listed = eventOf({ ...pantherRecord(309), requestParameters: { bucketName: 'public-website' } });
    const byList = blockPublicBucket.decide(listed, bucketState({ Statement: [publicRead] }), config);
    expect(byList).toMatchObject({ actions: [], nothingToDo: ['bucket public-website is exempt (listed in exemptBuckets): never touched'] });
    const byTag = blockPublicBucket.decide(event, bucketState({ Statement: [publicRead] }, [ownerGrant], undefined, [{ Key: 'public', Value: 'true' }]), config);
    expect(byTag).toMatchObject({ actions: [], nothingToDo: ['bucket example-bucket is exempt (tagged public=true): never touched'] });
  });

  it('reports a bucket that is gone, and an access denied, as problems', () => {
    expect(blockPublicBucket.decide(event, { policy: { errorCode: 'NoSuchBucket' } }, config).problem).toMatchObject({ kind: 'gone' });
    expect(blockPublicBucket.decide(event, { ...bucketState(undefined), acl: { errorCode: 'AccessDenied' } }, config).problem).toMatchObject({ kind: 'access-denied' });
  });

  it('does nothing for a failed call (panther 312, AccessDenied) or an event without a bucket (panther 311)', () => {
    expect(blockPublicBucket.decide(eventOf(pantherRecord(312)), bucketState(undefined), config).nothingToDo[0]).toMatch(/call failed \(AccessDenied\)/);
    expect(blockPublicBucket.decide(eventOf(pantherRecord(311)), {}, config).problem).toMatchObject({ kind: 'bad-event' });
  });

  it('derives the state from the event for the simulator: the panther public policy, as sent', () => {
    const observed = blockPublicBucket.assumeFromEvent(event, config);
    expect(blockPublicBucket.decide(event, observed, config).actions.map((a) => a.api)).toEqual(['PutPublicAccessBlock', 'DeleteBucketPolicy']);
    const canned = eventOf({ ...pantherRecord(335), requestParameters: { bucketName: 'bucket', 'x-amz-acl': ['public-read'] } });
    expect(blockPublicBucket.decide(canned, blockPublicBucket.assumeFromEvent(canned, config), config).actions.map((a) => a.api)).toEqual(['PutPublicAccessBlock', 'PutBucketAcl']);
  });
});

describe('block-public-bucket on a read that failed unexpectedly', () => {
  it('does not decide on state it could not read: no action on a bucket whose tags could not be read, no "not public" for an unread policy', () => {
    const event = eventOf(pantherRecord(309));
    const tagsUnread = { ...bucketState({ Version: '2012-10-17', Statement: [publicRead] }), tags: { errorCode: 'MethodNotAllowed' } };
    const acting = blockPublicBucket.decide(event, tagsUnread, config);
    expect(acting.actions).toEqual([]);
    expect(acting.problem).toEqual({ kind: 'unreadable', reason: expect.stringMatching(/^reading tags failed \(MethodNotAllowed\)/) });

    const redirected: Observed = Object.fromEntries(['policy', 'acl', 'publicAccessBlock', 'tags'].map((key) => [key, { errorCode: 'PermanentRedirect' }]));
    const silent = blockPublicBucket.decide(event, redirected, config);
    expect(silent.nothingToDo).toEqual([]);
    expect(silent.problem).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/^reading policy failed \(PermanentRedirect\)/) });
  });
});
