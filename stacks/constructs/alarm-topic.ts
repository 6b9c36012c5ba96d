import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Statement, denyInsecureTransport, policyDocument } from './iam';
import { Partition, accountRootArn, arn } from '../../config/arn';

/** The alarms that may publish to an alarm topic: of one account and region, by name prefix. */
export interface AlarmPublishers {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  /** The account of the stack: the only one whose alarms may publish. */
  readonly accountId: string;
  /** The topic's region (CloudWatch notifies only a topic of the alarm's own region); `${AWS::Region}` in a template. */
  readonly region: string;
  /**
   * What the names of the alarms that notify the topic begin with (the naming module's
   * prefixes); no other alarm may publish. At least one.
   */
  readonly alarmNamePrefixes: readonly string[];
}

export interface AlarmTopicProps extends AlarmPublishers {
  readonly topicName: string;
  /** Alias of the topic's key, `alias/...`. */
  readonly keyAlias: string;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * An SNS topic for CloudWatch alarm notifications, encrypted at rest. CloudWatch cannot use the
 * AWS managed key aws/sns, so the topic gets a customer managed key of its own (rotated yearly)
 * whose policy lets CloudWatch of this account encrypt; the topic policy lets alarms of this
 * account and region whose names begin with the given prefixes publish, and refuses non-TLS
 * requests. An alarm of another name (one an operator adds) is refused: give it a topic of its own.
 */
export class AlarmTopic extends Construct {
  readonly topic: SnsTopic;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (!props.keyAlias.startsWith('alias/')) throw new Error(`AlarmTopic ${id}: keyAlias ${JSON.stringify(props.keyAlias)} must start with "alias/"`);
    if (props.alarmNamePrefixes.length === 0) throw new Error(`AlarmTopic ${id}: alarmNamePrefixes is empty; give the name prefix of the alarms that notify the topic`);
    const provider = props.provider;

    const keyPolicy = policyDocument(this, 'key-policy', alarmTopicKeyStatements(props), provider);
    this.key = new KmsKey(this, 'key', {
      provider,
      description: `Encrypts the SNS topic ${props.topicName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, 'alias', { provider, name: props.keyAlias, targetKeyId: this.key.keyId });

    this.topic = new SnsTopic(this, 'topic', { provider, name: props.topicName, kmsMasterKeyId: this.key.arn });
    const topicPolicy = policyDocument(this, 'topic-policy', alarmTopicStatements(this.topic.arn, props), provider);
    new SnsTopicPolicy(this, 'policy', { provider, arn: this.topic.arn, policy: topicPolicy.json });
  }
}

/** The ARN patterns of the alarms that may publish: arn:<partition>:cloudwatch:<region>:<account>:alarm:<prefix>*. */
export function alarmArnPatterns(publishers: AlarmPublishers): string[] {
  const { partition, region, accountId } = publishers;
  return publishers.alarmNamePrefixes.map((prefix) => arn({ partition, service: 'cloudwatch', region, account: accountId, resource: `alarm:${prefix}*` }));
}

/**
 * CloudWatch, for the named alarms of this account only (confused deputy): an alarm's
 * notification carries its ARN as aws:SourceArn ("Resource: arn:aws:cloudwatch:...:alarm:<name> is
 * not authorized to perform: SNS:Publish" is how CloudWatch reports a topic policy that refuses it),
 * on the publish and on the key use SNS makes for it alike.
 */
const cloudWatchFor = (publishers: AlarmPublishers): Pick<Statement, 'principals' | 'conditions'> => ({
  principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
  conditions: [
    { test: 'StringEquals', variable: 'aws:SourceAccount', values: [publishers.accountId] },
    { test: 'ArnLike', variable: 'aws:SourceArn', values: alarmArnPatterns(publishers) },
  ],
});

/** The key policy of an alarm topic's key (a StackSet template writes the same). */
export function alarmTopicKeyStatements(publishers: AlarmPublishers): Statement[] {
  return [
    { sid: 'AccountAdministersKey', actions: ['kms:*'], resources: ['*'], principals: [{ type: 'AWS', identifiers: [accountRootArn(publishers.partition, publishers.accountId)] }] },
    { sid: 'CloudWatchAlarmsEncrypt', actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], ...cloudWatchFor(publishers) },
  ];
}

/** The topic policy of an alarm topic: the named alarms of this account publish, over TLS only. */
export function alarmTopicStatements(topicArn: string, publishers: AlarmPublishers): Statement[] {
  return [{ sid: 'CloudWatchAlarmsPublish', actions: ['sns:Publish'], resources: [topicArn], ...cloudWatchFor(publishers) }, denyInsecureTransport([topicArn])];
}
