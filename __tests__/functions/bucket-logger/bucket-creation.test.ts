import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readBucketCreation } from '../../../functions/bucket-logger/bucket-creation';
import { sharedDataPath } from '../../support/shared-data';

const custodian = (file: string) => JSON.parse(readFileSync(sharedDataPath('eventbridge', 'cloud-custodian', file), 'utf8'));

describe('readBucketCreation on the cloud-custodian envelopes', () => {
  test('a bucket created by the root user in us-west-2', () => {
    expect(readBucketCreation(custodian('event-cloud-trail-create-bucket.json'))).toEqual({
      kind: 'created',
      bucket: {
        account: '619193117841',
        region: 'us-west-2',
        bucketName: 'custodian-create-bucket-v4',
        creator: { type: 'Root', arn: 'arn:aws:iam::619193117841:root', accountId: '619193117841', principalId: '619193117841', name: 'root' },
        eventTime: '2016-06-04T12:19:03Z',
        eventId: 'c4fa3db1-2303-40e4-bde0-3b7246bdbf0b',
        sourceIp: '204.63.44.148',
        userAgent: '[S3Console/0.4]',
        locationConstraint: 'us-west-2',
      },
    });
  });

  test('a bucket created by an assumed role (an envelope without version): role/session and the issuing role', () => {
    const result = readBucketCreation(custodian('event-cloud-trail-s3.json'));
    expect(result).toMatchObject({
      kind: 'created',
      bucket: {
        account: '101010101111',
        region: 'us-east-1',
        bucketName: 'cwe-test',
        creator: {
          type: 'AssumedRole',
          arn: 'arn:aws:sts::101010101111:assumed-role/Sandbox_Dev/user',
          name: 'Sandbox_Dev/user',
          sessionIssuerArn: 'arn:aws:iam::101010101111:role/Sandbox_Dev',
        },
      },
    });
    expect(result.kind === 'created' && 'locationConstraint' in result.bucket).toBe(false);
  });

  test('every other envelope is skipped with the reason, the mismatched-source one included', () => {
    const dir = sharedDataPath('eventbridge', 'cloud-custodian');
    const others = readdirSync(dir).filter((f) => f.endsWith('.json') && !['event-cloud-trail-create-bucket.json', 'event-cloud-trail-s3.json'].includes(f));
    expect(others).toHaveLength(9);
    for (const file of others) {
      const event = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      expect(readBucketCreation(event)).toEqual({ kind: 'skipped', reason: `not an S3 CreateBucket call (${event.detail.eventSource} ${event.detail.eventName})`, eventId: event.id });
    }
  });
});

describe('readBucketCreation on broken or failed events', () => {
  const base = () => custodian('event-cloud-trail-create-bucket.json');

  test('a failed call created no bucket', () => {
    const event = base();
    event.detail.errorCode = 'BucketAlreadyOwnedByYou';
    expect(readBucketCreation(event)).toMatchObject({ kind: 'skipped', reason: 'the call failed (BucketAlreadyOwnedByYou); no bucket was created' });
  });

  test.each([
    ['not an object', 'CreateBucket', 'the event is not a JSON object'],
    ['no detail', { id: 'x' }, 'the event has no detail object'],
    ['no bucket name', (() => { const e = base(); delete e.detail.requestParameters.bucketName; return e; })(), 'requestParameters.bucketName is missing'],
    ['null request parameters', (() => { const e = base(); e.detail.requestParameters = null; return e; })(), 'requestParameters.bucketName is missing'],
  ])('%s', (_label, event, reason) => {
    expect(readBucketCreation(event)).toMatchObject({ kind: 'skipped', reason });
  });

  test('account and region fall back to the CloudTrail record; an identity-less call is "Unknown"', () => {
    const event = base();
    delete event.account;
    delete event.region;
    event.detail.recipientAccountId = '123456789012';
    event.detail.userIdentity = null;
    expect(readBucketCreation(event)).toMatchObject({ kind: 'created', bucket: { account: '123456789012', region: 'us-west-2', creator: { type: 'Unknown' } } });
  });

  test('an IAM user is named by userName', () => {
    const event = base();
    event.detail.userIdentity = { type: 'IAMUser', arn: 'arn:aws:iam::619193117841:user/alice', userName: 'alice', accountId: '619193117841' };
    expect(readBucketCreation(event)).toMatchObject({ kind: 'created', bucket: { creator: { type: 'IAMUser', name: 'alice' } } });
  });
});
