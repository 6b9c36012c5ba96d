import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { Construct } from 'constructs';
import { CentralRule, alertTransformer } from '../../catalog';
import { EmailSubscriptions } from '../email-subscriptions';
import { denyInsecureTransport, policyDocument } from '../iam';
import { AdmitsRules, RuleTarget, RuleTargetConfig, eventBridgeFor } from './rule-target';

export interface AlertTopicTargetProps extends AdmitsRules {
  readonly topicName: string;
  /** The KMS key that encrypts the topic. */
  readonly keyArn: string;
  /** Email subscriptions (each must be confirmed). */
  readonly alertEmails: readonly string[];
}

/**
 * The sns target: a KMS-encrypted topic with email subscriptions, which only the given rules may
 * publish to; each rule sends a one-line alert through an input transformer.
 */
export class AlertTopicTarget implements RuleTarget {
  readonly topic: SnsTopic;

  constructor(scope: Construct, props: AlertTopicTargetProps) {
    this.topic = new SnsTopic(scope, 'alerts', {
      name: props.topicName,
      displayName: 'trailbridge security alerts',
      kmsMasterKeyId: props.keyArn,
    });
    const policy = policyDocument(scope, 'alerts-policy-document', [
      eventBridgeFor('EventBridgePublishes', ['sns:Publish'], this.topic.arn, props.ruleArns),
      { ...denyInsecureTransport([this.topic.arn]), actions: ['sns:Publish', 'sns:Subscribe'] },
    ]);
    new SnsTopicPolicy(scope, 'alerts-policy', { arn: this.topic.arn, policy: policy.json });
    new EmailSubscriptions(scope, 'alerts-email', { topicArn: this.topic.arn, emails: props.alertEmails });
  }

  bind(rule: CentralRule): RuleTargetConfig {
    return { arn: this.topic.arn, inputTransformer: alertTransformer(rule) };
  }
}
