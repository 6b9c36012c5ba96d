import { deliveryRegion, isReadOnlyManagementEvent } from '../../../tools/simulate/delivery';
import { sourceOf, toEnvelope, type EventBridgeEnvelope } from '../../../tools/simulate/envelope';

const record = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventVersion: '1.08',
  eventID: 'e1',
  eventTime: '2024-05-01T10:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'CreateBucket',
  eventType: 'AwsApiCall',
  awsRegion: 'eu-west-1',
  recipientAccountId: '111111111111',
  userIdentity: { type: 'IAMUser', accountId: '999999999999' },
  readOnly: false,
  ...fields,
});

const envelope = (fields?: Record<string, unknown>): EventBridgeEnvelope => {
  const built = toEnvelope(record(fields));
  if ('reason' in built) throw new Error(built.reason);
  return built;
};

describe('the envelope of a CloudTrail record', () => {
  it('carries source, detail-type, account, region, time and the record as detail', () => {
    const built = envelope();
    expect(built).toMatchObject({
      version: '0',
      id: 'e1',
      source: 'aws.s3',
      'detail-type': 'AWS API Call via CloudTrail',
      account: '111111111111',
      region: 'eu-west-1',
      time: '2024-05-01T10:00:00Z',
    });
    expect(built.detail.eventName).toBe('CreateBucket');
  });

  it('names console sign-ins by their own detail-type', () => {
    expect(envelope({ eventSource: 'signin.amazonaws.com', eventType: 'AwsConsoleSignIn' })).toMatchObject({
      source: 'aws.signin',
      'detail-type': 'AWS Console Sign In via CloudTrail',
    });
  });

  it('falls back to the caller account when the record has no recipient account', () => {
    expect(envelope({ recipientAccountId: undefined }).account).toBe('999999999999');
  });

  it('says why a record cannot be delivered', () => {
    expect(toEnvelope(record({ eventSource: undefined }))).toEqual({ reason: 'the record has no eventSource' });
    expect(toEnvelope(record({ eventType: 'AwsCloudTrailInsight' }))).toEqual({ reason: 'CloudTrail does not send AwsCloudTrailInsight events to EventBridge' });
    expect(toEnvelope(record({ recipientAccountId: undefined, userIdentity: null }))).toHaveProperty('reason');
  });

  it('derives the source from the event source', () => {
    expect(sourceOf('iam.amazonaws.com')).toBe('aws.iam');
    expect(sourceOf('ec2-instance-connect.amazonaws.com')).toBe('aws.ec2-instance-connect');
  });
});

describe('the region rule', () => {
  it('delivers regional events in the region of the call', () => {
    expect(deliveryRegion(envelope({ awsRegion: 'eu-west-1' }))).toBe('eu-west-1');
  });

  it.each(['iam', 'cloudfront', 'organizations', 'route53'])('delivers %s events in us-east-1 only', (service) => {
    expect(deliveryRegion(envelope({ eventSource: `${service}.amazonaws.com`, awsRegion: 'eu-west-2' }))).toBe('us-east-1');
  });

  it.each(['sts', 'signin'])('delivers %s events in the region of the endpoint the record names', (service) => {
    expect(deliveryRegion(envelope({ eventSource: `${service}.amazonaws.com`, awsRegion: 'us-east-1' }))).toBe('us-east-1');
    expect(deliveryRegion(envelope({ eventSource: `${service}.amazonaws.com`, awsRegion: 'eu-west-2' }))).toBe('eu-west-2');
  });
});

describe('read-only management events', () => {
  it('are told apart from writes and from data events', () => {
    expect(isReadOnlyManagementEvent(record({ readOnly: true }))).toBe(true);
    expect(isReadOnlyManagementEvent(record({ readOnly: false }))).toBe(false);
    expect(isReadOnlyManagementEvent(record({ readOnly: true, eventCategory: 'Data', managementEvent: false }))).toBe(false);
  });
});
