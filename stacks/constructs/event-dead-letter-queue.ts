import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION_SECONDS, deadLetterQueueStatements } from '../catalog/forwarding-definition';
import { policyDocument } from './iam';

export interface EventDeadLetterQueueProps {
  readonly queueName: string;
  /** The rules allowed to send to it (aws:SourceArn). */
  readonly ruleArns: readonly string[];
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * A standard SQS queue, encrypted (SSE-SQS, so EventBridge needs no key grant), that only the given
 * rules may send to: where a target's events go once its retry policy gives up.
 */
export class EventDeadLetterQueue extends Construct {
  readonly queue: SqsQueue;

  constructor(scope: Construct, id: string, props: EventDeadLetterQueueProps) {
    super(scope, id);
    const provider = props.provider;
    this.queue = new SqsQueue(this, 'queue', {
      provider,
      name: props.queueName,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });
    const policy = policyDocument(this, 'policy-document', deadLetterQueueStatements(this.queue.arn, props.ruleArns), provider);
    new SqsQueuePolicy(this, 'policy', { provider, queueUrl: this.queue.url, policy: policy.json });
  }
}
