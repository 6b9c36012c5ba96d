import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget, CloudwatchEventTargetRetryPolicy } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { Naming } from '../../config/naming';
import { RESPONDER_METRICS_DIMENSIONS, RESPONDER_METRICS_NAMESPACE, RESPONDER_PROBLEM_METRICS } from '../../functions/responder/metric-names';
import { Topology } from '../../config/schema';
import { ResponseRule } from '../catalog';
import { ResponderConfigDocument } from '../responder-config';
import { ALARM_PERIOD_SECONDS, metricAlarm } from './alarm-spec';
import { EventDeadLetterQueue } from './event-dead-letter-queue';
import { Statement } from './iam';
import { NodeFunction } from './node-function';
import { ResponderTarget } from './rule-targets';
import { EVIDENCE_PREFIX } from './evidence-bucket';

export interface ResponderProps {
  readonly topology: Topology;
  readonly naming: Naming;
  readonly config: ResponderConfigDocument;
  readonly busName: string;
  /** The rules of the action responses, created here. */
  readonly responseRules: readonly ResponseRule[];
  /** Use-case rules (created elsewhere) that also deliver to the responder, by id. */
  readonly extraTargetOf: ReadonlyMap<string, CloudwatchEventRule>;
  readonly retryPolicy: CloudwatchEventTargetRetryPolicy;
  /** Where its alarms notify: the operations topic of the central alarms. */
  readonly alarmTopicArn: string;
}

/**
 * The responder function (functions/responder/), its rules and its failure queue, which is both
 * the rule targets' dead-letter queue (delivery) and the on-failure destination of its
 * asynchronous invocations (function errors, after 2 retries), and alarms on both.
 */
export class Responder extends Construct {
  readonly function: NodeFunction;
  readonly failures: EventDeadLetterQueue;
  readonly rules: ReadonlyMap<string, CloudwatchEventRule>;

  constructor(scope: Construct, id: string, props: ResponderProps) {
    super(scope, id);
    const { naming, topology } = props;
    this.rules = new Map(
      props.responseRules.map((r) => [
        r.response,
        new CloudwatchEventRule(this, `rule-${r.response}`, {
          name: r.name,
          eventBusName: props.busName,
          description: `trailbridge response ${r.response}: the responder decides and, in enforce mode, acts`,
          eventPattern: JSON.stringify(r.pattern),
          state: r.state,
        }),
      ]),
    );
    const delivering = [...this.rules.entries(), ...props.extraTargetOf.entries()];
    this.failures = new EventDeadLetterQueue(this, 'failures', { queueName: naming.responderFailureQueueName(), ruleArns: delivering.map(([, rule]) => rule.arn) });
    this.function = new NodeFunction(this, 'function', {
      functionName: naming.responderFunctionName(),
      roleName: naming.responderFunctionRoleName(),
      entry: 'responder',
      description: 'trailbridge: decides and, in enforce mode, acts on the responses of the topology',
      statements: responderStatements(topology, naming, props.config),
      environment: { RESPONDER_CONFIG: JSON.stringify(props.config) },
      timeoutInSeconds: 60,
      logRetentionInDays: topology.events.logRetentionInDays,
      onFailureQueueArn: this.failures.queue.arn,
      asyncRetryAttempts: 2,
    });
    const target = new ResponderTarget(this, this.function.function);
    for (const [ruleId, rule] of delivering) {
      const { arn, inputTransformer } = target.bind({ id: ruleId }, rule.arn);
      new CloudwatchEventTarget(this, `target-${ruleId}`, {
        rule: rule.name,
        eventBusName: props.busName,
        targetId: 'responder',
        arn,
        inputTransformer,
        retryPolicy: props.retryPolicy,
        deadLetterConfig: { arn: this.failures.queue.arn },
      });
    }
    this.alarms(naming, props.alarmTopicArn);
  }

  private alarms(naming: Naming, topicArn: string): void {
    const common = {
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      threshold: 1,
      alarmActions: [topicArn],
      okActions: [topicArn],
    };
    const functionName = naming.responderFunctionName();
    const queueName = naming.responderFailureQueueName();
    new CloudwatchMetricAlarm(this, 'errors', {
      ...common,
      alarmName: naming.responderAlarmName('errors'),
      alarmDescription: `The responder ${functionName} failed invocations. Nothing is lost yet: Lambda retries an event twice, then keeps it in ${queueName} (14 days). First check: the function's log group for the error. See docs/flow-2-events.md#responses`,
      namespace: 'AWS/Lambda',
      dimensions: { FunctionName: functionName },
      metricName: 'Errors',
      statistic: 'Sum',
    });
    metricAlarm(
      this,
      {
        id: 'problems',
        alarmName: naming.responderAlarmName('problems'),
        description: `The responder ${functionName} met events it could not settle and did not fail on (so Lambda does not retry them): a source role it may not use or that denies a read (AccessDenied), a read that failed (ReadsFailed), a write that failed for good (ActionFailures), or an alert it could not publish (AlertFailures). What was not done stays undone. First check: the function's log group (WARN and ERROR lines name the event, account and call). See docs/flow-2-events.md#responses`,
        why: 'a response that settles without acting or alerting is otherwise silent',
        metrics: RESPONDER_PROBLEM_METRICS.map((metricName) => ({ namespace: RESPONDER_METRICS_NAMESPACE, metricName, dimensions: RESPONDER_METRICS_DIMENSIONS, statistic: 'Sum' as const })),
        threshold: 1,
        periodInSeconds: ALARM_PERIOD_SECONDS,
      },
      topicArn,
    );
    new CloudwatchMetricAlarm(this, 'failure-queue-depth', {
      ...common,
      alarmName: naming.responderAlarmName('failure-queue-depth'),
      alarmDescription: `Events the responder could not be given or could not handle wait in ${queueName} (kept 14 days); nothing is lost while they are there. First check: the message attributes (error code) of the oldest message, fix the cause and redrive. See docs/flow-2-events.md#responses`,
      namespace: 'AWS/SQS',
      dimensions: { QueueName: queueName },
      metricName: 'ApproximateNumberOfMessagesVisible',
      statistic: 'Maximum',
    });
  }
}

/** The function role: assume the source roles, publish alerts, write evidence (functions/responder/README.md, "the function's own role"). */
export function responderStatements(topology: Topology, naming: Naming, config: ResponderConfigDocument): Statement[] {
  const statements: Statement[] = [];
  const roles = Object.values(config.accounts).map((a) => a.roleArn);
  if (roles.length > 0) statements.push({ sid: 'AssumeSourceResponderRoles', actions: ['sts:AssumeRole'], resources: roles });
  const security = topology.accounts.find((a) => a.roles.includes('security'))!.id;
  const byAlias = (account: string, alias: string): Pick<Statement, 'resources' | 'conditions'> => ({
    resources: [naming.arn({ service: 'kms', region: topology.homeRegion, account, resource: 'key/*' })],
    conditions: [{ test: 'ForAnyValue:StringEquals', variable: 'kms:ResourceAliases', values: [alias] }],
  });
  if (config.alertTopicArn) {
    statements.push({ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [config.alertTopicArn] });
    // The key also encrypts the central log group: SNS names the topic in the encryption context of
    // the data keys it asks for, so the role may use the key for the alert topic only (as the notifier's).
    const alertKey = byAlias(security, naming.securityEventsKeyAlias());
    const forTopic = { test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sns:topicArn', values: [config.alertTopicArn] };
    statements.push({ sid: 'UseAlertTopicKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], ...alertKey, conditions: [...(alertKey.conditions ?? []), forTopic] });
  }
  if (config.evidence) {
    const bucket = naming.bucketArn(config.evidence.bucket);
    const logArchive = topology.accounts.find((a) => a.roles.includes('log-archive'))!.id;
    statements.push({ sid: 'WriteEvidence', actions: ['s3:PutObject', 's3:GetObject'], resources: [`${bucket}/${EVIDENCE_PREFIX}*`] });
    statements.push({ sid: 'ListEvidence', actions: ['s3:ListBucket'], resources: [bucket], conditions: [{ test: 'StringLike', variable: 's3:prefix', values: [`${EVIDENCE_PREFIX}*`] }] });
    const key = topology.responses['audit-evidence']?.kmsKeyArn;
    statements.push({ sid: 'EncryptEvidence', actions: ['kms:GenerateDataKey'], ...(key ? { resources: [key] } : byAlias(logArchive, naming.evidenceKeyAlias())) });
  }
  return statements;
}
