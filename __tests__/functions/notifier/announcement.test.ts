import { UNKNOWN_ENVIRONMENT, decide } from '../../../functions/notifier/announcement';
import { CreatedObject } from '../../../functions/lib/s3-event';
import { BUCKET, DIGEST_KEY, INSIGHT_KEY, LOG_KEY } from '../lib/support/s3-events';

const ENVIRONMENTS = { '111111111111': 'test', '222222222222': 'prod' };

function object(key: string): CreatedObject {
  return { bucket: BUCKET, key, versionId: 'v1', sizeBytes: 100, eventTime: '2025-03-14T09:26:53.589Z', awsRegion: 'us-east-1' };
}

function published(key: string) {
  const decision = decide(object(key), ENVIRONMENTS);
  if (!('publish' in decision)) throw new Error(`expected ${key} to be published, skipped: ${decision.skip}`);
  return { message: JSON.parse(decision.publish.message), attributes: decision.publish.attributes };
}

describe('decide', () => {
  test('announces a log file with the message the forwarder reads and attributes for filter policies', () => {
    const { message, attributes } = published(LOG_KEY);
    expect(message).toMatchObject({ bucket: BUCKET, key: LOG_KEY, versionId: 'v1', size: 100, kind: 'log', sourceAccount: '111111111111', region: 'eu-west-1', environment: 'test' });
    expect(attributes).toEqual({
      sourceAccount: { DataType: 'String', StringValue: '111111111111' },
      region: { DataType: 'String', StringValue: 'eu-west-1' },
      environment: { DataType: 'String', StringValue: 'test' },
      bucket: { DataType: 'String', StringValue: BUCKET },
      kind: { DataType: 'String', StringValue: 'log' },
    });
  });

  test('takes account and region from the AWSLogs/ segments after a key prefix with digits', () => {
    const { attributes } = published(`archive/2025/${LOG_KEY}`);
    expect(attributes.sourceAccount.StringValue).toBe('111111111111');
    expect(attributes.region.StringValue).toBe('eu-west-1');
  });

  test('announces Insights files', () => {
    expect(published(INSIGHT_KEY).attributes.kind.StringValue).toBe('insight');
  });

  test('reads the organization layout, and names an account the topology does not list "unknown"', () => {
    const { message, attributes } = published('org/AWSLogs/o-abcdefghij/999999999999/CloudTrail/us-east-2/2025/03/14/f.json.gz');
    expect(message.organizationId).toBe('o-abcdefghij');
    expect(attributes.organizationId.StringValue).toBe('o-abcdefghij');
    expect(attributes.sourceAccount.StringValue).toBe('999999999999');
    expect(attributes.environment.StringValue).toBe(UNKNOWN_ENVIRONMENT);
  });

  test.each([
    [DIGEST_KEY, 'digest file'],
    ['AWSLogs/111111111111/CloudTrail/eu-west-1/2025/03/14/', 'folder marker'],
    ['AWSLogs/111111111111/CloudTrail/', 'folder marker'],
    ['AWSLogs/111111111111/Config/eu-west-1/2025/03/14/config.json.gz', 'not a CloudTrail log file'],
    ['exports/report.json.gz', 'not a CloudTrail log file'],
    ['AWSLogs/not-an-account/CloudTrail/eu-west-1/2025/03/14/f.json.gz', 'not a CloudTrail log file'],
  ])('skips %s (%s)', (key, reason) => {
    expect(decide(object(key), ENVIRONMENTS)).toEqual({ skip: reason });
  });

  test('announces a key with spaces and unicode as decoded', () => {
    const key = 'my trails/日本/AWSLogs/222222222222/CloudTrail/us-east-1/2025/03/14/f.json.gz';
    const { message, attributes } = published(key);
    expect(message.key).toBe(key);
    expect(attributes.environment.StringValue).toBe('prod');
  });
});
