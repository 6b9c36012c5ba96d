import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

export interface LogArchiveAlarmsProps {
  /** The notification topic (the TopicName dimension of the SNS metrics). */
  readonly topicName: string;
  /** The notifier function and its on-failure queue (lambda mode). @default - none: S3 publishes to the topic itself */
  readonly notifier?: { readonly functionName: string; readonly failureQueueName: string };
  /** The SQS buffer and its dead-letter queue (notifications.sqsBuffer). @default - none: no buffer */
  readonly buffer?: { readonly queueName: string; readonly deadLetterQueueName: string };
  /** Physical alarm name for a kind (topic-failed-deliveries, ...), from the naming module. */
  readonly alarmName: (kind: LogArchiveAlarmKind) => string;
  /** Where ALARM and OK notifications go. */
  readonly topicArn: string;
  /** A multiple of 60 (the topology schema checks it). @default 300 */
  readonly periodInSeconds?: number;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

export const LOG_ARCHIVE_ALARM_KINDS = ['topic-failed-deliveries', 'notifier-errors', 'notifier-failures', 'buffer-dead-letters'] as const;
export type LogArchiveAlarmKind = (typeof LOG_ARCHIVE_ALARM_KINDS)[number];

/** How long the notifier's on-failure queue and the buffer's dead-letter queue keep a message (node-function.ts, notification-buffer.ts). */
const QUEUE_RETENTION_DAYS = 14;

const DOCS = 'See docs/flow-1-archive.md#watching-it';

/**
 * What an operator must hear about on the notification path, which is the only way a new log file
 * reaches the forwarder: the topic failing to deliver to a subscriber (the forwarder's function
 * across accounts, the buffer queue), the notifier failing (its errors, and the invocations that
 * ended in its on-failure queue after Lambda's retries), and messages in the buffer's dead-letter
 * queue. A log file whose notification is lost is never forwarded. Missing data is healthy.
 */
export class LogArchiveAlarms extends Construct {
  readonly alarms: ReadonlyMap<LogArchiveAlarmKind, CloudwatchMetricAlarm>;

  constructor(scope: Construct, id: string, props: LogArchiveAlarmsProps) {
    super(scope, id);
    const common = {
      provider: props.provider,
      period: props.periodInSeconds ?? 300,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [props.topicArn],
      okActions: [props.topicArn],
      threshold: 1,
    };
    const alarms = new Map<LogArchiveAlarmKind, CloudwatchMetricAlarm>();
    const add = (kind: LogArchiveAlarmKind, spec: { namespace: string; metricName: string; dimensions: Record<string, string>; statistic: string; description: string }) =>
      alarms.set(
        kind,
        new CloudwatchMetricAlarm(this, kind, {
          ...common,
          alarmName: props.alarmName(kind),
          namespace: spec.namespace,
          metricName: spec.metricName,
          dimensions: spec.dimensions,
          statistic: spec.statistic,
          alarmDescription: `${spec.description} ${DOCS}`,
        }),
      );

    const topic = props.topicName;
    add('topic-failed-deliveries', {
      namespace: 'AWS/SNS',
      metricName: 'NumberOfNotificationsFailed',
      dimensions: { TopicName: topic },
      statistic: 'Sum',
      description:
        `SNS could not deliver notifications of new log files on ${topic} to a subscriber (the forwarder function, or the buffer queue): those log files are not forwarded, and SNS keeps no copy. ` +
        'First check: the forwarder function exists and its resource policy lets the topic invoke it, the subscription is confirmed, and the key policy lets SNS use the key for the buffer queue; then list the lost files in the trail buckets and forward them again.',
    });
    if (props.notifier) {
      const { functionName, failureQueueName } = props.notifier;
      add('notifier-errors', {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: functionName },
        statistic: 'Sum',
        description:
          `${functionName} failed to announce new log files on ${topic}; Lambda retries, then puts the event in ${failureQueueName}, and those files are not forwarded until someone does. ` +
          `First check: the function's log group (publish refused by the topic policy or the key, a topic that does not exist).`,
      });
      add('notifier-failures', {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: failureQueueName },
        statistic: 'Maximum',
        description:
          `S3 events for new log files wait in ${failureQueueName}: ${functionName} failed on them after Lambda's retries, so they were never announced on ${topic} nor forwarded. ` +
          `SQS deletes them after ${QUEUE_RETENTION_DAYS} days. First check: the function's log group for the error, fix it, then invoke the function again with each message's request payload.`,
      });
    }
    if (props.buffer) {
      const { queueName, deadLetterQueueName } = props.buffer;
      add('buffer-dead-letters', {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: deadLetterQueueName },
        statistic: 'Maximum',
        description:
          `Notifications of new log files wait in ${deadLetterQueueName}: the consumer of ${queueName} received them its maximum number of times without deleting them, so those log files were not forwarded. ` +
          `SQS deletes them ${QUEUE_RETENTION_DAYS} days after they first entered ${queueName} (a move keeps the enqueue time). First check: the consumer's errors (the forwarder role's access to the queue and the key), then redrive the messages to ${queueName}.`,
      });
    }
    this.alarms = alarms;
  }
}
