import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { Naming, STACK } from '../config/naming';
import { Topology } from '../config/schema';
import { AlarmTopic } from './constructs/alarm-topic';
import { CustomerManagedKey } from './constructs/customer-managed-key';
import { appConfigExtensionLayerArn } from './constructs/appconfig-extension-layer';
import { PROJECT_ROOT } from '../config/paths';
import { DeadLetteredQueue } from './constructs/dead-lettered-queue';
import { ForwarderAlarms } from './constructs/forwarder-alarms';
import { forwarderStatements } from './constructs/forwarder-permissions';
import { HostedConfiguration } from './constructs/hosted-configuration';
import { forwarderRulesContent } from './forwarder-rules-content';
import { NodeFunction } from './constructs/node-function';
import { OperatorDashboard } from './constructs/operator-dashboard';
import { forwarderDashboard } from './dashboards/forwarder';
import { DashboardSpec } from './dashboards/widgets';
import { DEFAULT_HEAP_GROWING_PERCENT } from '../functions/forwarder/heap';
import { FORWARDER_METRICS_DIMENSIONS, FORWARDER_METRICS_NAMESPACE } from '../functions/forwarder/metric-names';
import { OperatorSecretParameter } from './constructs/operator-secret-parameter';
import { ProgressTable } from './constructs/progress-table';
import { TopicSubscription } from './constructs/topic-subscription';
import { FORWARDER_DEFAULT_RULES_FILE, FORWARDER_RULES_SCHEMA_FILE } from './forwarder-rules-files';
import { TrailbridgeStack } from './trailbridge-stack';
import { accountWithRole } from '../config/accounts';


/**
 * `observability`: the forwarder Lambda subscribed to the log-archive topic, its AppConfig rules,
 * the operator-set token parameter, the failure queue with its dead-letter queue, the progress
 * table, and alarms.
 *
 * Every construct id below is a Terraform address: renaming one replaces the resource.
 */
export class ObservabilityStack extends TrailbridgeStack {
  readonly forwarder: NodeFunction;
  readonly failureQueue: DeadLetteredQueue;
  readonly token: OperatorSecretParameter;
  /** The token parameter's key, unless the topology brings one (dynatrace.tokenKmsKeyArn). */
  readonly tokenKey?: CustomerManagedKey;
  readonly progress: ProgressTable;
  readonly rules: HostedConfiguration;
  readonly subscription: TopicSubscription;
  readonly alarms?: ForwarderAlarms;
  readonly alarmTopic?: AlarmTopic;
  readonly dashboard: OperatorDashboard;

  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, STACK.observability, { topology, naming, account: accountWithRole(topology, 'observability') });
    const options = topology.forwarder;
    const functionName = naming.forwarderFunctionName();
    // Validated before any resource exists, so a bad topology names its field, not a Terraform error.
    const layerArn = appConfigExtensionLayerArn(this.region, options.appConfigLayerArns, topology.partition);

    this.failureQueue = new DeadLetteredQueue(this, 'failure-queue', {
      queueName: naming.forwarderFailureQueueName(),
      queueArn: naming.forwarderFailureQueueArn(),
      deadLetterQueueName: naming.forwarderFailureDlqName(),
      retentionInDays: options.failureQueue.retentionInDays,
      maxReceiveCount: options.failureQueue.maxReceiveCount,
      restrictDeadLetterSources: options.failureQueue.restrictDeadLetterSources,
      // A replay reads a ticket and resends its records within one function timeout.
      visibilityTimeoutInSeconds: options.timeoutInSeconds,
    });

    if (!topology.dynatrace.tokenKmsKeyArn) {
      // No service grant: the forwarder decrypts through SSM (kms:ViaService) under its role's policy.
      this.tokenKey = new CustomerManagedKey(this, 'api-token-key', {
        partition: topology.partition,
        accountId: this.account.id,
        alias: naming.dynatraceTokenKeyAlias(),
        description: `Encrypts the Dynatrace API token parameter ${topology.dynatrace.tokenParameterName}`,
      });
    }
    const tokenKmsKeyArn = topology.dynatrace.tokenKmsKeyArn ?? this.tokenKey!.key.arn;
    this.token = new OperatorSecretParameter(this, 'api-token', {
      parameterName: topology.dynatrace.tokenParameterName,
      description: 'Dynatrace Log Ingest API token (logs.ingest scope)',
      // The alias, as the operator's put-parameter names it (docs/flow-1-forwarder.md): SSM keeps
      // the key id as given, so both sides must spell it alike for plans to stay clean.
      kmsKeyArn: topology.dynatrace.tokenKmsKeyArn ?? this.tokenKey!.alias.name,
    });

    this.rules = this.hostedRules(topology, naming);

    this.progress = new ProgressTable(this, 'progress', {
      partition: topology.partition,
      tableName: naming.forwarderProgressTableName(),
      keyAlias: naming.forwarderProgressKeyAlias(),
      accountId: this.account.id,
    });

    this.forwarder = new NodeFunction(this, 'forwarder', {
      functionName,
      roleName: naming.forwarderRoleName(),
      entry: 'forwarder',
      description: 'Forwards CloudTrail records from the log-archive buckets to Dynatrace',
      runtime: options.runtime,
      memoryInMb: options.memoryInMb,
      timeoutInSeconds: options.timeoutInSeconds,
      reservedConcurrency: options.reservedConcurrency,
      logRetentionInDays: options.logRetentionInDays,
      layers: [layerArn],
      onFailureQueueArn: this.failureQueue.queue.arn,
      environment: forwarderEnvironment(topology, naming, {
        failureQueueUrl: this.failureQueue.queue.url,
        progressTableName: this.progress.table.name,
        rulesContent: this.rules.content,
      }),
      statements: forwarderStatements({
        naming,
        tokenParameterArn: this.token.parameter.arn,
        tokenKmsKeyArn,
        configurationArn: this.rules.configurationArn,
        progress: { tableArn: this.progress.table.arn, keyArn: this.progress.key.arn },
      }),
    });

    this.subscription = new TopicSubscription(this, 'notifications', {
      topicArn: naming.notificationTopicArn(),
      function: this.forwarder.function,
    });

    if (options.alarms.enabled) {
      const watched = this.addAlarms(topology, naming);
      this.alarmTopic = watched.topic;
      this.alarms = watched.alarms;
    }

    this.dashboard = new OperatorDashboard(this, 'dashboard', forwarderDashboardSpec(naming));

    new TerraformOutput(this, 'forwarder_function_name', { value: this.forwarder.function.functionName });
    new TerraformOutput(this, 'failure_queue_url', {
      value: this.failureQueue.queue.url,
      description: 'Replay tickets wait here; replay them with `npm run replay -- --from-queue` once Dynatrace is reachable',
    });
  }

  /** The forwarder's alarms, to the topology's topic or a topic of the stack's own. */
  private addAlarms(topology: Topology, naming: Naming): { topic?: AlarmTopic; alarms: ForwarderAlarms } {
    const options = topology.forwarder;
    let topicArn = options.alarms.topicArn;
    let topic: AlarmTopic | undefined;
    if (!topicArn) {
      topic = new AlarmTopic(this, 'alarm-topic', {
        partition: topology.partition,
        topicName: naming.forwarderAlarmTopicName(),
        keyAlias: naming.forwarderAlarmKeyAlias(),
        accountId: this.account.id,
        region: this.region,
        alarmNamePrefixes: [naming.forwarderAlarmNamePrefix()],
      });
      topicArn = topic.topic.arn;
    }
    const alarms = new ForwarderAlarms(this, 'alarms', {
      functionName: naming.forwarderFunctionName(),
      failureQueueName: naming.forwarderFailureQueueName(),
      deadLetterQueueName: naming.forwarderFailureDlqName(),
      notificationTopicName: naming.notificationTopicName(),
      rulesLocation: `${naming.appConfigApplicationName()}/${naming.appConfigEnvironmentName()}/${naming.appConfigProfileName()}`,
      metricsNamespace: FORWARDER_METRICS_NAMESPACE,
      metricsDimensions: FORWARDER_METRICS_DIMENSIONS,
      alarmName: (kind) => naming.forwarderAlarmName(kind),
      topicArn,
      periodInSeconds: options.alarms.periodInSeconds,
      errorsThreshold: options.alarms.errorsThreshold,
      failureQueueDepthThreshold: options.alarms.failureQueueDepthThreshold,
      oldestTicketAgeInSeconds: options.alarms.oldestTicketAgeInSeconds,
      silenceMinutes: options.alarms.silenceMinutes,
    });
    return { topic, alarms };
  }

  /** The forwarder's rules in AppConfig: the generated schema as validator, the defaults as first version. */
  private hostedRules(topology: Topology, naming: Naming): HostedConfiguration {
    return new HostedConfiguration(this, 'rules', {
      partition: topology.partition,
      applicationName: naming.appConfigApplicationName(),
      environmentName: naming.appConfigEnvironmentName(),
      profileName: naming.appConfigProfileName(),
      deploymentStrategyName: naming.appConfigDeploymentStrategyName(),
      description: 'Forwarding and processing rules of the trailbridge CloudTrail forwarder',
      jsonSchema: readProjectFile(FORWARDER_RULES_SCHEMA_FILE),
      content: forwarderRulesContent(topology, readProjectFile(FORWARDER_DEFAULT_RULES_FILE)),
      deploy: topology.forwarder.appConfigDeployment,
      deploymentDurationInMinutes: topology.forwarder.appConfigRollout.deploymentDurationInMinutes,
      finalBakeTimeInMinutes: topology.forwarder.appConfigRollout.finalBakeTimeInMinutes,
      region: this.region,
      accountId: this.account.id,
    });
  }
}

/** What the forwarder did, on one screen: its EMF metrics, its queues and Lambda's view of it. */
export function forwarderDashboardSpec(naming: Naming): DashboardSpec {
  return forwarderDashboard({
    name: naming.forwarderDashboardName(),
    region: naming.homeRegion,
    functionName: naming.forwarderFunctionName(),
    failureQueueName: naming.forwarderFailureQueueName(),
    deadLetterQueueName: naming.forwarderFailureDlqName(),
    metricsNamespace: FORWARDER_METRICS_NAMESPACE,
    metricsDimensions: FORWARDER_METRICS_DIMENSIONS,
  });
}

function readProjectFile(file: string): string {
  if (!existsSync(file)) {
    throw new Error(`observability: ${relative(PROJECT_ROOT, file)} does not exist; it is generated from functions/forwarder/rules-schema.ts (npx tsx tools/forwarder-schema.ts)`);
  }
  return readFileSync(file, 'utf8');
}

function hasRedactions(rulesContent: string): boolean {
  const redactions = (JSON.parse(rulesContent) as { redactions?: unknown }).redactions;
  return Array.isArray(redactions) && redactions.length > 0;
}

/** The forwarder's environment (functions/forwarder/env.ts reads and validates it at cold start). */
function forwarderEnvironment(topology: Topology, naming: Naming, refs: { failureQueueUrl: string; progressTableName: string; rulesContent: string }): Record<string, string> {
  const options = topology.forwarder;
  const appConfigPath = `/applications/${naming.appConfigApplicationName()}/environments/${naming.appConfigEnvironmentName()}/configurations/${naming.appConfigProfileName()}`;
  return {
    DT_ENV_URL: topology.dynatrace.environmentUrl,
    DT_API_TOKEN_PARAM: topology.dynatrace.tokenParameterName,
    FAILURE_QUEUE_URL: refs.failureQueueUrl,
    APPCONFIG_APPLICATION: naming.appConfigApplicationName(),
    APPCONFIG_ENVIRONMENT: naming.appConfigEnvironmentName(),
    APPCONFIG_PROFILE: naming.appConfigProfileName(),
    // The extension fetches the rules while the function initializes.
    AWS_APPCONFIG_EXTENSION_PREFETCH_LIST: appConfigPath,
    PROGRESS_TABLE: refs.progressTableName,
    // Rules that redact: a cold start without them must not forward with the built-in ones, which redact nothing.
    ...(hasRedactions(refs.rulesContent) ? { BUILT_IN_RULES: 'refused' } : {}),
    // The SDK's own setting: with it, every object's S3 checksum is checked (functions/forwarder/object-source.ts).
    ...(options.s3Checksums === 'all' ? { AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_SUPPORTED' } : {}),
    // Only a growth other than the function's own default (functions/forwarder/heap.ts) is set.
    ...(options.heapGrowingPercent !== DEFAULT_HEAP_GROWING_PERCENT ? { HEAP_GROWING_PERCENT: String(options.heapGrowingPercent) } : {}),
  };
}
