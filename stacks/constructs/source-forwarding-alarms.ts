import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Partition } from '../../config/arn';
import { ALARM_PERIOD_SECONDS, AlarmSpec, metricAlarm } from './alarm-spec';
import { DEAD_LETTER_RETENTION_SECONDS } from '../catalog/forwarding-definition';
import { OpsTopic } from './ops-topic';

/** What the alarms of one source region watch, by name (alarms and a StackSet template alike). */
export interface ForwardingAlarmInput {
  readonly accountName: string;
  readonly region: string;
  /** The forwarding rule on the region's default bus. */
  readonly ruleName: string;
  /** Its target's dead-letter queue in the same region. */
  readonly deadLetterQueueName: string;
  readonly centralBusName: string;
  /** The role the rule puts events on the central bus with. */
  readonly roleName: string;
  readonly retryAttempts: number;
  readonly maxEventAgeInSeconds: number;
  /** The physical alarm name of a kind. */
  readonly alarmName: (kind: ForwardingAlarmKind) => string;
}

export const FORWARDING_ALARM_KINDS = ['failed-deliveries', 'dlq-depth'] as const;
export type ForwardingAlarmKind = (typeof FORWARDING_ALARM_KINDS)[number];

const DOCS = 'See docs/flow-2-events.md#watching-it';
const days = (seconds: number) => `${Math.round(seconds / 86400)} days`;
const hours = (seconds: number) => `${Math.round((seconds / 3600) * 10) / 10} h`;

/**
 * The alarms of one source region: the forwarding rule failing to put events on the central bus
 * (FailedInvocations, and InvocationsFailedToBeSentToDlq: events not even dead-lettered), and
 * events waiting in its dead-letter queue. A rule of the default bus has RuleName as its only
 * dimension.
 */
export function forwardingAlarmSpecs(input: ForwardingAlarmInput): AlarmSpec[] {
  const where = `${input.accountName} ${input.region}`;
  const rule = { RuleName: input.ruleName };
  const kept = days(DEAD_LETTER_RETENTION_SECONDS);
  return [
    {
      id: 'failed-deliveries',
      alarmName: input.alarmName('failed-deliveries'),
      why: "the central rules no longer see this region's API calls",
      description:
        `${where}: the rule ${input.ruleName} could not put events on the central bus ${input.centralBusName} after ${input.retryAttempts} retries over up to ${hours(input.maxEventAgeInSeconds)}. ` +
        `They wait in ${input.deadLetterQueueName} (this account and region), kept ${kept}; those counted as InvocationsFailedToBeSentToDlq are lost to the central rules (the API calls stay in the trail's bucket). ` +
        `First check: ERROR_CODE and ERROR_MESSAGE of a message there, then the role ${input.roleName} and the central bus policy. ${DOCS}`,
      metrics: [
        { namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensions: rule, statistic: 'Sum' },
        { namespace: 'AWS/Events', metricName: 'InvocationsFailedToBeSentToDlq', dimensions: rule, statistic: 'Sum' },
      ],
      threshold: 1,
      periodInSeconds: ALARM_PERIOD_SECONDS,
    },
    {
      id: 'dlq-depth',
      alarmName: input.alarmName('dlq-depth'),
      why: `events wait that no central rule saw; they cannot be re-sent, and SQS deletes them after ${kept}`,
      description:
        `${where}: events the rule ${input.ruleName} could not forward wait in ${input.deadLetterQueueName}; the central rules never saw them. ` +
        `SQS deletes each after ${kept}. PutEvents refuses aws.* sources, so they cannot be re-sent: read them, and find the API calls in the trail's bucket (flow 1). ` +
        `First check: ERROR_CODE and ERROR_MESSAGE of a message, then the central bus policy and the role ${input.roleName}. ${DOCS}`,
      metrics: [{ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: input.deadLetterQueueName }, statistic: 'Maximum' }],
      threshold: 1,
      periodInSeconds: ALARM_PERIOD_SECONDS,
    },
  ];
}

export interface SourceForwardingAlarmsProps extends ForwardingAlarmInput {
  readonly partition: Partition;
  readonly accountId: string;
  /** The operations topic created in this region (the same name in every region). */
  readonly opsTopicName: string;
  readonly opsKeyAlias: string;
  /** What every alarm's name (alarmName) begins with: the topic admits those alarms only. */
  readonly alarmNamePrefix: string;
  /** Subscribed to the region's topic, as to the central one. */
  readonly opsEmails: readonly string[];
  /** The provider of the region. */
  readonly provider: TerraformProvider;
}

/**
 * One source region's forwarding, watched: its alarms and the operations topic they notify, in
 * that region (CloudWatch notifies only a topic of the alarm's region), with the same email
 * subscriptions as the central topic. It takes the rule and queue by name, next to the
 * forwarding rather than inside it, so any deployment of the forwarding (Terraform per account,
 * or a StackSet template) can carry the same alarms from forwardingAlarmSpecs.
 */
export class SourceForwardingAlarms extends Construct {
  readonly topic: OpsTopic;
  readonly alarms: ReadonlyMap<ForwardingAlarmKind, CloudwatchMetricAlarm>;

  constructor(scope: Construct, id: string, props: SourceForwardingAlarmsProps) {
    super(scope, id);
    const specs = forwardingAlarmSpecs(props);
    const outside = specs.filter((spec) => !spec.alarmName.startsWith(props.alarmNamePrefix)).map((spec) => spec.alarmName);
    if (outside.length > 0) {
      throw new Error(`SourceForwardingAlarms ${id}: alarms ${outside.join(', ')} do not begin with alarmNamePrefix ${JSON.stringify(props.alarmNamePrefix)}, so their topic would refuse them; name them from the same prefix`);
    }
    this.topic = new OpsTopic(this, 'ops-topic', {
      partition: props.partition,
      topicName: props.opsTopicName,
      keyAlias: props.opsKeyAlias,
      accountId: props.accountId,
      region: props.region,
      alarmNamePrefixes: [props.alarmNamePrefix],
      emails: props.opsEmails,
      provider: props.provider,
    });
    this.alarms = new Map(specs.map((spec) => [spec.id as ForwardingAlarmKind, metricAlarm(this, spec, this.topic.topicArn, props.provider)]));
  }
}
