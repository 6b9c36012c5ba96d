import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Statement, denyInsecureTransport, policyDocument } from './iam';
import { Partition, accountRootArn } from '../../config/arn';

export interface AlarmTopicProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  readonly topicName: string;
  /** Alias of the topic's key, `alias/...`. */
  readonly keyAlias: string;
  /** The account of the stack: the only one whose alarms may publish. */
  readonly accountId: string;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * An SNS topic for CloudWatch alarm notifications, encrypted at rest. CloudWatch cannot use the
 * AWS managed key aws/sns, so the topic gets a customer managed key of its own (rotated yearly)
 * whose policy lets CloudWatch of this account encrypt; the topic policy lets alarms of this
 * account publish and refuses non-TLS requests.
 */
export class AlarmTopic extends Construct {
  readonly topic: SnsTopic;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (!props.keyAlias.startsWith('alias/')) throw new Error(`AlarmTopic ${id}: keyAlias ${JSON.stringify(props.keyAlias)} must start with "alias/"`);
    const provider = props.provider;

    const keyPolicy = policyDocument(this, 'key-policy', alarmTopicKeyStatements(props.partition, props.accountId), provider);
    this.key = new KmsKey(this, 'key', {
      provider,
      description: `Encrypts the SNS topic ${props.topicName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, 'alias', { provider, name: props.keyAlias, targetKeyId: this.key.keyId });

    this.topic = new SnsTopic(this, 'topic', { provider, name: props.topicName, kmsMasterKeyId: this.key.arn });
    const topicPolicy = policyDocument(this, 'topic-policy', alarmTopicStatements(this.topic.arn, props.accountId), provider);
    new SnsTopicPolicy(this, 'policy', { provider, arn: this.topic.arn, policy: topicPolicy.json });
  }
}

const cloudWatchOf = (accountId: string): Pick<Statement, 'principals' | 'conditions'> => ({
  principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
  conditions: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [accountId] }],
});

/** The key policy of an alarm topic's key (a StackSet template writes the same). */
export function alarmTopicKeyStatements(partition: Partition, accountId: string): Statement[] {
  return [
    { sid: 'AccountAdministersKey', actions: ['kms:*'], resources: ['*'], principals: [{ type: 'AWS', identifiers: [accountRootArn(partition, accountId)] }] },
    { sid: 'CloudWatchAlarmsEncrypt', actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], ...cloudWatchOf(accountId) },
  ];
}

/** The topic policy of an alarm topic: alarms of this account publish, over TLS only. */
export function alarmTopicStatements(topicArn: string, accountId: string): Statement[] {
  return [{ sid: 'CloudWatchAlarmsPublish', actions: ['sns:Publish'], resources: [topicArn], ...cloudWatchOf(accountId) }, denyInsecureTransport([topicArn])];
}
