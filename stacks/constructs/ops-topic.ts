import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { AlarmPublishers, AlarmTopic } from './alarm-topic';
import { EmailSubscriptions } from './email-subscriptions';

export interface OpsTopicProps extends AlarmPublishers {
  readonly topicName: string;
  /** Alias of the topic's key, `alias/...` (aliases are regional: one name serves every region). */
  readonly keyAlias: string;
  /** Email subscriptions (each must be confirmed). */
  readonly emails: readonly string[];
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * Where the flow 2 alarms of one account and region go: an alarm topic (encrypted with a key of
 * its own, which CloudWatch of the account may use) with the operations team's email
 * subscriptions. CloudWatch notifies only a topic of the alarm's region, so every region with
 * alarms has one, subscribed by the same people.
 */
export class OpsTopic extends Construct {
  readonly topic: AlarmTopic;
  readonly topicArn: string;

  constructor(scope: Construct, id: string, props: OpsTopicProps) {
    super(scope, id);
    this.topic = new AlarmTopic(this, 'topic', {
      partition: props.partition,
      topicName: props.topicName,
      keyAlias: props.keyAlias,
      accountId: props.accountId,
      region: props.region,
      alarmNamePrefixes: props.alarmNamePrefixes,
      provider: props.provider,
    });
    this.topicArn = this.topic.topic.arn;
    new EmailSubscriptions(this, 'email', { provider: props.provider, topicArn: this.topicArn, emails: props.emails });
  }
}
