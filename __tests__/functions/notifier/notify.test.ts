import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { readConfig } from '../../../functions/notifier/config';
import { EnvironmentError } from '../../../functions/lib/env';
import { PublishError, notify } from '../../../functions/notifier/notify';
import { Logger } from '../../../functions/lib/logger';
import { DIGEST_KEY, LOG_KEY, TEST_EVENT, s3Event, s3Record } from '../lib/support/s3-events';

const TOPIC = 'arn:aws:sns:us-east-1:333333333333:trailbridge-cloudtrail-objects';
const config = { topicArn: TOPIC, environments: { '111111111111': 'test' } };

function harness(fail: (input: PublishCommandInput) => boolean = () => false) {
  const published: PublishCommandInput[] = [];
  const lines: Record<string, any>[] = [];
  const logger = new Logger({ service: 'notifier', write: (line) => lines.push(JSON.parse(line)), clock: () => 0 });
  const publish = async (input: PublishCommandInput) => {
    if (fail(input)) throw new Error('Throttling: Rate exceeded');
    published.push(input);
  };
  return { published, lines, deps: { config, logger, publish } };
}

describe('notify', () => {
  test('acknowledges the s3:TestEvent without publishing', async () => {
    const { published, deps } = harness();
    await expect(notify(TEST_EVENT, deps)).resolves.toEqual({ published: 0, skipped: 0, ignored: 0, testEvent: true });
    expect(published).toEqual([]);
  });

  test('publishes one message per log file of an event with several records, skipping digests and folder markers', async () => {
    const { published, deps, lines } = harness();
    const second = 'AWSLogs/111111111111/CloudTrail/us-east-1/2025/03/14/second+file.json.gz';
    const event = s3Event(s3Record(LOG_KEY), s3Record(DIGEST_KEY), s3Record('AWSLogs/111111111111/CloudTrail/us-east-1/'), s3Record(second));
    await expect(notify(event, deps)).resolves.toEqual({ published: 2, skipped: 2, ignored: 0, testEvent: false });
    expect(published.map((p) => JSON.parse(p.Message!).key)).toEqual([LOG_KEY, 'AWSLogs/111111111111/CloudTrail/us-east-1/2025/03/14/second file.json.gz']);
    for (const input of published) {
      expect(input.TopicArn).toBe(TOPIC);
      expect(Object.keys(input.MessageAttributes!).sort()).toEqual(['bucket', 'environment', 'kind', 'region', 'sourceAccount']);
    }
    expect(lines.filter((l) => l.message === 'key skipped').map((l) => l.reason)).toEqual(['digest file', 'folder marker']);
  });

  test('tries every object, then fails the event when a publish failed, so S3 retries and the destination keeps it', async () => {
    const other = 'AWSLogs/111111111111/CloudTrail/us-east-1/2025/03/14/other.json.gz';
    const { published, deps, lines } = harness((input) => JSON.parse(input.Message!).key === LOG_KEY);
    const error = await notify(s3Event(s3Record(LOG_KEY), s3Record(other)), deps).catch((e) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toMatch(/could not publish 1 log file notification\(s\): s3:\/\/event-trail-test\/AWSLogs\/111111111111\/CloudTrail\/eu-west-1/);
    expect(published.map((p) => JSON.parse(p.Message!).key)).toEqual([other]);
    expect(lines.find((l) => l.message === 'publish failed')).toMatchObject({ level: 'ERROR', key: LOG_KEY });
  });

  test('logs an unknown event and does not throw', async () => {
    const { deps, lines } = harness();
    await expect(notify({ hello: 'world' }, deps)).resolves.toMatchObject({ published: 0, ignored: 1 });
    expect(lines[0]).toMatchObject({ level: 'WARN', message: 'record ignored' });
  });
});

describe('readConfig', () => {
  test('reads the topic and the environments', () => {
    expect(readConfig({ TOPIC_ARN: ` ${TOPIC} `, SOURCE_ENVIRONMENTS: '{"111111111111":"test"}' })).toEqual(config);
  });

  test('defaults the environments to none', () => {
    expect(readConfig({ TOPIC_ARN: TOPIC }).environments).toEqual({});
  });

  test.each([
    [{}, /Environment variable TOPIC_ARN is required/],
    [{ TOPIC_ARN: 'my-topic' }, /TOPIC_ARN: "my-topic" is not an SNS topic ARN/],
    [{ TOPIC_ARN: TOPIC, SOURCE_ENVIRONMENTS: '{' }, /SOURCE_ENVIRONMENTS is not JSON/],
    [{ TOPIC_ARN: TOPIC, SOURCE_ENVIRONMENTS: '["test"]' }, /SOURCE_ENVIRONMENTS must be a JSON object of account id -> non-empty name/],
  ])('fails on a bad environment %p', (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });

  test('names every bad entry of SOURCE_ENVIRONMENTS (a key that is no account id would never match), with a bad TOPIC_ARN in the same error', () => {
    const error = (() => {
      try {
        readConfig({ TOPIC_ARN: 'my-topic', SOURCE_ENVIRONMENTS: '{"11111111111":"test","222222222222":"","333333333333":"prod"}' });
      } catch (e) {
        return e as EnvironmentError;
      }
      throw new Error('readConfig did not throw');
    })();
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.problems).toEqual([
      'Environment variable TOPIC_ARN: "my-topic" is not an SNS topic ARN',
      'Environment variable SOURCE_ENVIRONMENTS: key "11111111111" is not a 12-digit account id',
      'Environment variable SOURCE_ENVIRONMENTS: "222222222222" has the value "", not a non-empty name',
    ]);
  });
});
