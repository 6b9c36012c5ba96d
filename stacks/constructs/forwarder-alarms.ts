import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { alarmWindowProblem } from '../../config/sections/common';

export interface ForwarderAlarmsProps {
  /** Function name (the Lambda metrics' dimension). */
  readonly functionName: string;
  /** Queue names (the SQS metrics' dimension). */
  readonly failureQueueName: string;
  readonly deadLetterQueueName: string;
  /** The topic whose notifications invoke the function (the silence alarm's description names it). */
  readonly notificationTopicName: string;
  /** Where the function loads its rules from: AppConfig application/environment/profile (the rules alarm's description names it). */
  readonly rulesLocation: string;
  /** Where the forwarder's EMF metrics land (functions/forwarder/metric-names.ts). */
  readonly metricsNamespace: string;
  /** The dimensions of every EMF metric of the forwarder. */
  readonly metricsDimensions: Readonly<Record<string, string>>;
  /** Physical alarm name for a kind (errors, failure-queue-depth, ...), from the naming module. */
  readonly alarmName: (kind: AlarmKind) => string;
  /** Where ALARM and OK notifications go. */
  readonly topicArn: string;
  /** A multiple of 60 (the topology schema checks it). @default 300 */
  readonly periodInSeconds?: number;
  /** @default 1 */
  readonly errorsThreshold?: number;
  /** @default 1 */
  readonly failureQueueDepthThreshold?: number;
  /** @default 3600 */
  readonly oldestTicketAgeInSeconds?: number;
  /** Minutes without a record sent that raise the silence alarm, a whole number of periods; false: no silence alarm. @default 60 */
  readonly silenceMinutes?: number | false;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

export const ALARM_KINDS = ['errors', 'failure-queue-depth', 'failure-queue-age', 'dead-letters', 'ticket-write-failures', 'rules-load-failures', 'silence'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];
/** The alarms a topology can leave out. */
type OptionalAlarmKind = 'silence';

/** What every forwarder alarm shares: period, evaluation, actions. */
type AlarmCommon = Pick<CloudwatchMetricAlarmConfig, 'provider' | 'evaluationPeriods' | 'comparisonOperator' | 'treatMissingData' | 'alarmActions' | 'okActions'> & { readonly period: number };

/**
 * What an operator must hear about: the function failing (errors), records waiting for replay
 * (failure-queue depth), tickets nobody replays (age of the oldest message), and tickets that
 * failed their replays (dead letters), tickets that could not be stored at all (the forwarder's
 * `TicketWriteFailed`: replay data at risk, which no queue metric shows), rules that could not be
 * loaded (`RulesLoadFailed`: changes not applied, or no rules at all), and a forwarder that
 * sends nothing (silence). For all but silence missing data is healthy: an idle forwarder sends
 * no metrics, and the failure counts are emitted only when something failed. For silence it is the
 * outage: CloudTrail delivers a file per account and region about every 5 minutes, and a
 * forwarder nobody invokes emits no `RecordsSent` at all.
 */
export class ForwarderAlarms extends Construct {
  readonly alarms: Readonly<Record<Exclude<AlarmKind, OptionalAlarmKind>, CloudwatchMetricAlarm> & Partial<Record<OptionalAlarmKind, CloudwatchMetricAlarm>>>;

  constructor(scope: Construct, id: string, props: ForwarderAlarmsProps) {
    super(scope, id);
    const period = props.periodInSeconds ?? 300;
    const silenceMinutes = props.silenceMinutes ?? 60;
    const silenceProblem = silenceMinutes === false ? undefined : alarmWindowProblem(silenceMinutes, period, 'periodInSeconds');
    if (silenceProblem) throw new Error(`ForwarderAlarms silenceMinutes: ${silenceProblem}`);
    const common: AlarmCommon = {
      provider: props.provider,
      period,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [props.topicArn],
      okActions: [props.topicArn],
    };
    const lambda = { namespace: 'AWS/Lambda', dimensions: { FunctionName: props.functionName } };
    const queue = (name: string) => ({ namespace: 'AWS/SQS', dimensions: { QueueName: name } });

    this.alarms = {
      errors: new CloudwatchMetricAlarm(this, 'errors', {
        ...common,
        ...lambda,
        alarmName: props.alarmName('errors'),
        alarmDescription: `${props.functionName} failed invocations; their objects are retried, then sent to ${props.failureQueueName}. See docs/flow-1-forwarder.md`,
        metricName: 'Errors',
        statistic: 'Sum',
        threshold: props.errorsThreshold ?? 1,
      }),
      'failure-queue-depth': new CloudwatchMetricAlarm(this, 'failure-queue-depth', {
        ...common,
        ...queue(props.failureQueueName),
        alarmName: props.alarmName('failure-queue-depth'),
        alarmDescription: `Replay tickets or failed invocations wait in ${props.failureQueueName}; run npm run replay. See docs/flow-1-forwarder.md`,
        metricName: 'ApproximateNumberOfMessagesVisible',
        statistic: 'Maximum',
        threshold: props.failureQueueDepthThreshold ?? 1,
      }),
      'failure-queue-age': new CloudwatchMetricAlarm(this, 'failure-queue-age', {
        ...common,
        ...queue(props.failureQueueName),
        alarmName: props.alarmName('failure-queue-age'),
        alarmDescription: `The oldest message in ${props.failureQueueName} is waiting too long; SQS drops it after the retention period`,
        metricName: 'ApproximateAgeOfOldestMessage',
        statistic: 'Maximum',
        threshold: props.oldestTicketAgeInSeconds ?? 3600,
      }),
      'dead-letters': new CloudwatchMetricAlarm(this, 'dead-letters', {
        ...common,
        ...queue(props.deadLetterQueueName),
        alarmName: props.alarmName('dead-letters'),
        alarmDescription: `Tickets failed every replay and moved to ${props.deadLetterQueueName}; inspect them and redrive`,
        metricName: 'ApproximateNumberOfMessagesVisible',
        statistic: 'Maximum',
        threshold: 1,
      }),
      'ticket-write-failures': new CloudwatchMetricAlarm(this, 'ticket-write-failures', {
        ...common,
        namespace: props.metricsNamespace,
        dimensions: { ...props.metricsDimensions },
        alarmName: props.alarmName('ticket-write-failures'),
        alarmDescription: `${props.functionName} could not store replay tickets in ${props.failureQueueName}; it failed the invocation or returned those messages, to be delivered again. Its log says "cannot store ... replay tickets". See docs/flow-1-forwarder.md`,
        metricName: 'TicketWriteFailed',
        statistic: 'Sum',
        threshold: 1,
      }),
      'rules-load-failures': new CloudwatchMetricAlarm(this, 'rules-load-failures', {
        ...common,
        namespace: props.metricsNamespace,
        dimensions: { ...props.metricsDimensions },
        alarmName: props.alarmName('rules-load-failures'),
        alarmDescription:
          `${props.functionName} could not load its forwarding rules from AppConfig (${props.rulesLocation}): the extension was unreachable or answered an error, or the deployed version is not JSON, fails the rules schema or does not compile. ` +
          'It forwards with the last good rules (the new version is not applied). With none yet (a cold start) it forwards with the built-in rules (every record, no filter, no redaction; RulesDefaultsInUse), ' +
          'unless the hosted rules redact: then it fails closed, refuses to forward and fails the invocation (the errors alarm), to be delivered again. ' +
          'Its log says "forwarding rules not updated" or "NO FORWARDING RULES AVAILABLE" with the problem. ' +
          "First check: that problem in the log; then the profile's latest deployment in AppConfig and the extension's own log lines. See docs/flow-1-forwarder.md",
        metricName: 'RulesLoadFailed',
        statistic: 'Sum',
        threshold: 1,
      }),
      ...(silenceMinutes === false ? {} : { silence: this.silenceAlarm(props, common, silenceMinutes) }),
    };
  }

  /**
   * RecordsSent below 1 in every period of the window. Missing data is breaching: an invocation
   * that sends nothing emits 0, and no invocation emits nothing, which is the likelier outage.
   */
  private silenceAlarm(props: ForwarderAlarmsProps, common: AlarmCommon, minutes: number): CloudwatchMetricAlarm {
    const periods = (minutes * 60) / common.period;
    return new CloudwatchMetricAlarm(this, 'silence', {
      ...common,
      namespace: props.metricsNamespace,
      dimensions: { ...props.metricsDimensions },
      alarmName: props.alarmName('silence'),
      alarmDescription:
        `${props.functionName} sent no record to Dynatrace for ${minutes} minutes (RecordsSent below 1 in every period; a period without an invocation emits nothing and counts too). ` +
        'CloudTrail delivers a file per account and region about every 5 minutes, so the pipeline is broken. ' +
        `First check: the function's Invocations (AWS/Lambda). None: the trails still log (aws cloudtrail get-trail-status), the log-archive buckets still notify ${props.notificationTopicName} (and its alarms there), the function's subscription to that topic and its invoke permission still exist. ` +
        `Invoked: its log (errors, "forwarding refused: no rules", records dropped by the rules) and tickets in ${props.failureQueueName} (Dynatrace refusing). See docs/flow-1-forwarder.md`,
      metricName: 'RecordsSent',
      statistic: 'Sum',
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      treatMissingData: 'breaching',
    });
  }
}
