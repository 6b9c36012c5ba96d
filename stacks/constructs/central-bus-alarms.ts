import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { ALARM_PERIOD_SECONDS, AlarmSpec, metricAlarm } from './alarm-spec';
import { DEAD_LETTER_RETENTION_SECONDS } from '../catalog/forwarding-definition';
import { FUNCTION_FAILURE_QUEUE_RETENTION_SECONDS } from './node-function';

/** A rule on the central bus, as its alarm names it. */
export interface WatchedRule {
  /** Catalog id, custom rule name or response id: the alarm's name part. */
  readonly id: string;
  /** Physical rule name (the RuleName dimension). */
  readonly name: string;
  readonly title: string;
  /** Where it delivers, in words ("the alert topic", "the responder"). */
  readonly targets: string;
  /** The dead-letter queues of its targets. */
  readonly deadLetterQueueNames: readonly string[];
}

export interface CentralAlarmInput {
  readonly busName: string;
  readonly archiveName: string;
  /** 0 keeps every event. */
  readonly archiveRetentionInDays: number;
  readonly rules: readonly WatchedRule[];
  /** The common dead-letter queue of the central targets. @default - none: no use-case or custom rule exists */
  readonly deadLetterQueueName?: string;
  /** The bucket-logger and its on-failure queue. @default - none: no lambda rule leaves its function to the bucket-logger */
  readonly bucketLogger?: { readonly functionName: string; readonly failureQueueName: string };
  readonly retryAttempts: number;
  readonly maxEventAgeInSeconds: number;
  /** The physical alarm name of a kind, or of a rule's deliveries (`<rule id>-failed-deliveries`). */
  readonly alarmName: (kind: string) => string;
}

/**
 * Age of the oldest dead letter that raises the age alarm: three days, so an operator still has
 * eleven of the queue's fourteen to replay the events before SQS deletes them.
 */
export const DEAD_LETTER_AGE_THRESHOLD_SECONDS = 3 * 86400;

const DOCS = 'See docs/flow-2-events.md#watching-it';
const days = (seconds: number) => `${Math.round(seconds / 86400)} days`;

function archiveKeeps(input: CentralAlarmInput): string {
  return input.archiveRetentionInDays === 0 ? 'forever' : `${input.archiveRetentionInDays} days`;
}

/** Failed deliveries of one rule: every target's FailedInvocations and InvocationsFailedToBeSentToDlq, summed. */
function ruleSpec(input: CentralAlarmInput, rule: WatchedRule): AlarmSpec {
  const dimensions = { EventBusName: input.busName, RuleName: rule.name };
  const queues = rule.deadLetterQueueNames.join(' or ');
  return {
    id: `${rule.id}-failed-deliveries`,
    alarmName: input.alarmName(`${rule.id}-failed-deliveries`),
    why: "a target could not take the rule's events after every retry: no alert, log entry or ticket was made for them",
    description:
      `${rule.name} (${rule.title}) could not deliver events to ${rule.targets} after ${input.retryAttempts} retries. ` +
      `They wait in ${queues}, kept ${days(DEAD_LETTER_RETENTION_SECONDS)}, and in the archive ${input.archiveName} (${archiveKeeps(
        input
      )}); those counted as InvocationsFailedToBeSentToDlq reached no queue and are only in the archive. ` +
      `First check: ERROR_CODE and ERROR_MESSAGE of a message in ${queues}, then the target's resource policy or role. Replay from the archive once it works. ${DOCS}`,
    metrics: [
      { namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensions, statistic: 'Sum' },
      { namespace: 'AWS/Events', metricName: 'InvocationsFailedToBeSentToDlq', dimensions, statistic: 'Sum' },
    ],
    threshold: 1,
    periodInSeconds: ALARM_PERIOD_SECONDS,
  };
}

/**
 * The alarms of the central bus: one per rule on failed deliveries, the common dead-letter queue's
 * depth and the age of its oldest event, throttled rule invocations in the account and region
 * (ThrottledRules without a bus dimension), and the bucket-logger's errors and on-failure queue
 * (EventBridge delivers to it asynchronously, so a function error is no failed delivery).
 */
export function centralAlarmSpecs(input: CentralAlarmInput): AlarmSpec[] {
  return [
    ...input.rules.map((rule) => ruleSpec(input, rule)),
    ...(input.deadLetterQueueName ? deadLetterSpecs(input, input.deadLetterQueueName) : []),
    throttledSpec(input),
    ...(input.bucketLogger ? bucketLoggerSpecs(input, input.bucketLogger) : []),
  ];
}

/**
 * The bucket-logger failing: EventBridge hands it its events asynchronously and counts that as
 * delivered, so only Lambda's Errors and its on-failure queue show a new bucket that was never
 * recorded.
 */
function bucketLoggerSpecs(input: CentralAlarmInput, logger: NonNullable<CentralAlarmInput['bucketLogger']>): AlarmSpec[] {
  const { functionName, failureQueueName } = logger;
  const kept = days(FUNCTION_FAILURE_QUEUE_RETENTION_SECONDS);
  return [
    {
      id: 'bucket-logger-errors',
      alarmName: input.alarmName('bucket-logger-errors'),
      why: 'new buckets the bucket-logger failed to record (EventBridge counts them as delivered)',
      description:
        `${functionName} failed invocations: the new S3 buckets of those events are not recorded in its log group. Lambda retries each event twice, then puts it in ${failureQueueName}, kept ${kept}. ` +
        `First check: the function's log group for the error. ${DOCS}`,
      metrics: [{ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: functionName }, statistic: 'Sum' }],
      threshold: 1,
      periodInSeconds: ALARM_PERIOD_SECONDS,
    },
    {
      id: 'bucket-logger-failures',
      alarmName: input.alarmName('bucket-logger-failures'),
      why: `new buckets never recorded after Lambda's retries; SQS deletes the events after ${kept}`,
      description:
        `Events of new S3 buckets wait in ${failureQueueName}: ${functionName} failed on them after Lambda's retries, so those buckets are not in its log group. SQS deletes them after ${kept}. ` +
        `First check: the function's log group for the error, fix it, then invoke the function again with each message's request payload. ${DOCS}`,
      metrics: [{ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: failureQueueName }, statistic: 'Maximum' }],
      threshold: 1,
      periodInSeconds: ALARM_PERIOD_SECONDS,
    },
  ];
}

/** Depth of the common dead-letter queue, and the age of its oldest event. */
function deadLetterSpecs(input: CentralAlarmInput, queueName: string): AlarmSpec[] {
  const dlq = { QueueName: queueName };
  const kept = days(DEAD_LETTER_RETENTION_SECONDS);
  return [
    {
      id: 'dlq-depth',
      alarmName: input.alarmName('dlq-depth'),
      why: `events wait that no target got; SQS deletes them after ${kept}`,
      description:
        `Central rule targets failed and their events wait in ${queueName}: no alert, log entry or ticket was made for them. ` +
        `SQS deletes each after ${kept}; the archive ${input.archiveName} keeps them ${archiveKeeps(input)}. ` +
        `First check: RULE_ARN, TARGET_ARN, ERROR_CODE and ERROR_MESSAGE of a message; fix the target, then replay from the archive and purge the queue. ${DOCS}`,
      metrics: [{ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: dlq, statistic: 'Maximum' }],
      threshold: 1,
      periodInSeconds: ALARM_PERIOD_SECONDS,
    },
    {
      id: 'dlq-age',
      alarmName: input.alarmName('dlq-age'),
      why: `nobody has replayed them; SQS deletes them ${days(DEAD_LETTER_RETENTION_SECONDS - DEAD_LETTER_AGE_THRESHOLD_SECONDS)} later`,
      description:
        `The oldest event in ${queueName} has waited ${days(DEAD_LETTER_AGE_THRESHOLD_SECONDS)}: nobody has replayed it, and SQS deletes it at ${kept}. ` +
        `The archive ${input.archiveName} keeps it ${archiveKeeps(input)}. First check: whether its target works again (ERROR_CODE of the message), then replay. ${DOCS}`,
      metrics: [{ namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage', dimensions: dlq, statistic: 'Maximum' }],
      threshold: DEAD_LETTER_AGE_THRESHOLD_SECONDS,
      periodInSeconds: ALARM_PERIOD_SECONDS,
    },
  ];
}

function throttledSpec(input: CentralAlarmInput): AlarmSpec {
  return {
    id: 'throttled-rules',
    alarmName: input.alarmName('throttled-rules'),
    why: "the account's invocation quota is reached: deliveries are late and may end in a dead-letter queue",
    description:
      `EventBridge throttled rule invocations in this account and region (the central bus's among them): their targets are retried for up to ${Math.round(
        input.maxEventAgeInSeconds / 3600
      )} h, then the events go to the dead-letter queues. ` +
      `Nothing is lost yet. First check: the Invocations quota of the account (Service Quotas, EventBridge) against the Invocations graph of the dashboard. ${DOCS}`,
    metrics: [{ namespace: 'AWS/Events', metricName: 'ThrottledRules', dimensions: {}, statistic: 'Sum' }],
    threshold: 1,
    periodInSeconds: ALARM_PERIOD_SECONDS,
  };
}

export interface CentralBusAlarmsProps extends CentralAlarmInput {
  /** Where ALARM and OK notifications go (the operations topic). */
  readonly topicArn: string;
}

/** The central bus's alarms (centralAlarmSpecs), to the operations topic. */
export class CentralBusAlarms extends Construct {
  readonly alarms: ReadonlyMap<string, CloudwatchMetricAlarm>;

  constructor(scope: Construct, id: string, props: CentralBusAlarmsProps) {
    super(scope, id);
    this.alarms = new Map(centralAlarmSpecs(props).map((spec) => [spec.id, metricAlarm(this, spec, props.topicArn)]));
  }
}
