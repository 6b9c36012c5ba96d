import { CloudwatchMetricAlarm, CloudwatchMetricAlarmMetricQuery } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

/**
 * An alarm as data: what the flow 2 alarm constructs create, what the docs table is written from,
 * and what a StackSet template can carry as AWS::CloudWatch::Alarm, from the same definitions.
 */

/** One metric of an alarm, named exactly as CloudWatch publishes it. */
export interface AlarmMetric {
  readonly namespace: string;
  readonly metricName: string;
  /** Empty for an account-level metric (ThrottledRules without a rule). */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: 'Sum' | 'Maximum';
}

export interface AlarmSpec {
  /** Construct id, and the alarm name's last part. */
  readonly id: string;
  readonly alarmName: string;
  /** What failed, what is lost if nobody acts, and the first thing to check; at most 1024 characters. */
  readonly description: string;
  /** Why it is an alarm, in one line (the docs' alarm table). */
  readonly why: string;
  /** One metric, or several summed (their gaps count as 0) into one series. */
  readonly metrics: readonly AlarmMetric[];
  /** Raised at this value or more. */
  readonly threshold: number;
  readonly periodInSeconds: number;
}

/** Longest alarm description CloudWatch accepts. */
export const ALARM_DESCRIPTION_MAX_LENGTH = 1024;

/** Every alarm here is evaluated over one period of five minutes. */
export const ALARM_PERIOD_SECONDS = 300;

/** How every alarm of a spec is evaluated, in Terraform and CloudFormation alike. */
export const ALARM_EVALUATION = { comparisonOperator: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, treatMissingData: 'notBreaching' } as const;

/** Refuses what CloudWatch would refuse at deploy time. */
export function checkAlarmSpec(spec: AlarmSpec): void {
  if (spec.description.length > ALARM_DESCRIPTION_MAX_LENGTH) {
    throw new Error(`alarm ${spec.alarmName}: its description is ${spec.description.length} characters, over CloudWatch's ${ALARM_DESCRIPTION_MAX_LENGTH}; shorten it`);
  }
  if (spec.metrics.length === 0) throw new Error(`alarm ${spec.alarmName}: give it at least one metric`);
}

/**
 * Creates the alarm of a spec, notifying `topicArn` of ALARM and OK. Missing data is not
 * breaching: EventBridge publishes failure counts only when they are not zero, so a quiet bus has
 * none, and that is health.
 */
export function metricAlarm(scope: Construct, spec: AlarmSpec, topicArn: string, provider?: TerraformProvider): CloudwatchMetricAlarm {
  checkAlarmSpec(spec);
  const common = {
    provider,
    alarmName: spec.alarmName,
    alarmDescription: spec.description,
    ...ALARM_EVALUATION,
    threshold: spec.threshold,
    alarmActions: [topicArn],
    okActions: [topicArn],
  };
  if (spec.metrics.length === 1) {
    const [m] = spec.metrics;
    return new CloudwatchMetricAlarm(scope, spec.id, {
      ...common,
      namespace: m.namespace,
      metricName: m.metricName,
      dimensions: Object.keys(m.dimensions).length > 0 ? { ...m.dimensions } : undefined,
      statistic: m.statistic,
      period: spec.periodInSeconds,
    });
  }
  return new CloudwatchMetricAlarm(scope, spec.id, { ...common, metricQuery: sumQueries(spec) });
}

/** m1..mN, hidden, and their sum as the one series the alarm evaluates. */
export function sumQueries(spec: Pick<AlarmSpec, 'metrics' | 'periodInSeconds'>): CloudwatchMetricAlarmMetricQuery[] {
  const ids = spec.metrics.map((_, i) => `m${i + 1}`);
  return [
    ...spec.metrics.map((m, i) => ({
      id: ids[i],
      returnData: false,
      metric: {
        namespace: m.namespace,
        metricName: m.metricName,
        dimensions: Object.keys(m.dimensions).length > 0 ? { ...m.dimensions } : undefined,
        stat: m.statistic,
        period: spec.periodInSeconds,
      },
    })),
    { id: 'total', label: spec.metrics.map((m) => m.metricName).join(' + '), returnData: true, expression: ids.map((id) => `FILL(${id}, 0)`).join(' + ') },
  ];
}
