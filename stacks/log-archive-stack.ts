import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { Naming, STACK } from '../config/naming';
import { Topology } from '../config/schema';
import { AccessLogBucket } from './constructs/access-log-bucket';
import { AlarmTopic } from './constructs/alarm-topic';
import { CloudTrailKey, CrossAccountReader, TrailWriter } from './constructs/cloudtrail-key';
import { EmailSubscriptions } from './constructs/email-subscriptions';
import { LogArchiveAlarms } from './constructs/log-archive-alarms';
import { NotificationBuffer } from './constructs/notification-buffer';
import { NotificationTopic } from './constructs/notification-topic';
import { Notifier } from './constructs/notifier';
import { TrailBucket } from './constructs/trail-bucket';
import { TrailBucketNotification } from './constructs/trail-bucket-notification';
import { TrailbridgeStack } from './trailbridge-stack';
import { EvidenceBucket } from './constructs/evidence-bucket';
import { enabledResponses } from './catalog';
import { accountWithRole, managementAccount, sourceAccounts } from '../config/accounts';

/** One trail bucket and who writes to it. */
interface TrailTarget {
  /** Construct-id part: the source account's name, or "organization". */
  readonly id: string;
  readonly bucketName: string;
  readonly trails: readonly TrailWriter[];
  readonly writePrefixes: readonly string[];
  readonly logPrefix: string;
}

/**
 * `log-archive`: the trail buckets, their CMK and policies, notifications and the SNS topic, the
 * alarms on the notification path, and the evidence bucket. Walkthrough: docs/flow-1-archive.md.
 */
export class LogArchiveStack extends TrailbridgeStack {
  readonly key: CloudTrailKey;
  readonly accessLogs: AccessLogBucket;
  readonly trailBuckets: readonly TrailBucket[];
  readonly topic: NotificationTopic;
  readonly notifier?: Notifier;
  readonly buffer?: NotificationBuffer;
  readonly evidence?: EvidenceBucket;
  readonly alarms?: LogArchiveAlarms;
  readonly alarmTopic?: AlarmTopic;

  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, STACK.logArchive, { topology, naming, account: accountWithRole(topology, 'log-archive') });

    const options = topology.logArchive;
    const accountId = this.account.id;
    const targets = trailTargets(naming, topology);
    const bucketArns = targets.map((t) => naming.bucketArn(t.bucketName));
    const reader: CrossAccountReader = { roleArn: naming.forwarderRoleArn(), accountId: accountWithRole(topology, 'observability').id };
    const topicArn = naming.notificationTopicArn();
    const lambdaMode = options.notifications.mode === 'lambda';
    const bufferQueueArn = options.notifications.sqsBuffer ? naming.notificationBufferQueueArn() : undefined;

    this.key = new CloudTrailKey(this, 'cloudtrail-key', {
      partition: topology.partition,
      aliasName: naming.cloudTrailKeyAlias(),
      accountId,
      region: this.region,
      trails: targets.flatMap((t) => t.trails),
      bucketArns,
      reader,
      s3NotificationTopicArn: lambdaMode ? undefined : topicArn,
      topicArnForQueue: bufferQueueArn ? topicArn : undefined,
      readerQueueArn: bufferQueueArn,
    });
    const kmsKeyArn = this.key.key.arn;

    const audit = enabledResponses(topology)['audit-evidence'];
    this.accessLogs = new AccessLogBucket(this, 'access-logs', {
      partition: topology.partition,
      bucketName: naming.accessLogBucketName(),
      accountId,
      sourceBucketNames: [...targets.map((t) => t.bucketName), ...(audit ? [naming.evidenceBucketName()] : [])],
      expirationDays: options.accessLogExpirationDays,
      forceDestroy: options.forceDestroy,
    });

    this.trailBuckets = targets.map(
      (target) =>
        new TrailBucket(this, `bucket-${target.id}`, {
          partition: topology.partition,
          bucketName: target.bucketName,
          kmsKeyArn,
          trailArns: target.trails.map((t) => t.trailArn),
          writePrefixes: target.writePrefixes,
          logPrefix: target.logPrefix,
          accessLogBucketName: this.accessLogs.bucket.bucket,
          accessLogDependsOn: [this.accessLogs.policy],
          lifecycle: options.lifecycle,
          reader,
          objectLock: options.objectLock,
          forceDestroy: options.forceDestroy,
        }),
    );

    if (lambdaMode) {
      this.notifier = new Notifier(this, 'notifier', {
        partition: topology.partition,
        functionName: naming.notifierFunctionName(),
        topicArn,
        kmsKeyArn,
        accountId,
        buckets: targets.map((t) => ({ id: t.id, bucketName: t.bucketName })),
        environments: Object.fromEntries(sourceAccounts(topology).map((s) => [s.id, s.name])),
      });
    }
    this.topic = new NotificationTopic(this, 'topic', {
      partition: topology.partition,
      topicName: naming.notificationTopicName(),
      topicArn,
      kmsKeyArn,
      s3Publishers: lambdaMode ? undefined : { bucketArns, accountId },
      // The role's ARN as a reference: SNS refuses a policy naming a role that does not exist yet.
      rolePublisherArns: this.notifier ? [this.notifier.function.role.arn] : undefined,
      subscriber: { accountId: reader.accountId, protocol: 'lambda', endpoint: naming.forwarderFunctionArn() },
    });

    this.addBucketNotifications(targets);

    if (bufferQueueArn) {
      this.buffer = new NotificationBuffer(this, 'buffer', {
        partition: topology.partition,
        queueName: naming.notificationBufferQueueName(),
        queueArn: bufferQueueArn,
        deadLetterQueueName: naming.notificationBufferDlqName(),
        topicArn: this.topic.topic.arn,
        kmsKeyArn,
        consumer: reader,
      });
    }

    const alarms = options.alarms.enabled ? this.addAlarms(topology, naming) : undefined;
    this.alarmTopic = alarms?.topic;
    this.alarms = alarms?.alarms;

    if (audit) this.evidence = this.addEvidenceBucket(topology, naming, audit.retentionInDays);

    this.addOutputs(targets.map((t) => t.bucketName));
  }

  /** Each trail bucket announces its new log files: to the notifier, or straight to the topic. */
  private addBucketNotifications(targets: readonly TrailTarget[]): void {
    targets.forEach((target, i) => {
      const bucket = this.trailBuckets[i];
      new TrailBucketNotification(this, `notification-${target.id}`, {
        bucketId: bucket.bucket.id,
        logPrefix: target.logPrefix,
        target: this.notifier ? { functionArn: this.notifier.function.function.arn } : { topicArn: this.topic.topic.arn },
        dependsOn: this.notifier ? [this.notifier.permissions[i]] : [this.topic.policy, this.key.key],
      });
    });
  }

  /** The topic of the alarms on the notification path, with its key and the topology's email subscriptions. */
  /** The alarms on the notification path, to the topology's topic or a topic of the stack's own. */
  private addAlarms(topology: Topology, naming: Naming): { topic?: AlarmTopic; alarms: LogArchiveAlarms } {
    const options = topology.logArchive.alarms;
    const topic = options.topicArn ? undefined : this.addAlarmTopic(topology, naming);
    const alarms = new LogArchiveAlarms(this, 'alarms', {
      topicName: naming.notificationTopicName(),
      notifier: this.notifier ? { functionName: naming.notifierFunctionName(), failureQueueName: naming.notifierFailureQueueName() } : undefined,
      buffer: this.buffer ? { queueName: naming.notificationBufferQueueName(), deadLetterQueueName: naming.notificationBufferDlqName() } : undefined,
      alarmName: (kind) => naming.logArchiveAlarmName(kind),
      topicArn: options.topicArn ?? topic!.topic.arn,
      periodInSeconds: options.periodInSeconds,
    });
    return { topic, alarms };
  }

  private addAlarmTopic(topology: Topology, naming: Naming): AlarmTopic {
    const alarmTopic = new AlarmTopic(this, 'alarm-topic', {
      partition: topology.partition,
      topicName: naming.logArchiveAlarmTopicName(),
      keyAlias: naming.logArchiveAlarmKeyAlias(),
      accountId: this.account.id,
      region: this.region,
      alarmNamePrefixes: [naming.logArchiveAlarmNamePrefix()],
    });
    new EmailSubscriptions(this, 'alarm-email', { topicArn: alarmTopic.topic.arn, emails: topology.logArchive.alarms.emails });
    return alarmTopic;
  }

  /** The audit-evidence bucket (responses["audit-evidence"]), written only by the responder function's role. */
  private addEvidenceBucket(topology: Topology, naming: Naming, retentionInDays: number): EvidenceBucket {
    const evidence = new EvidenceBucket(this, 'evidence', {
      partition: topology.partition,
      bucketName: naming.evidenceBucketName(),
      keyAlias: naming.evidenceKeyAlias(),
      accountId: this.account.id,
      region: this.region,
      writerRoleArn: naming.responderFunctionRoleArn(),
      writerAccountId: accountWithRole(topology, 'security').id,
      retentionInDays,
      accessLogBucketName: this.accessLogs.bucket.bucket,
      accessLogDependsOn: [this.accessLogs.policy],
    });
    new TerraformOutput(this, 'evidence_key_arn', {
      value: evidence.key.arn,
      description: 'Key ARN of the evidence key; set it as responses["audit-evidence"].kmsKeyArn so the responder names the key, not its alias',
    });
    return evidence;
  }

  /** What an operator copies into the topology or another tool after the first apply. */
  private addOutputs(trailBucketNames: string[]): void {
    new TerraformOutput(this, 'cloudtrail_key_arn', {
      value: this.key.key.arn,
      description: 'Key ARN of the CloudTrail CMK; set it as trails.kmsKeyArn so source stacks plan without a perpetual kms_key_id change',
    });
    new TerraformOutput(this, 'notification_topic_arn', { value: this.topic.topic.arn });
    new TerraformOutput(this, 'trail_bucket_names', { value: trailBucketNames });
    if (this.buffer) new TerraformOutput(this, 'notification_buffer_queue_url', { value: this.buffer.queue.url });
  }
}

/** The trail buckets: one per source account, or the organization trail's one. */
function trailTargets(naming: Naming, topology: Topology): TrailTarget[] {
  if (topology.trails.mode === 'organization') {
    const management = managementAccount(topology);
    const logPrefix = naming.trailLogPrefix(sourceAccounts(topology)[0]);
    return [
      {
        id: 'organization',
        bucketName: naming.organizationTrailBucketName(),
        trails: [{ trailArn: naming.organizationTrailArn(), accountId: management.id }],
        // CloudTrail also checks the management account's own prefix when it creates the trail.
        writePrefixes: [naming.organizationTrailKeyPrefix(), `${logPrefix}${management.id}/`],
        logPrefix,
      },
    ];
  }
  return sourceAccounts(topology).map((source) => ({
    id: source.name,
    bucketName: naming.trailBucketName(source),
    trails: [{ trailArn: naming.trailArn(source), accountId: source.id }],
    writePrefixes: [naming.trailKeyPrefix(source)],
    logPrefix: naming.trailLogPrefix(source),
  }));
}
