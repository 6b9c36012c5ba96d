import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Construct } from 'constructs';
import { ACTIONS, denyInsecureTransport, policyDocument } from '../iam';
import { AdmitsRules, RuleTarget, RuleTargetConfig, eventBridgeFor } from './rule-target';

export interface BufferQueueTargetProps extends AdmitsRules {
  readonly queueName: string;
  readonly messageRetentionSeconds: number;
}

/**
 * The sqs target: an SSE-SQS queue that buffers events for a consumer; only the given rules may
 * send to it.
 */
export class BufferQueueTarget implements RuleTarget {
  readonly queue: SqsQueue;

  constructor(scope: Construct, props: BufferQueueTargetProps) {
    this.queue = new SqsQueue(scope, 'buffer', {
      name: props.queueName,
      messageRetentionSeconds: props.messageRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    const policy = policyDocument(scope, 'buffer-policy-document', [
      eventBridgeFor('EventBridgeSends', ACTIONS.sqsSend, this.queue.arn, props.ruleArns),
      denyInsecureTransport([this.queue.arn]),
    ]);
    new SqsQueuePolicy(scope, 'buffer-policy', { queueUrl: this.queue.url, policy: policy.json });
  }

  bind(): RuleTargetConfig {
    return { arn: this.queue.arn };
  }
}
