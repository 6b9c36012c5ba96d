import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ClientConfig } from './accounts';
import { CloudTrailObject } from './cloudtrail-files';

/** The SNS envelope of a notification as an SQS subscriber receives it (raw delivery off). */
export interface SnsEnvelope {
  readonly Type: string;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion?: string;
  readonly Signature?: string;
  readonly SigningCertURL?: string;
  readonly UnsubscribeURL?: string;
  readonly MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export const PROBE_QUEUE_NAME = 'trailbridge-e2e-notification-probe';

/**
 * An SQS queue subscribed to the notification topic by the test (not by any stack): it sees what
 * the forwarder's subscription sees, so the run can check the bucket notification reached SNS and
 * build the forwarder's SNS event from the real message.
 */
export class NotificationProbe {
  private subscriptionArn?: string;
  private queueUrl?: string;

  constructor(
    private readonly config: ClientConfig,
    private readonly topicArn: string,
  ) {}

  async subscribe(): Promise<void> {
    const sqs = new SQSClient(this.config);
    this.queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: PROBE_QUEUE_NAME }))).QueueUrl!;
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['QueueArn'] }));
    const out = await new SNSClient(this.config).send(
      new SubscribeCommand({ TopicArn: this.topicArn, Protocol: 'sqs', Endpoint: attributes.Attributes!.QueueArn, ReturnSubscriptionArn: true }),
    );
    this.subscriptionArn = out.SubscriptionArn;
  }

  /** Waits until one notification per key arrived (or the time is up) and returns them by key. */
  async collect(keys: readonly string[], timeoutMs: number): Promise<Map<string, SnsEnvelope>> {
    const sqs = new SQSClient(this.config);
    const found = new Map<string, SnsEnvelope>();
    const deadline = Date.now() + timeoutMs;
    while (found.size < keys.length && Date.now() < deadline) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const messages = out.Messages ?? [];
      for (const m of messages) {
        const envelope = JSON.parse(m.Body!) as SnsEnvelope;
        const event = JSON.parse(envelope.Message);
        for (const record of event.Records ?? []) {
          const key = decodeURIComponent(String(record.s3?.object?.key ?? '').replace(/\+/g, ' '));
          if (keys.includes(key)) found.set(key, envelope);
        }
      }
      if (messages.length > 0) {
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      }
    }
    return found;
  }

  async remove(): Promise<void> {
    if (this.subscriptionArn) await new SNSClient(this.config).send(new UnsubscribeCommand({ SubscriptionArn: this.subscriptionArn }));
    if (this.queueUrl) await new SQSClient(this.config).send(new DeleteQueueCommand({ QueueUrl: this.queueUrl }));
    this.subscriptionArn = undefined;
    this.queueUrl = undefined;
  }
}

export async function putObjects(config: ClientConfig, objects: readonly CloudTrailObject[]): Promise<void> {
  const s3 = new S3Client(config);
  for (const o of objects) {
    await s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: o.body, ContentType: 'application/json', ContentEncoding: 'gzip' }));
  }
}

/**
 * moto 5.2 evaluates a Deny statement whose condition does not hold as a denial
 * (moto/iam/access_control.py, IAMPolicyStatement.is_action_permitted), so a bucket policy with
 * DenyInsecureTransport refuses every object request, TLS or not. This lifts the policies of the
 * given buckets and returns what puts them back, byte for byte; the plan step afterwards proves
 * they are unchanged. Against AWS or LocalStack it is not needed (see run.ts).
 */
export async function liftBucketPolicies(config: ClientConfig, buckets: readonly string[]): Promise<() => Promise<void>> {
  const s3 = new S3Client(config);
  const saved: [string, string][] = [];
  for (const bucket of buckets) {
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket })).then(
      (out) => out.Policy,
      (err) => {
        if ((err as Error).name === 'NoSuchBucketPolicy') return undefined;
        throw err;
      },
    );
    if (!policy) continue;
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    saved.push([bucket, policy]);
  }
  return async () => {
    for (const [bucket, policy] of saved) await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
  };
}

/** The event Lambda gets from an SNS subscription, built from the envelope a subscriber received. */
export function snsLambdaEvent(envelope: SnsEnvelope, subscriptionArn: string): Record<string, unknown> {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: envelope.Type,
          MessageId: envelope.MessageId,
          TopicArn: envelope.TopicArn,
          Subject: envelope.Subject ?? null,
          Message: envelope.Message,
          Timestamp: envelope.Timestamp,
          SignatureVersion: envelope.SignatureVersion ?? '1',
          Signature: envelope.Signature ?? 'EXAMPLE',
          SigningCertUrl: envelope.SigningCertURL ?? 'EXAMPLE',
          UnsubscribeUrl: envelope.UnsubscribeURL ?? 'EXAMPLE',
          MessageAttributes: envelope.MessageAttributes ?? {},
        },
      },
    ],
  };
}
