import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { Naming, STACK } from '../config/naming';
import { Topology } from '../config/schema';
import type { ApiDestinationKind } from '../config/sections/destinations';
import type { TargetKind } from '../config/sections/events';
import { CentralRule, assertValidEventTopology, centralRules, responderEnabled, responderTargetRules, responseRules } from './catalog';
import { CentralAlarmInput, CentralBusAlarms, WatchedRule } from './constructs/central-bus-alarms';
import { CentralEventBus, putEventsStatement } from './constructs/central-event-bus';
import { CentralEventRules } from './constructs/central-event-rules';
import { NodeFunction } from './constructs/node-function';
import { OperatorDashboard } from './constructs/operator-dashboard';
import { OpsTopic } from './constructs/ops-topic';
import { AlertTopicTarget, ApiDestinationTarget, BufferQueueTarget, LambdaTarget, LogGroupTarget, RuleTargetFactory, StateMachineTarget, StreamTarget } from './constructs/rule-targets';
import { SecurityEventsKey } from './constructs/security-events-key';
import { ConnectionKey } from './constructs/connection-key';
import { Responder } from './constructs/responder';
import { responderConfigFor } from './responder-config';
import { TrailbridgeStack } from './trailbridge-stack';
import { centralEventsDashboard } from './dashboards/central-events';
import { DashboardSpec } from './dashboards/widgets';
import { accountWithRole } from '../config/accounts';

/** `security-events`: the central event bus, its policy and archive, the use-case rules and their targets, and the responder. */
export class SecurityEventsStack extends TrailbridgeStack {
  readonly bus: CentralEventBus;
  readonly rules: CentralEventRules;
  readonly responder?: Responder;
  readonly alarms?: CentralBusAlarms;
  readonly opsTopic?: OpsTopic;
  readonly dashboard: OperatorDashboard;

  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, STACK.securityEvents, { topology, naming, account: accountWithRole(topology, 'security') });
    // Every pattern of the topology (central and forwarding rules) is checked here, before any
    // resource exists: an invalid one stops synth with the rule's name and the reason.
    assertValidEventTopology(topology);
    this.bus = new CentralEventBus(this, 'central-bus', {
      busName: naming.centralBusName(),
      archiveName: naming.centralArchiveName(),
      archiveRetentionInDays: topology.events.archiveRetentionInDays,
      putEvents: putEventsStatement(topology, naming),
    });
    const rules = centralRules(topology);
    this.rules = new CentralEventRules(this, 'rules', {
      busName: this.bus.bus.name,
      rules,
      targets: ruleTargets(topology, naming, rules),
      retryPolicy: { maximumRetryAttempts: topology.events.retryAttempts, maximumEventAgeInSeconds: topology.events.maxEventAgeInSeconds },
      deadLetterQueueName: naming.centralDlqName(),
    });
    const watched = watchedRules(topology, naming).length > 0;
    let opsTopicArn = topology.events.opsTopicArn;
    if (!opsTopicArn && (watched || responderEnabled(topology))) {
      this.opsTopic = new OpsTopic(this, 'ops-topic', {
        partition: topology.partition,
        topicName: naming.eventsOpsTopicName(),
        keyAlias: naming.eventsOpsKeyAlias(),
        accountId: this.account.id,
        region: this.region,
        // The alarms below notify it: the central bus's and the responder's.
        alarmNamePrefixes: [...(watched ? [naming.centralAlarmNamePrefix()] : []), ...(responderEnabled(topology) ? [naming.responderAlarmNamePrefix()] : [])],
        emails: topology.events.opsEmails,
      });
      opsTopicArn = this.opsTopic.topicArn;
    }
    if (responderEnabled(topology)) {
      this.responder = new Responder(this, 'responder', {
        topology,
        naming,
        config: responderConfigFor(topology),
        busName: this.bus.bus.name,
        responseRules: responseRules(topology),
        extraTargetOf: new Map(responderTargetRules(topology).map((r) => [r.id, this.rules.rules.get(r.id)!])),
        retryPolicy: { maximumRetryAttempts: topology.events.retryAttempts, maximumEventAgeInSeconds: topology.events.maxEventAgeInSeconds },
        alarmTopicArn: opsTopicArn!,
      });
    }
    if (watched) this.alarms = new CentralBusAlarms(this, 'alarms', { ...centralAlarmInput(topology, naming), topicArn: opsTopicArn! });
    this.dashboard = new OperatorDashboard(this, 'dashboard', centralDashboardSpec(topology, naming));
  }
}

const TARGET_WORDS: Record<TargetKind, string> = {
  sns: 'the alert topic',
  sqs: 'the buffer queue',
  lambda: 'its function',
  logs: 'the central log group',
  kinesis: 'the event stream',
  servicenow: 'ServiceNow',
  jira: 'Jira',
  webhook: 'its webhook',
  stepfunctions: 'its state machine',
};

/** What the central alarms watch (the docs' alarm table is written from it too). */
export function centralAlarmInput(topology: Topology, naming: Naming): CentralAlarmInput {
  return {
    busName: naming.centralBusName(),
    archiveName: naming.centralArchiveName(),
    archiveRetentionInDays: topology.events.archiveRetentionInDays,
    rules: watchedRules(topology, naming),
    deadLetterQueueName: centralRules(topology).length > 0 ? naming.centralDlqName() : undefined,
    bucketLogger: usesBucketLogger(centralRules(topology)) ? { functionName: naming.bucketLoggerFunctionName(), failureQueueName: naming.bucketLoggerFailureQueueName() } : undefined,
    retryAttempts: topology.events.retryAttempts,
    maxEventAgeInSeconds: topology.events.maxEventAgeInSeconds,
    alarmName: (kind) => naming.centralAlarmName(kind),
  };
}

/** The security account's dashboard: every rule of the bus, every dead-letter queue of its targets, and the bucket-logger's on-failure queue. */
export function centralDashboardSpec(topology: Topology, naming: Naming): DashboardSpec {
  return centralEventsDashboard({
    name: naming.centralDashboardName(),
    region: topology.homeRegion,
    busName: naming.centralBusName(),
    archiveName: naming.centralArchiveName(),
    rules: watchedRules(topology, naming),
    deadLetterQueueNames: [
      ...(centralRules(topology).length > 0 ? [naming.centralDlqName()] : []),
      ...(responderEnabled(topology) ? [naming.responderFailureQueueName()] : []),
      ...(usesBucketLogger(centralRules(topology)) ? [naming.bucketLoggerFailureQueueName()] : []),
    ],
  });
}

/** Every rule on the central bus with its targets and their dead-letter queues, for the alarms and the dashboard. */
function watchedRules(topology: Topology, naming: Naming): WatchedRule[] {
  const rules = centralRules(topology);
  const responder = responderEnabled(topology);
  const alsoResponder = new Set(responder ? responderTargetRules(topology).map((r) => r.id) : []);
  const responderQueue = naming.responderFailureQueueName();
  return [
    ...rules.map((r) => ({
      id: r.id,
      name: r.name,
      title: r.title,
      targets: alsoResponder.has(r.id) ? `${TARGET_WORDS[r.target]} and the responder` : TARGET_WORDS[r.target],
      deadLetterQueueNames: alsoResponder.has(r.id) ? [naming.centralDlqName(), responderQueue] : [naming.centralDlqName()],
    })),
    ...(responder ? responseRules(topology) : []).map((r) => ({
      id: `respond-${r.response}`,
      name: r.name,
      title: `response ${r.response}`,
      targets: 'the responder',
      deadLetterQueueNames: [responderQueue],
    })),
  ];
}

/** Whether a lambda rule leaves its function to the bucket-logger, which then exists. */
function usesBucketLogger(rules: readonly CentralRule[]): boolean {
  return rules.some((r) => r.target === 'lambda' && r.functionArn === undefined);
}

/**
 * The target kinds of the central rules, from the topology. The alert topic and the central log
 * group share one key, created with the first of them; the bucket-logger exists when a lambda
 * rule names no function of its own.
 */
function ruleTargets(topology: Topology, naming: Naming, rules: readonly CentralRule[]): Record<TargetKind, RuleTargetFactory> {
  const events = topology.events;
  const accountId = accountWithRole(topology, 'security').id;
  const uses = (kind: TargetKind) => rules.some((r) => r.target === kind);
  const logGroupName = naming.centralLogGroupName();
  let key: KmsKey | undefined;
  const keyIn = (scope: Construct): KmsKey =>
    (key ??= new SecurityEventsKey(scope, 'key', {
      partition: topology.partition,
      alias: naming.securityEventsKeyAlias(),
      accountId,
      region: topology.homeRegion,
      alertTopicArn: naming.alertTopicArn(),
      logGroupNames: uses('logs') ? [logGroupName] : [],
    }).key);
  return {
    sns: (scope, ruleArns) => new AlertTopicTarget(scope, { topicName: naming.alertTopicName(), keyArn: keyIn(scope).arn, alertEmails: events.alertEmails, ruleArns }),
    sqs: (scope, ruleArns) => new BufferQueueTarget(scope, { queueName: naming.eventBufferQueueName(), messageRetentionSeconds: events.bufferRetentionInSeconds, ruleArns }),
    logs: (scope, ruleArns) =>
      new LogGroupTarget(scope, { logGroupName, retentionInDays: events.logRetentionInDays, keyArn: keyIn(scope).arn, policyName: naming.centralLogPolicyName(), ruleArns }),
    kinesis: (scope, ruleArns) =>
      new StreamTarget(scope, { streamName: naming.eventStreamName(), roleName: naming.eventStreamRoleName(), accountId, ruleArns, shardCount: events.kinesisShardCount }),
    lambda: (scope) =>
      new LambdaTarget(scope, {
        defaultFunction: usesBucketLogger(rules)
          ? new NodeFunction(scope, 'bucket-logger', {
              functionName: naming.bucketLoggerFunctionName(),
              entry: 'bucket-logger',
              description: 'trailbridge: records the account, region, name and creator of every new S3 bucket',
              statements: [],
              logRetentionInDays: events.logRetentionInDays,
            })
          : undefined,
      }),
    ...apiDestinationTargets(topology, naming, accountId),
    stepfunctions: (scope, ruleArns, rules) =>
      new StateMachineTarget(scope, { stateMachines: events.stateMachines, rules, ruleArns, accountId, roleNameOf: (name) => naming.stateMachineRoleName(name) }),
  };
}

/**
 * The servicenow, jira and webhook kinds, each over the API destinations of its kind. Their
 * connections share one customer managed key: the topology's events.connectionKmsKeyArn, or one
 * created with the first of them.
 */
function apiDestinationTargets(topology: Topology, naming: Naming, accountId: string): Record<ApiDestinationKind, RuleTargetFactory> {
  let key: ConnectionKey | undefined;
  const keyArnIn = (scope: Construct): string =>
    topology.events.connectionKmsKeyArn ??
    (key ??= new ConnectionKey(scope, 'connection-key', {
      partition: topology.partition,
      accountId,
      region: topology.homeRegion,
      alias: naming.connectionKeyAlias(),
    })).key.arn;
  const factory =
    (kind: ApiDestinationKind): RuleTargetFactory =>
    (scope, ruleArns, rules) =>
      new ApiDestinationTarget(scope, {
        destinations: topology.events.apiDestinations.filter((d) => d.kind === kind),
        rules,
        ruleArns,
        accountId,
        nameOf: (name) => naming.apiDestinationName(name),
        roleNameOf: (name) => naming.apiDestinationRoleName(name),
        keyArn: keyArnIn(scope),
      });
  return { servicenow: factory('servicenow'), jira: factory('jira'), webhook: factory('webhook') };
}
