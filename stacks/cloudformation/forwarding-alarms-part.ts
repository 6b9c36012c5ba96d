import { createHash } from 'node:crypto';
import { Partition } from '../../config/arn';
import { ALARM_EVALUATION, AlarmSpec, checkAlarmSpec, sumQueries } from '../constructs/alarm-spec';
import { alarmTopicKeyStatements, alarmTopicStatements } from '../constructs/alarm-topic';
import { ForwardingAlarmInput, forwardingAlarmSpecs } from '../constructs/source-forwarding-alarms';
import { CfnResource, CfnValue, RegionalBlock, RegionalPart } from './forwarding-template';
import { policyJson } from './iam-json';

/** The region a stack instance runs in, as CloudFormation substitutes it. */
export const TEMPLATE_REGION = '${AWS::Region}';

export interface ForwardingAlarmsPartProps {
  readonly partition: Partition;
  /** The account whose alarms publish; `${AWS::AccountId}` in the organization's template. */
  readonly accountId: string;
  /** What the alarms watch, but the rule (the block's) and the region (the stack instance's). */
  readonly alarmInput: Omit<ForwardingAlarmInput, 'region' | 'ruleName'>;
  readonly opsTopicName: string;
  readonly opsKeyAlias: string;
  /** What every alarm's name begins with: the topic admits those alarms of the stack instance's region only. */
  readonly alarmNamePrefix: string;
  readonly opsEmails: readonly string[];
}

/**
 * The source-region alarms of the Terraform providers mode (SourceForwardingAlarms), as
 * template resources: the same specs (forwardingAlarmSpecs), the same regional ops topic with a
 * key of its own and the same email subscriptions, so every deployment mode is watched alike.
 */
export function forwardingAlarmsPart(props: ForwardingAlarmsPartProps): RegionalPart {
  return (block) => {
    const condition = block.condition ? { Condition: block.condition } : {};
    const ids = { key: block.logicalId('OpsTopicKey'), topic: block.logicalId('OpsTopic') };
    const topicArn = `\${${ids.topic}}`;
    const publishers = { partition: props.partition, accountId: props.accountId, region: TEMPLATE_REGION, alarmNamePrefixes: [props.alarmNamePrefix] };
    const resources: Record<string, CfnResource> = {
      [ids.key]: {
        Type: 'AWS::KMS::Key',
        ...condition,
        Properties: {
          Description: `Encrypts the SNS topic ${props.opsTopicName}`,
          EnableKeyRotation: true,
          PendingWindowInDays: 30,
          KeyPolicy: policyJson(alarmTopicKeyStatements(publishers)),
        },
      },
      [block.logicalId('OpsTopicKeyAlias')]: { Type: 'AWS::KMS::Alias', ...condition, Properties: { AliasName: props.opsKeyAlias, TargetKeyId: `\${${ids.key}}` } },
      [ids.topic]: { Type: 'AWS::SNS::Topic', ...condition, Properties: { TopicName: props.opsTopicName, KmsMasterKeyId: `\${${ids.key}.Arn}` } },
      [block.logicalId('OpsTopicPolicy')]: {
        Type: 'AWS::SNS::TopicPolicy',
        ...condition,
        Properties: { Topics: [topicArn], PolicyDocument: policyJson(alarmTopicStatements(topicArn, publishers)) },
      },
    };
    for (const [email, name] of emailSubscriptionNames(props.opsEmails)) {
      resources[block.logicalId(name)] = { Type: 'AWS::SNS::Subscription', ...condition, Properties: { TopicArn: topicArn, Protocol: 'email', Endpoint: email } };
    }
    for (const spec of blockAlarmSpecs(props, block)) {
      if (!spec.alarmName.startsWith(props.alarmNamePrefix)) {
        throw new Error(`forwardingAlarmsPart: the alarm ${spec.alarmName} does not begin with alarmNamePrefix ${JSON.stringify(props.alarmNamePrefix)}, so its topic would refuse it; name it from the same prefix`);
      }
      resources[block.logicalId(`${pascalCase(spec.id)}Alarm`)] = { Type: 'AWS::CloudWatch::Alarm', ...condition, Properties: alarmProperties(spec, topicArn) };
    }
    return resources;
  };
}

/** Hex digits of the address's SHA-256 in a subscription's logical id: a clash among a topic's few addresses is refused. */
const EMAIL_ID_HEX_DIGITS = 10;

/**
 * The logical id (before the block's prefix) of each address's subscription, from the address
 * alone, so that taking an address off the list removes its subscription only. By position, the
 * subscriptions after it would be replaced; SNS gives the new resource the existing subscription
 * of the same topic and address, and CloudFormation's deletion of the old resource then ends it,
 * while the stack still lists it (CloudFormation has no `moved` to rename them instead).
 */
export function emailSubscriptionNames(emails: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const email of emails) {
    const name = `OpsTopicEmail${createHash('sha256').update(email).digest('hex').slice(0, EMAIL_ID_HEX_DIGITS)}`;
    const other = taken.get(name);
    if (other !== undefined && other !== email) throw new Error(`forwardingAlarmsPart: the subscriptions of ${other} and ${email} would share the logical id ${name}; raise EMAIL_ID_HEX_DIGITS`);
    taken.set(name, email);
    names.set(email, name);
  }
  return names;
}

/** The alarm specs of a block: the Terraform mode's, with the stack instance's region. */
export function blockAlarmSpecs(props: Pick<ForwardingAlarmsPartProps, 'alarmInput'>, block: Pick<RegionalBlock, 'ruleName'>): AlarmSpec[] {
  return forwardingAlarmSpecs({ ...props.alarmInput, region: TEMPLATE_REGION, ruleName: block.ruleName });
}

/** AWS::CloudWatch::Alarm properties of a spec, field for field as metricAlarm maps it to Terraform. */
export function alarmProperties(spec: AlarmSpec, topicArn: string): Record<string, CfnValue> {
  checkAlarmSpec(spec);
  const common = {
    AlarmName: spec.alarmName,
    AlarmDescription: spec.description,
    ComparisonOperator: ALARM_EVALUATION.comparisonOperator,
    Threshold: spec.threshold,
    EvaluationPeriods: ALARM_EVALUATION.evaluationPeriods,
    TreatMissingData: ALARM_EVALUATION.treatMissingData,
    AlarmActions: [topicArn],
    OKActions: [topicArn],
  };
  if (spec.metrics.length === 1) {
    const [m] = spec.metrics;
    return { ...common, Namespace: m.namespace, MetricName: m.metricName, ...dimensionsOf(m.dimensions), Statistic: m.statistic, Period: spec.periodInSeconds };
  }
  const metrics = sumQueries(spec).map((q) =>
    q.metric
      ? {
          Id: q.id,
          ReturnData: q.returnData,
          MetricStat: {
            Metric: { Namespace: q.metric.namespace, MetricName: q.metric.metricName, ...dimensionsOf(q.metric.dimensions as Record<string, string> | undefined) },
            Period: q.metric.period,
            Stat: q.metric.stat,
          },
        }
      : { Id: q.id, Label: q.label, Expression: q.expression, ReturnData: q.returnData },
  );
  return { ...common, Metrics: metrics };
}

function dimensionsOf(dimensions: Readonly<Record<string, string>> | undefined): { Dimensions?: { Name: string; Value: string }[] } {
  const entries = Object.entries(dimensions ?? {});
  return entries.length > 0 ? { Dimensions: entries.map(([Name, Value]) => ({ Name, Value })) } : {};
}

const pascalCase = (id: string) => id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
