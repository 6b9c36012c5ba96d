import { CloudwatchEventArchive } from '@cdktf/provider-aws/lib/cloudwatch-event-archive';
import { CloudwatchEventBus } from '@cdktf/provider-aws/lib/cloudwatch-event-bus';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamServiceLinkedRole } from '@cdktf/provider-aws/lib/iam-service-linked-role';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { Naming, STACK } from '../config/naming';
import { Topology } from '../config/schema';
import { AlarmTopic } from './constructs/alarm-topic';
import { CustomerManagedKey } from './constructs/customer-managed-key';
import { EmailSubscriptions } from './constructs/email-subscriptions';
import { IdrAlarms, idrAlarmKinds } from './constructs/idr-alarms';
import { dynatraceIdrPermissions, dynatraceTrust } from './constructs/dynatrace-idr-access';
import { ACTIONS, Statement, denyInsecureTransport, policyDocument } from './constructs/iam';
import { DEAD_LETTER_RETENTION_SECONDS } from './catalog/forwarding-definition';
import { CAPTURE_ALL_PATTERN, IDR_TEST_RULE_PATTERN, workflowPutEventsTemplate } from './constructs/idr-event-format';
import { TrailbridgeStack } from './trailbridge-stack';
import { accountWithRole } from '../config/accounts';

/** The service IDR's service-linked role belongs to (AWSServiceRoleForHealth_EventProcessor). */
export const IDR_EVENT_PROCESSOR_SERVICE = 'event-processor.health.amazonaws.com';

/**
 * `incident-response`: the bus Dynatrace puts problems on and AWS Incident Detection and Response
 * is onboarded to, its key and archive, the OIDC provider for token.dynatrace.com and the role the
 * Dynatrace AWS connector assumes, the IDR service-linked role, the test rule, and an optional
 * capture of every event to CloudWatch Logs, and alarms on the bus's dead-letter queue and the
 * capture rule. Walkthrough: docs/flow-3-incident-response.md.
 */
export class IncidentResponseStack extends TrailbridgeStack {
  readonly bus: CloudwatchEventBus;
  readonly dynatraceRole: IamRole;
  readonly testRule: CloudwatchEventRule;
  readonly alarms?: IdrAlarms;
  readonly alarmTopic?: AlarmTopic;

  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, STACK.incidentResponse, { topology, naming, account: accountWithRole(topology, 'incident-response'), region: naming.idrRegion() });
    const options = topology.incidentResponse;
    const busArn = naming.idrBusArn();

    const key = options.customerManagedKey ? this.busKey(busArn) : undefined;
    const deadLetters = key ? this.busDeadLetterQueue(busArn) : undefined;
    this.bus = new CloudwatchEventBus(this, 'bus', {
      name: naming.idrBusName(),
      description: 'Dynatrace problems for AWS Incident Detection and Response',
      kmsKeyIdentifier: key?.arn,
      deadLetterConfig: deadLetters ? { arn: deadLetters.arn } : undefined,
    });
    // Provider 5.100 has no kms_key_identifier on archives: archived events use an AWS owned key.
    new CloudwatchEventArchive(this, 'archive', {
      name: naming.idrArchiveName(),
      eventSourceArn: this.bus.arn,
      retentionDays: options.archiveRetentionInDays,
      description: `Every event on ${naming.idrBusName()}, for replay`,
    });

    const provider = new IamOpenidConnectProvider(this, 'dynatrace-oidc', {
      url: `https://${naming.dynatraceTokenHost}`,
      clientIdList: [naming.dynatraceAudience()],
      thumbprintList: options.oidc.thumbprint ? [options.oidc.thumbprint.toLowerCase()] : undefined,
    });
    this.dynatraceRole = new IamRole(this, 'dynatrace-role', {
      name: naming.dynatraceRoleName(),
      description: 'Assumed by the Dynatrace AWS connector (web identity) to put problems on the IDR bus',
      assumeRolePolicy: policyDocument(this, 'dynatrace-trust', dynatraceTrust(naming, provider.arn)).json,
      maxSessionDuration: 3600,
    });
    new IamRolePolicy(this, 'dynatrace-put-events', {
      name: 'put-events-on-idr-bus',
      role: this.dynatraceRole.name,
      policy: policyDocument(this, 'dynatrace-permissions', dynatraceIdrPermissions(naming)).json,
    });

    if (options.createServiceLinkedRole) {
      new IamServiceLinkedRole(this, 'idr-service-linked-role', {
        // No description: services decide whether their service-linked role takes one.
        awsServiceName: IDR_EVENT_PROCESSOR_SERVICE,
        // AWS names the role AWSServiceRoleForHealth_EventProcessor and the provider reads the
        // part after "_" back as custom_suffix, so every later plan would replace the role
        // (hashicorp/terraform-provider-aws#41123). The service refuses a custom suffix, so the
        // configuration cannot state it either.
        lifecycle: { ignoreChanges: ['custom_suffix'] },
      });
    }

    this.testRule = new CloudwatchEventRule(this, 'test-rule', {
      name: naming.idrTestRuleName(),
      eventBusName: this.bus.name,
      description: 'Matches what IDR ingests; its MatchedEvents metric shows Dynatrace problems arrive in the right format',
      eventPattern: JSON.stringify(IDR_TEST_RULE_PATTERN),
      state: 'ENABLED',
    });

    if (options.debugCapture.enabled) this.debugCapture(options.debugCapture.retentionInDays);

    const alarms = options.alarms.enabled ? this.addAlarms(topology, naming, deadLetters !== undefined) : {};
    this.alarmTopic = alarms.topic;
    this.alarms = alarms.alarms;

    new TerraformOutput(this, 'dynatrace_role_arn', {
      value: this.dynatraceRole.arn,
      description: 'Role ARN for the Dynatrace AWS connection (web identity)',
    });
    new TerraformOutput(this, 'dynatrace_trusted_subject', {
      value: naming.dynatraceSubject() ?? 'none yet: set incidentResponse.oidc.connectionId to the Dynatrace connection id and apply again',
      description: 'The token subject (Dynatrace connection) the role trusts',
    });
    new TerraformOutput(this, 'idr_bus_name', { value: this.bus.name, description: 'The IDR event bus' });
    new TerraformOutput(this, 'idr_bus_arn', { value: this.bus.arn, description: 'The IDR event bus ARN, for onboarding with AWS IDR' });
    new TerraformOutput(this, 'dynatrace_workflow_put_events_parameters', {
      value: workflowPutEventsTemplate({
        eventBusArn: busArn,
        constants: { 'dynatrace-environment': topology.dynatrace.environmentUrl },
      }),
      description: `Parameters of the Dynatrace workflow's PutEvents action (region ${naming.idrRegion()})`,
    });
  }

  /** The alarms on what the stack has to watch (none: no alarms), to the topology's topic or a topic of the stack's own. */
  private addAlarms(topology: Topology, naming: Naming, hasDeadLetters: boolean): { topic?: AlarmTopic; alarms?: IdrAlarms } {
    const options = topology.incidentResponse;
    const watched = {
      deadLetterQueueName: hasDeadLetters ? naming.idrBusDeadLetterQueueName() : undefined,
      debugCapture: options.debugCapture.enabled ? { ruleName: naming.idrDebugRuleName(), logGroupName: naming.idrDebugLogGroupName() } : undefined,
    };
    if (idrAlarmKinds(watched).length === 0) return {};
    let topicArn = options.alarms.topicArn;
    let topic: AlarmTopic | undefined;
    if (!topicArn) {
      topic = new AlarmTopic(this, 'alarm-topic', {
        partition: topology.partition,
        topicName: naming.idrAlarmTopicName(),
        keyAlias: naming.idrAlarmKeyAlias(),
        accountId: this.account.id,
        region: this.region,
        alarmNamePrefixes: [naming.idrAlarmNamePrefix()],
      });
      topicArn = topic.topic.arn;
      new EmailSubscriptions(this, 'alarm-email', { topicArn, emails: options.alarms.emails });
    }
    const alarms = new IdrAlarms(this, 'alarms', {
      ...watched,
      busName: naming.idrBusName(),
      alarmName: (kind) => naming.idrAlarmName(kind),
      topicArn,
      periodInSeconds: options.alarms.periodInSeconds,
    });
    return { topic, alarms };
  }

  /** A key only EventBridge may use, and only for this bus (encryption context = bus ARN). */
  private busKey(busArn: string): KmsKey {
    const accountId = this.account.id;
    const forThisBus: Statement['conditions'] = [
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: [accountId] },
      { test: 'ArnEquals', variable: 'aws:SourceArn', values: [busArn] },
    ];
    const statements: Statement[] = [
      {
        sid: 'AccountAdministersKey',
        actions: ['kms:*'],
        resources: ['*'],
        principals: [{ type: 'AWS', identifiers: [this.naming.accountRootArn(accountId)] }],
      },
      // EventBridge acts for this bus only (AWS, "Authorizing EventBridge to use a customer managed
      // key": aws:SourceAccount and aws:SourceArn, the bus ARN): no other account's or bus's request
      // can have it describe or use the key. DescribeKey carries no encryption context.
      {
        sid: 'EventBridgeDescribesKey',
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
        conditions: forThisBus,
      },
      {
        sid: 'EventBridgeEncryptsIdrBus',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
        conditions: [{ test: 'StringEquals', variable: 'kms:EncryptionContext:aws:events:event-bus:arn', values: [busArn] }, ...forThisBus],
      },
    ];
    const key = new KmsKey(this, 'bus-key', {
      description: `Encrypts events on the ${this.naming.idrBusName()} event bus`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(this, 'bus-key-policy', statements).json,
    });
    new KmsAlias(this, 'bus-key-alias', { name: this.naming.idrKeyAlias(), targetKeyId: key.keyId });
    return key;
  }

  /**
   * The bus's dead-letter queue: EventBridge puts there, still encrypted with the bus key, every
   * event it cannot encrypt or decrypt (key disabled or deleted, key policy broken), which would
   * otherwise be dropped (AWS, "Using dead-letter queues to capture encrypted event errors").
   * SSE-SQS, so no second key grant can break it too. AWS does not document which ARN EventBridge
   * presents as aws:SourceArn for a bus DLQ, so the policy accepts this bus and its rules only.
   */
  private busDeadLetterQueue(busArn: string): SqsQueue {
    const naming = this.naming;
    const queue = new SqsQueue(this, 'bus-dlq', {
      name: naming.idrBusDeadLetterQueueName(),
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });
    const queueArn = naming.idrBusDeadLetterQueueArn();
    new SqsQueuePolicy(this, 'bus-dlq-policy', {
      queueUrl: queue.url,
      policy: policyDocument(this, 'bus-dlq-policy-document', [
        {
          sid: 'IdrBusDeadLetters',
          actions: ACTIONS.sqsSend,
          resources: [queueArn],
          principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
          conditions: [
            { test: 'StringEquals', variable: 'aws:SourceAccount', values: [this.account.id] },
            { test: 'ArnLike', variable: 'aws:SourceArn', values: [busArn, naming.idrRuleArn('*')] },
          ],
        },
        denyInsecureTransport([queueArn]),
      ]).json,
    });
    return queue;
  }

  /** Every event on the bus to a log group; for troubleshooting only (problems may hold sensitive details). */
  private debugCapture(retentionInDays: number): void {
    const naming = this.naming;
    const ruleName = naming.idrDebugRuleName();
    const logGroupKey = new CustomerManagedKey(this, 'debug-log-key', {
      partition: this.topology.partition,
      accountId: this.account.id,
      alias: naming.idrDebugLogsKeyAlias(),
      description: `Encrypts ${naming.idrDebugLogGroupName()}, the debug capture of the IDR bus`,
      logGroups: { region: this.region, names: [naming.idrDebugLogGroupName()] },
    });
    const logGroup = new CloudwatchLogGroup(this, 'debug-log-group', {
      name: naming.idrDebugLogGroupName(),
      retentionInDays,
      kmsKeyId: logGroupKey.key.arn,
    });
    const streams = `${naming.idrDebugLogGroupArn()}:*`;
    const deliverers = [{ type: 'Service' as const, identifiers: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] }];
    // Stream creation carries no source ARN; the writes are tied to the capture rule.
    const policy = new CloudwatchLogResourcePolicy(this, 'debug-log-policy', {
      policyName: naming.idrDebugLogPolicyName(),
      policyDocument: policyDocument(this, 'debug-log-policy-document', [
        { sid: 'EventBridgeCreatesStreams', actions: ['logs:CreateLogStream'], resources: [streams], principals: deliverers },
        {
          sid: 'CaptureRuleWritesEvents',
          actions: ['logs:PutLogEvents'],
          resources: [streams],
          principals: deliverers,
          conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: [naming.idrRuleArn(ruleName)] }],
        },
      ]).json,
    });
    const rule = new CloudwatchEventRule(this, 'debug-rule', {
      name: ruleName,
      eventBusName: this.bus.name,
      description: 'Debug capture: every event on the IDR bus to CloudWatch Logs',
      eventPattern: JSON.stringify(CAPTURE_ALL_PATTERN),
      state: 'ENABLED',
    });
    new CloudwatchEventTarget(this, 'debug-target', {
      rule: rule.name,
      eventBusName: this.bus.name,
      targetId: 'debug-log-group',
      arn: logGroup.arn,
      dependsOn: [policy],
    });
  }
}
