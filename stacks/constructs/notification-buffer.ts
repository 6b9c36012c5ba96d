import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { CrossAccountReader } from './cloudtrail-key';
import { Statement, denyInsecureTransport, policyDocument } from './iam';
import { Partition, accountRootArn } from '../../config/arn';

export interface NotificationBufferProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  /** Physical names and the queue's ARN (from the naming module; the DLQ's redrive-allow policy names it). */
  readonly queueName: string;
  readonly queueArn: string;
  readonly deadLetterQueueName: string;
  readonly topicArn: string;
  /** Encrypts both queues; its policy must let SNS use it for this topic. */
  readonly kmsKeyArn: string;
  /** Consumes the queue (the forwarder role, in another account). */
  readonly consumer: CrossAccountReader;
  /** Receives before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Must be at least the consumer's function timeout. @default 900 */
  readonly visibilityTimeoutInSeconds?: number;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

const FOURTEEN_DAYS_IN_SECONDS = 14 * 24 * 3600;
/** Actions an SQS event source mapping needs on its queue. */
const CONSUME_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'];

/**
 * An SQS queue subscribed to the notification topic with raw delivery, so bursts wait in the
 * queue instead of fanning out as Lambda invocations; with a dead-letter queue, both encrypted
 * with the CMK, both refusing non-TLS requests. Only the topic may send, only the consumer role
 * may receive.
 */
export class NotificationBuffer extends Construct {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly subscription: SnsTopicSubscription;

  constructor(scope: Construct, id: string, props: NotificationBufferProps) {
    super(scope, id);
    if (!props.queueArn.endsWith(`:${props.queueName}`)) throw new Error(`NotificationBuffer ${id}: queueArn ${props.queueArn} does not end with the queue name ${props.queueName}`);
    const provider = props.provider;
    this.deadLetterQueue = new SqsQueue(this, 'dead-letters', {
      provider,
      name: props.deadLetterQueueName,
      messageRetentionSeconds: FOURTEEN_DAYS_IN_SECONDS,
      kmsMasterKeyId: props.kmsKeyArn,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [props.queueArn] }),
    });
    this.queue = new SqsQueue(this, 'queue', {
      provider,
      name: props.queueName,
      messageRetentionSeconds: FOURTEEN_DAYS_IN_SECONDS,
      visibilityTimeoutSeconds: props.visibilityTimeoutInSeconds ?? 900,
      kmsMasterKeyId: props.kmsKeyArn,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount: props.maxReceiveCount ?? 5 }),
    });

    const consumer: Statement = {
      sid: 'ConsumerReceive',
      actions: CONSUME_ACTIONS,
      resources: [props.queueArn],
      principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.consumer.accountId)] }],
      conditions: [{ test: 'ArnEquals', variable: 'aws:PrincipalArn', values: [props.consumer.roleArn] }],
    };
    const queueDocument = policyDocument(
      this,
      'queue-policy-document',
      [
        {
          sid: 'TopicSend',
          actions: ['sqs:SendMessage'],
          resources: [props.queueArn],
          principals: [{ type: 'Service', identifiers: ['sns.amazonaws.com'] }],
          conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: [props.topicArn] }],
        },
        consumer,
        denyInsecureTransport([props.queueArn]),
      ],
      provider,
    );
    const queuePolicy = new SqsQueuePolicy(this, 'queue-policy', { provider, queueUrl: this.queue.url, policy: queueDocument.json });
    const dlqDocument = policyDocument(this, 'dead-letters-policy-document', [denyInsecureTransport([this.deadLetterQueue.arn])], provider);
    new SqsQueuePolicy(this, 'dead-letters-policy', { provider, queueUrl: this.deadLetterQueue.url, policy: dlqDocument.json });

    this.subscription = new SnsTopicSubscription(this, 'subscription', {
      provider,
      topicArn: props.topicArn,
      protocol: 'sqs',
      endpoint: this.queue.arn,
      rawMessageDelivery: true,
      // SNS may deliver as soon as the subscription exists.
      dependsOn: [queuePolicy],
    });
  }
}
