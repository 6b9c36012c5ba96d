import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION_SECONDS } from '../catalog/forwarding-definition';
import { AlarmSpec, metricAlarm } from './alarm-spec';

export interface IdrAlarmsProps {
  /** The IDR bus (the EventBusName dimension of the rule metrics). */
  readonly busName: string;
  /** The bus's dead-letter queue (the SQS metrics' dimension). @default - none: the bus has no customer managed key, so no dead-letter queue */
  readonly deadLetterQueueName?: string;
  /** The debug capture rule (the RuleName dimension) and its log group. @default - none: the debug capture is off */
  readonly debugCapture?: { readonly ruleName: string; readonly logGroupName: string };
  /** Physical alarm name for a kind (bus-dead-letters, ...), from the naming module. */
  readonly alarmName: (kind: IdrAlarmKind) => string;
  /** Where ALARM and OK notifications go. */
  readonly topicArn: string;
  /** A multiple of 60 (the topology schema checks it). @default 300 */
  readonly periodInSeconds?: number;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

export const IDR_ALARM_KINDS = ['bus-dead-letters', 'debug-capture-failed-deliveries'] as const;
export type IdrAlarmKind = (typeof IDR_ALARM_KINDS)[number];

const DOCS = 'See docs/flow-3-incident-response.md#watching-it';

/** The alarms the incident-response stack creates for these props: none when it has nothing to watch. */
export function idrAlarmKinds(props: Pick<IdrAlarmsProps, 'deadLetterQueueName' | 'debugCapture'>): IdrAlarmKind[] {
  return IDR_ALARM_KINDS.filter((kind) => (kind === 'bus-dead-letters' ? props.deadLetterQueueName !== undefined : props.debugCapture !== undefined));
}

/**
 * What an operator must hear about on the IDR bus: events in its dead-letter queue (EventBridge
 * could not encrypt or decrypt them with the bus key while processing them on the bus, so no rule
 * delivered them: a Dynatrace problem that opened no IDR case), and the debug capture rule failing to write to its log group. The
 * test rule has no target, so it has no invocations to fail; IDR's managed rule is not the
 * stack's. Missing data is healthy: EventBridge sends FailedInvocations only when it is not zero.
 */
export class IdrAlarms extends Construct {
  readonly alarms: ReadonlyMap<IdrAlarmKind, CloudwatchMetricAlarm>;

  constructor(scope: Construct, id: string, props: IdrAlarmsProps) {
    super(scope, id);
    this.alarms = new Map(idrAlarmSpecs(props).map(([kind, spec]) => [kind, metricAlarm(this, spec, props.topicArn, props.provider)]));
  }
}

/** The specs of the alarms the props call for, by kind. */
function idrAlarmSpecs(props: IdrAlarmsProps): [IdrAlarmKind, AlarmSpec][] {
  const periodInSeconds = props.periodInSeconds ?? 300;
  const spec = (kind: IdrAlarmKind, rest: Omit<AlarmSpec, 'id' | 'alarmName' | 'periodInSeconds' | 'threshold'>): [IdrAlarmKind, AlarmSpec] => [
    kind,
    { id: kind, alarmName: props.alarmName(kind), periodInSeconds, threshold: 1, ...rest, description: `${rest.description} ${DOCS}` },
  ];
  const specs: [IdrAlarmKind, AlarmSpec][] = [];
  if (props.deadLetterQueueName) {
    const queue = props.deadLetterQueueName;
    specs.push(
      spec('bus-dead-letters', {
        metrics: [{ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queue }, statistic: 'Maximum' }],
        why: 'Dynatrace problems that reached the bus but no rule, so IDR opened no case',
        description:
          `EventBridge could not encrypt or decrypt events on ${props.busName} with its key while processing them on the bus, and put them in ${queue}: no rule delivered them, so IDR opened no case for those Dynatrace problems. ` +
          `SQS deletes them after ${Math.round(DEAD_LETTER_RETENTION_SECONDS / 86400)} days. First check: the bus key (disabled, scheduled for deletion, key policy changed), then decrypt the messages and put them on the bus again.`,
      }),
    );
  }
  if (props.debugCapture) {
    const { ruleName, logGroupName } = props.debugCapture;
    specs.push(
      spec('debug-capture-failed-deliveries', {
        metrics: [{ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensions: { EventBusName: props.busName, RuleName: ruleName }, statistic: 'Sum' }],
        why: 'events missing from the debug capture',
        description:
          `${ruleName} could not write events of ${props.busName} to ${logGroupName} after its retries; they are missing from the capture (IDR is not affected). ` +
          'First check: the log group\'s resource policy and its key.',
      }),
    );
  }
  return specs;
}
