import { accountWithRole, managementAccount, sourceAccounts } from './accounts';
import { ArnParts, Partition, accountRootArn, arn, bucketArn, roleArn } from './arn';
import { Account, AccountRole, SourceAccount, Topology } from './schema';

/**
 * Every stack name, physical name and cross-stack ARN, derived from the topology in one place.
 *
 * Stacks never read each other's state: a value that crosses stacks (topic ARN, bus ARN, role
 * ARNs) is computed here from account ids, regions and names, so each stack plans on its own.
 * Each name is checked against its service's length and character rules when it is derived.
 * Which account does what is config/accounts.ts's question; every ARN is config/arn.ts's.
 */

export const STACK = {
  logArchive: 'log-archive',
  securityEvents: 'security-events',
  observability: 'observability',
  incidentResponse: 'incident-response',
} as const;

/**
 * Service rules on physical names: the longest name and the characters allowed (as each service's
 * API reference gives them), with the rule in words for the message.
 */
export const NAME_RULES = {
  bucket: { maxLength: 63, pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, allowed: 'lowercase letters, digits, "." and "-", starting and ending with a letter or digit' },
  iamRole: { maxLength: 64, pattern: /^[\w+=,.@-]+$/, allowed: 'letters, digits and +=,.@_-' },
  iamPolicy: { maxLength: 128, pattern: /^[\w+=,.@-]+$/, allowed: 'letters, digits and +=,.@_-' },
  lambdaFunction: { maxLength: 64, pattern: /^[A-Za-z0-9_-]+$/, allowed: 'letters, digits, "_" and "-"' },
  eventRule: { maxLength: 64, pattern: /^[.\-_A-Za-z0-9]+$/, allowed: 'letters, digits, ".", "_" and "-"' },
  eventBus: { maxLength: 256, pattern: /^[/.\-_A-Za-z0-9]+$/, allowed: 'letters, digits, "/", ".", "_" and "-"' },
  eventArchive: { maxLength: 48, pattern: /^[.\-_A-Za-z0-9]+$/, allowed: 'letters, digits, ".", "_" and "-"' },
  dynamodbTable: { maxLength: 255, pattern: /^[A-Za-z0-9_.-]{3,}$/, allowed: 'at least 3 letters, digits, "_", "." and "-"' },
  sqsQueue: { maxLength: 80, pattern: /^[A-Za-z0-9_-]+$/, allowed: 'letters, digits, "_" and "-"' },
  snsTopic: { maxLength: 256, pattern: /^[A-Za-z0-9_-]+$/, allowed: 'letters, digits, "_" and "-"' },
  trail: { maxLength: 128, pattern: /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/, allowed: 'letters, digits, ".", "_" and "-", starting and ending with a letter or digit' },
  logGroup: { maxLength: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, allowed: 'letters, digits and ._-/#' },
  logResourcePolicy: { maxLength: 255, pattern: /^[.\-_/#A-Za-z0-9]+$/, allowed: 'letters, digits and ._-/#' },
  kinesisStream: { maxLength: 128, pattern: /^[A-Za-z0-9_.-]+$/, allowed: 'letters, digits, "_", "." and "-"' },
  kmsAlias: { maxLength: 256, pattern: /^alias\/[A-Za-z0-9/_-]+$/, allowed: '"alias/" and then letters, digits, "/", "_" and "-"' },
  alarm: { maxLength: 255, pattern: /^[\x20-\x7e]+$/, allowed: 'printable ASCII characters' },
  appConfig: { maxLength: 64, pattern: /^[\x20-\x7e]+$/, allowed: 'printable ASCII characters' },
  signingProfile: { maxLength: 64, pattern: /^[A-Za-z0-9_]{2,}$/, allowed: 'at least 2 letters, digits and "_"' },
  eventConnection: { maxLength: 64, pattern: /^[.\-_A-Za-z0-9]+$/, allowed: 'letters, digits, ".", "_" and "-"' },
  dashboard: { maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: 'letters, digits, "_" and "-"' },
  stackSet: { maxLength: 128, pattern: /^[A-Za-z][A-Za-z0-9-]*$/, allowed: 'letters, digits and "-", starting with a letter' },
} as const;

export type NameKind = keyof typeof NAME_RULES;

export class NamingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NamingError';
  }
}

export class Naming {
  readonly prefix: string;
  readonly homeRegion: string;
  readonly partition: Partition;
  private trailBucketNames?: readonly string[];

  constructor(readonly topology: Topology) {
    this.prefix = topology.name;
    this.homeRegion = topology.homeRegion;
    this.partition = topology.partition;
  }

  // ---- stacks ---------------------------------------------------------------------------------

  sourceStackName(account: Account): string {
    return `source-${account.name}`;
  }

  // ---- generic ARNs, in the topology's partition -----------------------------------------------

  arn(parts: Omit<ArnParts, 'partition'>): string {
    return arn({ ...parts, partition: this.partition });
  }

  roleArn(accountId: string, roleName: string): string {
    return roleArn(this.partition, accountId, roleName);
  }

  accountRootArn(accountId: string): string {
    return accountRootArn(this.partition, accountId);
  }

  bucketArn(bucketName: string): string {
    return bucketArn(this.partition, bucketName);
  }

  /** The one account of a role, for the ARNs of its resources. */
  private accountId(role: Exclude<AccountRole, 'source'>): string {
    return accountWithRole(this.topology, role).id;
  }

  // ---- flow 1: trails, log archive, notifications ----------------------------------------------

  trailName(source: Account): string {
    return this.checked('trail', `${this.prefix}-${source.name}`);
  }

  trailArn(source: Account): string {
    return this.arn({ service: 'cloudtrail', region: this.homeRegion, account: source.id, resource: `trail/${this.trailName(source)}` });
  }

  organizationTrailName(): string {
    return this.checked('trail', `${this.prefix}-organization`);
  }

  organizationTrailArn(): string {
    const management = managementAccount(this.topology);
    return this.arn({ service: 'cloudtrail', region: this.homeRegion, account: management.id, resource: `trail/${this.organizationTrailName()}` });
  }

  /** The trail ARNs allowed to write to a source's bucket. */
  trailArnsFor(source: SourceAccount): string[] {
    return this.topology.trails.mode === 'organization' ? [this.organizationTrailArn()] : [this.trailArn(source)];
  }

  /** The bucket that receives a source account's logs: its own, or the organization trail's. */
  trailBucketName(source: SourceAccount): string {
    if (this.topology.trails.mode === 'organization') return this.organizationTrailBucketName();
    const name = source.source.bucketName;
    if (!name) throw new NamingError(`account ${source.name} has no source.bucketName; account-mode trails need one bucket per source account`);
    return this.checked('bucket', name);
  }

  /** Key prefix up to and including AWSLogs/<account or o-id>/, as CloudTrail writes it. */
  trailKeyPrefix(source: SourceAccount): string {
    if (this.topology.trails.mode === 'organization') return `${this.organizationTrailKeyPrefix()}${source.id}/`;
    return `${awsLogsPrefix(source.source.keyPrefix)}${source.id}/`;
  }

  accessLogBucketName(): string {
    return this.checked(
      'bucket',
      this.topology.logArchive.accessLogBucketName ?? `${this.prefix}-access-logs-${this.accountId('log-archive')}`,
    );
  }

  cloudTrailKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-cloudtrail`);
  }

  cloudTrailKeyAliasArn(): string {
    return this.arn({ service: 'kms', region: this.homeRegion, account: this.accountId('log-archive'), resource: this.cloudTrailKeyAlias() });
  }

  notificationTopicName(): string {
    return this.checked('snsTopic', `${this.prefix}-cloudtrail-objects`);
  }

  notificationTopicArn(): string {
    return this.arn({ service: 'sns', region: this.homeRegion, account: this.accountId('log-archive'), resource: this.notificationTopicName() });
  }

  notifierFunctionName(): string {
    return this.checked('lambdaFunction', `${this.prefix}-notifier`);
  }

  /** Every trail bucket: one per source account, or the organization trail's one. */
  allTrailBucketNames(): string[] {
    // Every source's trail asks (500 sources: 250,000 names); the topology does not change.
    this.trailBucketNames ??= [...new Set(sourceAccounts(this.topology).map((source) => this.trailBucketName(source)))];
    return [...this.trailBucketNames];
  }

  /** `[keyPrefix/]AWSLogs/`: where the log files of a source's trail start in its bucket. */
  trailLogPrefix(source: SourceAccount): string {
    return this.topology.trails.mode === 'organization'
      ? awsLogsPrefix(this.topology.trails.organization.keyPrefix)
      : awsLogsPrefix(source.source.keyPrefix);
  }

  /** The stack of the organization trail, in the management account (organization mode). */
  organizationTrailStackName(): string {
    return 'organization-trail';
  }

  organizationTrailBucketName(): string {
    return this.checked('bucket', this.topology.trails.organization.bucketName ?? `${this.prefix}-org-trail-${this.accountId('log-archive')}`);
  }

  /** Key prefix up to and including AWSLogs/<o-id>/, under which the organization trail writes every account. */
  organizationTrailKeyPrefix(): string {
    const id = this.topology.organization?.id;
    if (!id) throw new NamingError('the topology names no organization id; organization-mode trails need organization.id');
    return `${awsLogsPrefix(this.topology.trails.organization.keyPrefix)}${id}/`;
  }

  /** The KMS key reference a trail is given: the key ARN when the topology has it, else the alias ARN. */
  trailKmsKeyReference(): string {
    return this.topology.trails.kmsKeyArn ?? this.cloudTrailKeyAliasArn();
  }

  /** Log group of a trail's optional CloudWatch Logs delivery, in the trail's account. */
  trailLogGroupName(trailName: string): string {
    return this.checked('logGroup', `/aws/cloudtrail/${trailName}`);
  }

  /** Role CloudTrail assumes to write to that log group. */
  trailLogsRoleName(trailName: string): string {
    return this.checked('iamRole', `${trailName}-cloudtrail-logs`);
  }

  notifierRoleArn(): string {
    return this.roleArn(this.accountId('log-archive'), this.notifierFunctionName());
  }

  /** The optional SQS buffer subscribed to the notification topic, and its dead-letter queue. */
  notificationBufferQueueName(): string {
    return this.checked('sqsQueue', `${this.prefix}-cloudtrail-objects`);
  }

  notificationBufferQueueArn(): string {
    return this.arn({ service: 'sqs', region: this.homeRegion, account: this.accountId('log-archive'), resource: this.notificationBufferQueueName() });
  }

  notificationBufferDlqName(): string {
    return this.checked('sqsQueue', `${this.prefix}-cloudtrail-objects-dlq`);
  }

  /** The notifier's own on-failure queue (stacks/constructs/node-function.ts names it `<functionName>-failures`). */
  notifierFailureQueueName(): string {
    return this.checked('sqsQueue', `${this.notifierFunctionName()}-failures`);
  }

  /** Topic of the log-archive alarms, unless the topology names one (logArchive.alarms.topicArn). */
  logArchiveAlarmTopicName(): string {
    return this.checked('snsTopic', `${this.prefix}-log-archive-alarms`);
  }

  logArchiveAlarmKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-log-archive-alarms`);
  }

  /** One alarm of the log-archive stack (topic-failed-deliveries, notifier-errors, ...). */
  logArchiveAlarmName(kind: string): string {
    return this.checked('alarm', `${this.logArchiveAlarmNamePrefix()}${kind}`);
  }

  /** What every log-archive alarm's name begins with (its topic admits these alarms only). */
  logArchiveAlarmNamePrefix(): string {
    return `${this.prefix}-log-archive-`;
  }

  // ---- flow 1: observability -------------------------------------------------------------------

  forwarderFunctionName(): string {
    return this.checked('lambdaFunction', `${this.prefix}-forwarder`);
  }

  forwarderFunctionArn(): string {
    return this.arn({ service: 'lambda', region: this.homeRegion, account: this.accountId('observability'), resource: `function:${this.forwarderFunctionName()}` });
  }

  forwarderRoleName(): string {
    return this.checked('iamRole', `${this.prefix}-forwarder`);
  }

  forwarderRoleArn(): string {
    return this.roleArn(this.accountId('observability'), this.forwarderRoleName());
  }

  forwarderFailureQueueName(): string {
    return this.checked('sqsQueue', `${this.prefix}-forwarder-failures`);
  }

  forwarderFailureQueueArn(): string {
    return this.arn({ service: 'sqs', region: this.homeRegion, account: this.accountId('observability'), resource: this.forwarderFailureQueueName() });
  }

  /** Dead-letter queue of the failure queue: tickets that could not be replayed. */
  forwarderFailureDlqName(): string {
    return this.checked('sqsQueue', `${this.prefix}-forwarder-failures-dlq`);
  }

  forwarderAlarmTopicName(): string {
    return this.checked('snsTopic', `${this.prefix}-forwarder-alarms`);
  }

  /** The forwarder's progress checkpoints (functions/forwarder/progress.ts). */
  forwarderProgressTableName(): string {
    return this.checked('dynamodbTable', `${this.prefix}-forwarder-progress`);
  }

  forwarderProgressKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-forwarder-progress`);
  }

  forwarderAlarmKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-forwarder-alarms`);
  }

  /** One alarm of the forwarder (errors, failure-queue-depth, ...). */
  forwarderAlarmName(kind: string): string {
    return this.checked('alarm', `${this.forwarderAlarmNamePrefix()}${kind}`);
  }

  /** What every forwarder alarm's name begins with (its topic admits these alarms only). */
  forwarderAlarmNamePrefix(): string {
    return `${this.prefix}-forwarder-`;
  }

  appConfigApplicationName(): string {
    return this.checked('appConfig', `${this.prefix}-forwarder`);
  }

  appConfigEnvironmentName(): string {
    return this.checked('appConfig', 'default');
  }

  appConfigProfileName(): string {
    return this.checked('appConfig', 'forwarding-rules');
  }

  appConfigDeploymentStrategyName(): string {
    return this.checked('appConfig', `${this.prefix}-forwarder-rules`);
  }

  // ---- flow 2: EventBridge ----------------------------------------------------------------------

  centralBusName(): string {
    return this.checked('eventBus', this.topology.events.busName ?? `${this.prefix}-central`);
  }

  centralBusArn(): string {
    return this.arn({ service: 'events', region: this.homeRegion, account: this.accountId('security'), resource: `event-bus/${this.centralBusName()}` });
  }

  /** Role in each source account that the regional rules use to put events on the central bus. */
  eventForwardingRoleName(): string {
    return this.checked('iamRole', `${this.prefix}-events-to-central`);
  }

  eventForwardingRuleName(): string {
    return this.checked('eventRule', `${this.prefix}-api-calls-to-central`);
  }

  eventForwardingRoleArn(source: Account): string {
    return this.roleArn(source.id, this.eventForwardingRoleName());
  }

  /** Dead-letter queue of the forwarding rule's target, one per region of a source account. */
  eventForwardingDlqName(): string {
    return this.checked('sqsQueue', `${this.prefix}-events-to-central-dlq`);
  }

  // ---- flow 2 at scale: StackSets (docs/scale.md) ---------------------------------------------

  /** The self-managed StackSet of a source account (forwardingDeployment "stackset"). */
  sourceForwardingStackSetName(): string {
    return this.checked('stackSet', `${this.prefix}-regional-forwarding`);
  }

  /** The service-managed StackSet of organizationForwarding. */
  organizationForwardingStackSetName(): string {
    return this.checked('stackSet', `${this.prefix}-organization-forwarding`);
  }

  readonly organizationForwardingStackName = 'organization-forwarding';

  /** The role CloudFormation uses in a source account to run its StackSet's operations. */
  stackSetAdministrationRoleName(): string {
    return this.checked('iamRole', `${this.prefix}-stackset-administration`);
  }

  /** The role the administration role assumes to create a stack instance's resources. */
  stackSetExecutionRoleName(): string {
    return this.checked('iamRole', `${this.prefix}-stackset-execution`);
  }

  /** A central rule: a catalog use case or a custom rule, by its id. */
  centralRuleName(useCase: string): string {
    return this.checked('eventRule', `${this.prefix}-${useCase}`);
  }

  /** Archive of the central bus; a prefix of at most 16 characters keeps it under the 48 allowed. */
  centralArchiveName(): string {
    return this.checked('eventArchive', `${this.prefix}-central`);
  }

  /** Dead-letter queue of every central rule target. */
  centralDlqName(): string {
    return this.checked('sqsQueue', `${this.prefix}-central-dlq`);
  }

  /**
   * The operations topic of the flow 2 alarms: the central one in the security account, and one
   * in every region a source account forwards from (an alarm notifies only a topic of its region).
   */
  eventsOpsTopicName(): string {
    return this.checked('snsTopic', `${this.prefix}-events-ops`);
  }

  eventsOpsKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-events-ops`);
  }

  /** An alarm of the central bus (dlq-depth, throttled-rules, ...) or of one central rule's deliveries. */
  centralAlarmName(kind: string): string {
    return this.checked('alarm', `${this.centralAlarmNamePrefix()}${kind}`);
  }

  /** What every central alarm's name begins with (the central ops topic admits these and the responder's). */
  centralAlarmNamePrefix(): string {
    return `${this.prefix}-central-`;
  }

  /** An alarm of a source region's forwarding (the same name in every region: alarm names are regional). */
  eventForwardingAlarmName(kind: string): string {
    return this.checked('alarm', `${this.eventForwardingAlarmNamePrefix()}${kind}`);
  }

  /** What every source-region forwarding alarm's name begins with (its region's ops topic admits these only). */
  eventForwardingAlarmNamePrefix(): string {
    return `${this.prefix}-events-to-central-`;
  }

  centralDashboardName(): string {
    return this.checked('dashboard', `${this.prefix}-central-events`);
  }

  forwarderDashboardName(): string {
    return this.checked('dashboard', `${this.prefix}-forwarder`);
  }

  /** Key of the alert topic and the central log group. */
  securityEventsKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-security-events`);
  }

  alertTopicName(): string {
    return this.checked('snsTopic', `${this.prefix}-security-alerts`);
  }

  eventBufferQueueName(): string {
    return this.checked('sqsQueue', `${this.prefix}-security-events`);
  }

  /** EventBridge's own log groups live under /aws/events/. */
  centralLogGroupName(): string {
    return this.checked('logGroup', `/aws/events/${this.prefix}-central`);
  }

  /** The account's CloudWatch Logs resource policy that lets EventBridge write to the central log group. */
  centralLogPolicyName(): string {
    return this.checked('logResourcePolicy', `${this.prefix}-events-to-central-logs`);
  }

  /** Kinesis stream names allow 128 characters; a prefix of at most 16 keeps this well under. */
  eventStreamName(): string {
    return this.checked('kinesisStream', `${this.prefix}-security-events`);
  }

  eventStreamRoleName(): string {
    return this.checked('iamRole', `${this.prefix}-events-to-kinesis`);
  }

  bucketLoggerFunctionName(): string {
    return this.checked('lambdaFunction', `${this.prefix}-bucket-logger`);
  }

  /** The bucket-logger's own on-failure queue (stacks/constructs/node-function.ts names it `<functionName>-failures`). */
  bucketLoggerFailureQueueName(): string {
    return this.checked('sqsQueue', `${this.bucketLoggerFunctionName()}-failures`);
  }

  // ---- flow 2: responses (the responder function and what it reaches) ---------------------------

  /** The session name the responder always uses (functions/responder/clients.ts); source trust policies pin it. */
  readonly responderSessionName = 'trailbridge-responder';

  responderFunctionName(): string {
    return this.checked('lambdaFunction', `${this.prefix}-responder`);
  }

  /** The function's own role; not `<prefix>-responder`, which is the source accounts' role (one account may be both). */
  responderFunctionRoleName(): string {
    return this.checked('iamRole', `${this.prefix}-responder-function`);
  }

  responderFunctionRoleArn(): string {
    return this.roleArn(this.accountId('security'), this.responderFunctionRoleName());
  }

  /** The role in each source account the responder assumes. */
  responderRoleName(): string {
    return this.checked('iamRole', `${this.prefix}-responder`);
  }

  responderRoleArn(source: Account): string {
    return this.roleArn(source.id, this.responderRoleName());
  }

  /** The assumed-role ARN of the responder's sessions in a source account (what CloudTrail records as userIdentity.arn). */
  responderSessionArnPattern(): string {
    return this.arn({ service: 'sts', account: '*', resource: `assumed-role/${this.responderRoleName()}/${this.responderSessionName}` });
  }

  /** A rule of an action response on the central bus. */
  responseRuleName(response: string): string {
    return this.checked('eventRule', `${this.prefix}-respond-${response}`);
  }

  /** Failed invocations and undeliverable events of the responder. */
  responderFailureQueueName(): string {
    return this.checked('sqsQueue', `${this.prefix}-responder-failures`);
  }

  responderAlarmName(kind: string): string {
    return this.checked('alarm', `${this.responderAlarmNamePrefix()}${kind}`);
  }

  /** What every responder alarm's name begins with. */
  responderAlarmNamePrefix(): string {
    return `${this.prefix}-responder-`;
  }

  /** The managed policy require-mfa-for-new-users attaches, in each source account. */
  mfaPolicyName(): string {
    return this.checked('iamPolicy', `${this.prefix}-require-mfa`);
  }

  mfaPolicyArn(source: Account): string {
    return this.arn({ service: 'iam', account: source.id, resource: `policy/${this.mfaPolicyName()}` });
  }

  alertTopicArn(): string {
    return this.arn({ service: 'sns', region: this.homeRegion, account: this.accountId('security'), resource: this.alertTopicName() });
  }

  /** The audit-evidence bucket in the log-archive account. */
  evidenceBucketName(): string {
    return this.checked('bucket', `${this.prefix}-evidence-${this.accountId('log-archive')}`);
  }

  /** The account the evidence bucket is in, which the responder names on every call to it (ExpectedBucketOwner). */
  evidenceBucketOwner(): string {
    return this.accountId('log-archive');
  }

  evidenceKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-evidence`);
  }

  /** The evidence key as the responder names it: its ARN once the topology has it, else its alias ARN. */
  evidenceKeyReference(): string {
    return (
      this.topology.responses['audit-evidence']?.kmsKeyArn ??
      this.arn({ service: 'kms', region: this.homeRegion, account: this.accountId('log-archive'), resource: this.evidenceKeyAlias() })
    );
  }

  /** The connection and the API destination of events.apiDestinations[].name (each its own namespace). */
  apiDestinationName(destination: string): string {
    return this.checked('eventConnection', `${this.prefix}-${destination}`);
  }

  /** Key of every EventBridge connection's credential (the secrets EventBridge keeps in Secrets Manager). */
  connectionKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-event-connections`);
  }

  apiDestinationRoleName(destination: string): string {
    return this.checked('iamRole', `${this.prefix}-events-to-${destination}`);
  }

  stateMachineRoleName(stateMachine: string): string {
    return this.checked('iamRole', `${this.prefix}-events-to-sfn-${stateMachine}`);
  }

  // ---- flow 3: incident response ----------------------------------------------------------------

  idrRegion(): string {
    return this.topology.incidentResponse.region ?? this.homeRegion;
  }

  idrBusName(): string {
    return this.checked('eventBus', this.topology.incidentResponse.busName);
  }

  idrBusArn(): string {
    return this.arn({ service: 'events', region: this.idrRegion(), account: this.accountId('incident-response'), resource: `event-bus/${this.idrBusName()}` });
  }

  dynatraceRoleName(): string {
    return this.checked('iamRole', `${this.prefix}-dynatrace-idr`);
  }

  /** The environment id of the Dynatrace URL (abc12345 in https://abc12345.live.dynatrace.com). */
  dynatraceTenant(): string {
    return new URL(this.topology.dynatrace.environmentUrl).hostname.split('.')[0];
  }

  dynatraceRoleArn(): string {
    return this.roleArn(this.accountId('incident-response'), this.dynatraceRoleName());
  }

  /** Host of the Dynatrace token issuer; also the prefix of its condition keys (token.dynatrace.com:aud). */
  readonly dynatraceTokenHost = 'token.dynatrace.com';

  dynatraceOidcProviderArn(): string {
    return this.arn({ service: 'iam', account: this.accountId('incident-response'), resource: `oidc-provider/${this.dynatraceTokenHost}` });
  }

  /** The `aud` claim of the tokens the Dynatrace AWS connector presents. */
  dynatraceAudience(): string {
    return this.topology.incidentResponse.oidc.audience ?? `${this.dynatraceTenant()}.apps.dynatrace.com/app-id/dynatrace.aws.connector`;
  }

  /**
   * The `sub` claim the role trusts: dtid:connection/<connection id>, or undefined before the
   * Dynatrace connection exists (first apply).
   */
  dynatraceSubject(): string | undefined {
    const id = this.topology.incidentResponse.oidc.connectionId;
    if (!id) return undefined;
    return id.startsWith('dtid:connection/') ? id : `dtid:connection/${id}`;
  }

  /** Where the IDR bus puts events it cannot encrypt or decrypt (customer managed key only). */
  idrBusDeadLetterQueueName(): string {
    return this.checked('sqsQueue', `${this.prefix}-idr-bus-dlq`);
  }

  idrBusDeadLetterQueueArn(): string {
    return this.arn({ service: 'sqs', region: this.idrRegion(), account: this.accountId('incident-response'), resource: this.idrBusDeadLetterQueueName() });
  }

  /** Topic of the incident-response alarms, unless the topology names one (incidentResponse.alarms.topicArn). */
  idrAlarmTopicName(): string {
    return this.checked('snsTopic', `${this.prefix}-idr-alarms`);
  }

  idrAlarmKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-idr-alarms`);
  }

  /** One alarm of the incident-response stack (bus-dead-letters, debug-capture-failed-deliveries). */
  idrAlarmName(kind: string): string {
    return this.checked('alarm', `${this.idrAlarmNamePrefix()}${kind}`);
  }

  /** What every incident-response alarm's name begins with (its topic admits these alarms only). */
  idrAlarmNamePrefix(): string {
    return `${this.prefix}-idr-`;
  }

  idrKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-idr-bus`);
  }

  /** Archive names are limited to 48 characters. */
  idrArchiveName(): string {
    return this.checked('eventArchive', `${this.prefix}-idr-archive`);
  }

  idrTestRuleName(): string {
    return this.checked('eventRule', `${this.prefix}-idr-test`);
  }

  idrDebugRuleName(): string {
    return this.checked('eventRule', `${this.prefix}-idr-debug-capture`);
  }

  idrRuleArn(ruleName: string): string {
    return this.arn({ service: 'events', region: this.idrRegion(), account: this.accountId('incident-response'), resource: `rule/${this.idrBusName()}/${ruleName}` });
  }

  /** Under /aws/events/, where EventBridge's own log targets live; the log resource policy names this group alone. */
  idrDebugLogGroupName(): string {
    return this.checked('logGroup', `/aws/events/${this.prefix}/idr-debug-capture`);
  }

  /** The CloudWatch Logs resource policy letting the debug capture rule write to its group. */
  idrDebugLogPolicyName(): string {
    return this.checked('logResourcePolicy', `${this.prefix}-idr-debug-capture`);
  }

  idrDebugLogGroupArn(): string {
    return this.arn({ service: 'logs', region: this.idrRegion(), account: this.accountId('incident-response'), resource: `log-group:${this.idrDebugLogGroupName()}` });
  }

  // ---- keys and code signing of every function and log group ----------------------------------

  /** Key of one function's log group, environment and own failure queue. */
  functionKeyAlias(functionName: string): string {
    return this.checked('kmsAlias', `alias/${functionName}-logs`);
  }

  /** Key of the Dynatrace token parameter, unless the topology brings its own (dynatrace.tokenKmsKeyArn). */
  dynatraceTokenKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-dynatrace-token`);
  }

  /** Key of a trail's CloudWatch Logs group (one trail per account). */
  trailLogsKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-trail-logs`);
  }

  /** Key of the IDR bus's debug capture group. */
  idrDebugLogsKeyAlias(): string {
    return this.checked('kmsAlias', `alias/${this.prefix}-idr-debug-logs`);
  }

  /** The Signer profile of a stack's functions (functions.codeSigning); Signer allows no "-". */
  signingProfileName(stackName: string): string {
    return this.checked('signingProfile', `${this.prefix}_${stackName}`.replace(/-/g, '_'));
  }

  // ---- common -------------------------------------------------------------------------------------

  /** Default tags of every resource of a stack. */
  defaultTags(stackName: string, roles: readonly string[]): Record<string, string> {
    return { 'managed-by': 'trailbridge', 'trailbridge:stack': stackName, 'trailbridge:role': roles.join('+') };
  }

  private checked(kind: NameKind, name: string): string {
    return checkedName(kind, name);
  }
}

/** The name, when it keeps its service's rules; otherwise a NamingError naming the rule and the fix. */
export function checkedName(kind: NameKind, name: string): string {
  const rule = NAME_RULES[kind];
  if (name.length > rule.maxLength) {
    throw new NamingError(
      `the ${kind} name ${JSON.stringify(name)} is ${name.length} characters, over the limit of ${rule.maxLength}; shorten the topology's name prefix or the account name`,
    );
  }
  if (!rule.pattern.test(name)) {
    throw new NamingError(`the ${kind} name ${JSON.stringify(name)} has characters its service refuses; it allows ${rule.allowed}`);
  }
  return name;
}

/** `[keyPrefix/]AWSLogs/`: where CloudTrail starts its keys under an optional prefix. */
function awsLogsPrefix(keyPrefix: string): string {
  return keyPrefix ? `${keyPrefix}/AWSLogs/` : 'AWSLogs/';
}
