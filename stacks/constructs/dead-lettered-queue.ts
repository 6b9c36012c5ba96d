import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { denyInsecureTransport, policyDocument } from './iam';

export interface DeadLetteredQueueProps {
  /** Physical name of the queue (from the naming module). */
  readonly queueName: string;
  /** Physical name of its dead-letter queue (from the naming module). */
  readonly deadLetterQueueName: string;
  /**
   * The queue's own ARN, computed by the naming module: the dead-letter queue's redrive-allow
   * policy names it, and reading it from the queue would make the two resources a cycle.
   */
  readonly queueArn: string;
  /** 1 to 14 (the topology schema checks it). @default 14 */
  readonly retentionInDays?: number;
  /** Receives before a message moves to the dead-letter queue, 1 to 1000 (the topology schema checks it). @default 5 */
  readonly maxReceiveCount?: number;
  /** @default 300 */
  readonly visibilityTimeoutInSeconds?: number;
  /**
   * Let only this queue use the dead-letter queue (a redrive-allow policy). Only emulators that
   * lack RedriveAllowPolicy need false.
   * @default true
   */
  readonly restrictDeadLetterSources?: boolean;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

const SECONDS_PER_DAY = 24 * 3600;
/** SQS keeps a message at most 14 days; the dead-letter queue keeps it as long as allowed. */
const MAX_RETENTION_IN_DAYS = 14;

/**
 * An SQS queue with a dead-letter queue of its own: both encrypted with SQS-managed keys (SSE-SQS,
 * so senders need no KMS grant), both refusing non-TLS requests, and the dead-letter queue
 * accepting redrives from this queue only.
 */
export class DeadLetteredQueue extends Construct {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;

  constructor(scope: Construct, id: string, props: DeadLetteredQueueProps) {
    super(scope, id);
    // The bounds of retentionInDays and maxReceiveCount are the topology schema's
    // (config/sections/forwarder.ts, failureQueue); this checks what only the construct can see.
    if (!props.queueArn.endsWith(`:${props.queueName}`)) throw new Error(`DeadLetteredQueue ${id}: queueArn ${props.queueArn} does not end with the queue name ${props.queueName}`);
    const retentionInDays = props.retentionInDays ?? MAX_RETENTION_IN_DAYS;
    const maxReceiveCount = props.maxReceiveCount ?? 5;

    const provider = props.provider;
    this.deadLetterQueue = new SqsQueue(this, 'dead-letters', {
      provider,
      name: props.deadLetterQueueName,
      messageRetentionSeconds: MAX_RETENTION_IN_DAYS * SECONDS_PER_DAY,
      sqsManagedSseEnabled: true,
      redriveAllowPolicy:
        props.restrictDeadLetterSources === false ? undefined : JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [props.queueArn] }),
    });
    this.queue = new SqsQueue(this, 'queue', {
      provider,
      name: props.queueName,
      messageRetentionSeconds: retentionInDays * SECONDS_PER_DAY,
      visibilityTimeoutSeconds: props.visibilityTimeoutInSeconds ?? 300,
      sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount }),
    });

    for (const [name, queue] of [['queue', this.queue], ['dead-letters', this.deadLetterQueue]] as const) {
      const policy = policyDocument(this, `${name}-policy-document`, [denyInsecureTransport([queue.arn])], provider);
      new SqsQueuePolicy(this, `${name}-policy`, { provider, queueUrl: queue.url, policy: policy.json });
    }
  }
}
