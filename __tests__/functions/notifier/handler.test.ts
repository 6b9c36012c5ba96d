import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { LOG_KEY, s3Event, s3Record } from '../lib/support/s3-events';

const TOPIC = 'arn:aws:sns:us-east-1:333333333333:trailbridge-cloudtrail-objects';

test('the handler reads its environment once and publishes through the SNS client', async () => {
  process.env.TOPIC_ARN = TOPIC;
  process.env.SOURCE_ENVIRONMENTS = '{"111111111111":"test"}';
  const send = jest.spyOn(SNSClient.prototype, 'send').mockImplementation(async () => ({ MessageId: 'm-1' }));
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const { handler } = await import('../../../functions/notifier/handler');
    await expect(handler(s3Event(s3Record(LOG_KEY)))).resolves.toMatchObject({ published: 1 });
    const [command] = send.mock.calls[0] as unknown as [PublishCommand];
    expect(command).toBeInstanceOf(PublishCommand);
    expect(command.input).toMatchObject({ TopicArn: TOPIC, MessageAttributes: { environment: { DataType: 'String', StringValue: 'test' } } });
  } finally {
    send.mockRestore();
    write.mockRestore();
    delete process.env.TOPIC_ARN;
    delete process.env.SOURCE_ENVIRONMENTS;
  }
});
