import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { AlarmMetric, AlarmSpec, metricAlarm } from './alarm-spec';

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
    this.alarms = new Map(logArchiveAlarmSpecs(props).map(([kind, spec]) => [kind, metricAlarm(this, spec, props.topicArn, props.provider)]));
  }
}

/** The specs of the alarms the props call for, by kind. */
function logArchiveAlarmSpecs(props: LogArchiveAlarmsProps): [LogArchiveAlarmKind, AlarmSpec][] {
  const periodInSeconds = props.periodInSeconds ?? 300;
  const spec = (kind: LogArchiveAlarmKind, metric: AlarmMetric, why: string, description: string): [LogArchiveAlarmKind, AlarmSpec] => [
    kind,
    { id: kind, alarmName: props.alarmName(kind), periodInSeconds, threshold: 1, metrics: [metric], why, description: `${description} ${DOCS}` },
  ];
  const queueDepth = (queueName: string): AlarmMetric => ({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queueName }, statistic: 'Maximum' });
  const topic = props.topicName;
  const specs: [LogArchiveAlarmKind, AlarmSpec][] = [
    spec(
      'topic-failed-deliveries',
      { namespace: 'AWS/SNS', metricName: 'NumberOfNotificationsFailed', dimensions: { TopicName: topic }, statistic: 'Sum' },
      'log files announced to nobody',
      `SNS could not deliver notifications of new log files on ${topic} to a subscriber (the forwarder function, or the buffer queue): those log files are not forwarded, and SNS keeps no copy. ` +
        'First check: the forwarder function exists and its resource policy lets the topic invoke it, the subscription is confirmed, and the key policy lets SNS use the key for the buffer queue; then list the lost files in the trail buckets and forward them again.',
    ),
  ];
  if (props.notifier) {
    const { functionName, failureQueueName } = props.notifier;
    specs.push(
      spec(
        'notifier-errors',
        { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: functionName }, statistic: 'Sum' },
        'log files the notifier failed to announce',
        `${functionName} failed to announce new log files on ${topic}; Lambda retries, then puts the event in ${failureQueueName}, and those files are not forwarded until someone does. ` +
          `First check: the function's log group (publish refused by the topic policy or the key, a topic that does not exist).`,
      ),
      spec(
        'notifier-failures',
        queueDepth(failureQueueName),
        'log files never announced after the retries',
        `S3 events for new log files wait in ${failureQueueName}: ${functionName} failed on them after Lambda's retries, so they were never announced on ${topic} nor forwarded. ` +
          `SQS deletes them after ${QUEUE_RETENTION_DAYS} days. First check: the function's log group for the error, fix it, then invoke the function again with each message's request payload.`,
      ),
    );
  }
  if (props.buffer) {
    const { queueName, deadLetterQueueName } = props.buffer;
    specs.push(
      spec(
        'buffer-dead-letters',
        queueDepth(deadLetterQueueName),
        'notifications the buffer\'s consumer gave up on',
        `Notifications of new log files wait in ${deadLetterQueueName}: the consumer of ${queueName} received them its maximum number of times without deleting them, so those log files were not forwarded. ` +
          `SQS deletes them ${QUEUE_RETENTION_DAYS} days after they first entered ${queueName} (a move keeps the enqueue time). First check: the consumer's errors (the forwarder role's access to the queue and the key), then redrive the messages to ${queueName}.`,
      ),
    );
  }
  return specs;
}
