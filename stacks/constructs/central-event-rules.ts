import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget, CloudwatchEventTargetConfig } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Construct } from 'constructs';
import { Naming } from '../../config/naming';
import { Topology } from '../../config/schema';
import type { TargetKind } from '../../config/sections/events';
import { CentralRule, alertTransformer, centralRules } from '../catalog';
import { EventDeadLetterQueue } from './event-dead-letter-queue';
import { ACTIONS, denyInsecureTransport, policyDocument, serviceTrust } from './iam';
import { NodeFunction } from './node-function';
import { SecurityEventsKey } from './security-events-key';

export interface CentralEventRulesProps {
  readonly topology: Topology;
  readonly naming: Naming;
  /** Name of the central bus (a reference, so rules follow the bus). */
  readonly busName: string;
}

/** Kinesis keeps records this long; 24 hours is the base price. */
const STREAM_RETENTION_IN_HOURS = 24;
const EVENTS_SERVICE = 'events.amazonaws.com';

/**
 * The use-case rules of the central bus and their targets. Each target is created only when an
 * enabled rule uses it: the alert topic (KMS-encrypted, email subscriptions, a one-line alert
 * through an input transformer), the SQS buffer, the central log group (written through the
 * account's log resource policy, no role), the Kinesis stream (through a role) and the
 * bucket-logger Lambda. Every target has the topology's retry policy and the central dead-letter
 * queue, and every resource policy admits exactly the rules that target it.
 */
export class CentralEventRules extends Construct {
  readonly rules: ReadonlyMap<string, CloudwatchEventRule>;
  readonly deadLetterQueue?: EventDeadLetterQueue;
  readonly alertTopic?: SnsTopic;
  readonly bufferQueue?: SqsQueue;
  readonly logGroup?: CloudwatchLogGroup;
  readonly stream?: KinesisStream;
  readonly bucketLogger?: NodeFunction;

  private readonly topology: Topology;
  private readonly naming: Naming;
  private readonly accountId: string;

  constructor(scope: Construct, id: string, props: CentralEventRulesProps) {
    super(scope, id);
    this.topology = props.topology;
    this.naming = props.naming;
    this.accountId = props.naming.account('security').id;
    const planned = centralRules(props.topology);
    const rules = new Map<string, CloudwatchEventRule>();
    this.rules = rules;
    if (planned.length === 0) return;

    for (const rule of planned) {
      rules.set(
        rule.id,
        new CloudwatchEventRule(this, `rule-${rule.id}`, {
          name: rule.name,
          eventBusName: props.busName,
          description: `trailbridge ${rule.origin === 'catalog' ? 'use case' : 'custom rule'}: ${rule.description || rule.title}`.slice(0, 512),
          eventPattern: JSON.stringify(rule.pattern),
          state: rule.state,
        }),
      );
    }
    const arnsOf = (kind: TargetKind) => planned.filter((r) => r.target === kind).map((r) => rules.get(r.id)!.arn);
    const uses = (kind: TargetKind) => planned.some((r) => r.target === kind);

    this.deadLetterQueue = new EventDeadLetterQueue(this, 'dlq', { queueName: props.naming.centralDlqName(), ruleArns: planned.map((r) => rules.get(r.id)!.arn) });

    const logGroupName = props.naming.centralLogGroupName();
    const key = uses('sns') || uses('logs')
      ? new SecurityEventsKey(this, 'key', {
          alias: props.naming.securityEventsKeyAlias(),
          accountId: this.accountId,
          region: props.topology.homeRegion,
          logGroupNames: uses('logs') ? [logGroupName] : [],
        }).key
      : undefined;

    if (uses('sns')) this.alertTopic = this.createAlertTopic(key!.arn, arnsOf('sns'));
    if (uses('sqs')) this.bufferQueue = this.createBufferQueue(arnsOf('sqs'));
    if (uses('logs')) this.logGroup = this.createLogGroup(logGroupName, key!.arn);
    let streamRole: IamRole | undefined;
    if (uses('kinesis')) [this.stream, streamRole] = this.createStream();
    if (planned.some((r) => r.target === 'lambda' && r.functionArn === undefined)) {
      this.bucketLogger = new NodeFunction(this, 'bucket-logger', {
        functionName: props.naming.bucketLoggerFunctionName(),
        entry: 'bucket-logger',
        description: 'trailbridge: records the account, region, name and creator of every new S3 bucket',
        statements: [],
        logRetentionInDays: props.topology.events.logRetentionInDays,
      });
    }

    for (const rule of planned) {
      const eventRule = rules.get(rule.id)!;
      const common: Omit<CloudwatchEventTargetConfig, 'arn'> = {
        rule: eventRule.name,
        eventBusName: props.busName,
        targetId: rule.target,
        retryPolicy: { maximumRetryAttempts: props.topology.events.retryAttempts, maximumEventAgeInSeconds: props.topology.events.maxEventAgeInSeconds },
        deadLetterConfig: { arn: this.deadLetterQueue.queue.arn },
      };
      new CloudwatchEventTarget(this, `target-${rule.id}`, { ...common, ...this.targetOf(rule, eventRule, streamRole) });
    }
  }

  /** Where a rule's events go: ARN, and role or input transformer where the kind needs one. */
  private targetOf(rule: CentralRule, eventRule: CloudwatchEventRule, streamRole?: IamRole): Partial<CloudwatchEventTargetConfig> & { arn: string } {
    switch (rule.target) {
      case 'sns':
        return { arn: this.alertTopic!.arn, inputTransformer: alertTransformer(rule) };
      case 'sqs':
        return { arn: this.bufferQueue!.arn };
      case 'logs':
        return { arn: this.logGroup!.arn };
      case 'kinesis':
        return { arn: this.stream!.arn, roleArn: streamRole!.arn };
      case 'lambda': {
        const functionArn = rule.functionArn ?? this.bucketLogger!.function.arn;
        new LambdaPermission(this, `invoke-${rule.id}`, {
          statementId: `events-${rule.id}`,
          action: 'lambda:InvokeFunction',
          functionName: rule.functionArn ?? this.bucketLogger!.function.functionName,
          principal: EVENTS_SERVICE,
          sourceArn: eventRule.arn,
        });
        return { arn: functionArn };
      }
    }
  }

  private createAlertTopic(keyArn: string, ruleArns: string[]): SnsTopic {
    const topic = new SnsTopic(this, 'alerts', {
      name: this.naming.alertTopicName(),
      displayName: 'trailbridge security alerts',
      kmsMasterKeyId: keyArn,
    });
    const policy = policyDocument(this, 'alerts-policy-document', [
      {
        sid: 'EventBridgePublishes',
        actions: ['sns:Publish'],
        resources: [topic.arn],
        principals: [{ type: 'Service', identifiers: [EVENTS_SERVICE] }],
        conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: ruleArns }],
      },
      { ...denyInsecureTransport([topic.arn]), actions: ['sns:Publish', 'sns:Subscribe'] },
    ]);
    new SnsTopicPolicy(this, 'alerts-policy', { arn: topic.arn, policy: policy.json });
    this.topology.events.alertEmails.forEach((email, i) => {
      new SnsTopicSubscription(this, `alerts-email-${i}`, { topicArn: topic.arn, protocol: 'email', endpoint: email });
    });
    return topic;
  }

  private createBufferQueue(ruleArns: string[]): SqsQueue {
    const queue = new SqsQueue(this, 'buffer', {
      name: this.naming.eventBufferQueueName(),
      messageRetentionSeconds: this.topology.events.bufferRetentionInSeconds,
      sqsManagedSseEnabled: true,
    });
    const policy = policyDocument(this, 'buffer-policy-document', [
      {
        sid: 'EventBridgeSends',
        actions: ACTIONS.sqsSend,
        resources: [queue.arn],
        principals: [{ type: 'Service', identifiers: [EVENTS_SERVICE] }],
        conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: ruleArns }],
      },
      denyInsecureTransport([queue.arn]),
    ]);
    new SqsQueuePolicy(this, 'buffer-policy', { queueUrl: queue.url, policy: policy.json });
    return queue;
  }

  /**
   * EventBridge writes to CloudWatch Logs through the account's log resource policy, not a role.
   * The policy names this one group; AWS documents it without a source-ARN condition.
   */
  private createLogGroup(name: string, keyArn: string): CloudwatchLogGroup {
    const group = new CloudwatchLogGroup(this, 'logs', {
      name,
      retentionInDays: this.topology.events.logRetentionInDays,
      kmsKeyId: keyArn,
    });
    const policy = policyDocument(this, 'logs-policy-document', [
      {
        sid: 'EventBridgeWritesCentralLogs',
        actions: ACTIONS.logsWrite,
        resources: [`${group.arn}:*`],
        principals: [{ type: 'Service', identifiers: [EVENTS_SERVICE, 'delivery.logs.amazonaws.com'] }],
      },
    ]);
    new CloudwatchLogResourcePolicy(this, 'logs-policy', { policyName: this.naming.centralLogPolicyName(), policyDocument: policy.json });
    return group;
  }

  private createStream(): [KinesisStream, IamRole] {
    const shards = this.topology.events.kinesisShardCount;
    const stream = new KinesisStream(this, 'stream', {
      name: this.naming.eventStreamName(),
      retentionPeriod: STREAM_RETENTION_IN_HOURS,
      shardCount: shards,
      streamModeDetails: { streamMode: shards === undefined ? 'ON_DEMAND' : 'PROVISIONED' },
      // The AWS managed key: producers and consumers in the account need no key grant.
      encryptionType: 'KMS',
      kmsKeyId: 'alias/aws/kinesis',
    });
    const trust = policyDocument(this, 'stream-role-trust', [
      serviceTrust(EVENTS_SERVICE, [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [this.accountId] }]),
    ]);
    const role = new IamRole(this, 'stream-role', {
      name: this.naming.eventStreamRoleName(),
      description: 'Lets the central EventBridge rules put records on the security event stream',
      assumeRolePolicy: trust.json,
    });
    const permissions = policyDocument(this, 'stream-role-permissions', [
      { sid: 'PutRecords', actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [stream.arn] },
    ]);
    new IamRolePolicy(this, 'stream-role-policy', { name: 'put-records', role: role.id, policy: permissions.json });
    return [stream, role];
  }
}
