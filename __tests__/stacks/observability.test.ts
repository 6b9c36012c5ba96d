import { Testing } from 'cdktf';
import { App } from 'cdktf';
import { Naming } from '../../config/naming';
import { APPCONFIG_EXTENSION_ARM64_LAYERS, appConfigExtensionLayerArn } from '../../stacks/constructs/appconfig-extension-layer';
import { OPERATOR_OWNED_NOTE, PLACEHOLDER_VALUE } from '../../stacks/constructs/operator-secret-parameter';
import { PROGRESS_TTL_ATTRIBUTE } from '../../stacks/constructs/progress-table';
import { ObservabilityStack } from '../../stacks/observability-stack';
import { KNOWN_REGIONS } from '../../config/regions';
import { SynthesizedStack, synthesize, topologyWith } from '../support/synth';
import { parseQueueCommandLine } from '../../tools/lib/failure-queue';
import { sourceAccounts } from '../../config/accounts';
import { loadForwarderEnv } from '../../functions/forwarder/env';
import { FORWARDER_METRICS_DIMENSIONS, FORWARDER_METRICS_NAMESPACE } from '../../functions/forwarder/metric-names';
import { HANDLER_ENV } from '../functions/forwarder/support/handler-env';

function observability(edit?: Parameters<typeof topologyWith>[0]): SynthesizedStack {
  return synthesize(topologyWith(edit)).stack('observability');
}

/** The one resource of a type. */
function only(stack: SynthesizedStack, type: string): Record<string, any> {
  const found = stack.resources(type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0][1];
}

/** The statements of the forwarder role's inline policy, by sid. */
function roleStatements(stack: SynthesizedStack): Record<string, any> {
  const policy = only(stack, 'aws_iam_role_policy');
  const statements: any[] = stack.policyDocument(policy.policy).statement;
  return Object.fromEntries(statements.map((s) => [s.sid, s]));
}

const ref = (type: string, stack: SynthesizedStack, attribute: string) => `\${${type}.${stack.resources(type)[0][0]}.${attribute}}`;

/** The one resource of a type whose construct (Terraform name) starts with `prefix`, and a reference to it. */
function named(stack: SynthesizedStack, type: string, prefix: string): { body: Record<string, any>; ref: (attribute: string) => string } {
  const found = stack.resources(type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${found.length}`);
  return { body: found[0][1], ref: (attribute) => `\${${type}.${found[0][0]}.${attribute}}` };
}

describe('observability stack: the forwarder', () => {
  const stack = observability();

  test('runs on arm64 with the topology runtime, memory, timeout and the AppConfig extension layer', () => {
    const fn = only(stack, 'aws_lambda_function');
    expect(fn).toMatchObject({
      function_name: 'trailbridge-forwarder',
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      memory_size: 256,
      timeout: 300,
      layers: ['arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension-Arm64:254'],
    });
    expect(fn.reserved_concurrent_executions).toBe(10);
  });

  test('reserves no concurrency when the topology says false', () => {
    const fn = only(observability((t) => (t.forwarder = { reservedConcurrency: false })), 'aws_lambda_function');
    expect(fn.reserved_concurrent_executions).toBeUndefined();
  });

  test('takes reserved concurrency, memory and runtime from the topology', () => {
    const fn = only(
      observability((t) => (t.forwarder = { reservedConcurrency: 7, memoryInMb: 1024, timeoutInSeconds: 120, runtime: 'nodejs20.x' })),
      'aws_lambda_function',
    );
    expect(fn).toMatchObject({ reserved_concurrent_executions: 7, memory_size: 1024, timeout: 120, runtime: 'nodejs20.x' });
  });

  test('gets the environment its env module documents', () => {
    const vars = only(stack, 'aws_lambda_function').environment.variables;
    expect(vars).toMatchObject({
      DT_ENV_URL: 'https://abc12345.live.dynatrace.com',
      DT_API_TOKEN_PARAM: '/trailbridge/dynatrace/api-token',
      FAILURE_QUEUE_URL: expect.stringMatching(/^\$\{aws_sqs_queue\.[\w-]+\.url\}$/),
      APPCONFIG_APPLICATION: 'trailbridge-forwarder',
      APPCONFIG_ENVIRONMENT: 'default',
      APPCONFIG_PROFILE: 'forwarding-rules',
      AWS_APPCONFIG_EXTENSION_PREFETCH_LIST: '/applications/trailbridge-forwarder/environments/default/configurations/forwarding-rules',
    });
    expect(vars.FAILURE_QUEUE_URL).toBe(`\${aws_sqs_queue.${stack.resources('aws_sqs_queue').find(([, q]) => q.name === 'trailbridge-forwarder-failures')![0]}.url}`);
  });

  test("checks S3's checksum of every object only when forwarder.s3Checksums is all", () => {
    expect(only(stack, 'aws_lambda_function').environment.variables.AWS_RESPONSE_CHECKSUM_VALIDATION).toBeUndefined();
    const all = only(observability((t) => (t.forwarder = { s3Checksums: 'all' })), 'aws_lambda_function');
    expect(all.environment.variables.AWS_RESPONSE_CHECKSUM_VALIDATION).toBe('WHEN_SUPPORTED');
  });

  test('sets the heap growth on the function only when forwarder.heapGrowingPercent is not its default', () => {
    expect(only(stack, 'aws_lambda_function').environment.variables.HEAP_GROWING_PERCENT).toBeUndefined();
    const own = only(observability((t) => (t.forwarder = { heapGrowingPercent: 0 })), 'aws_lambda_function');
    expect(own.environment.variables.HEAP_GROWING_PERCENT).toBe('0');
    expect(loadForwarderEnv({ ...HANDLER_ENV, HEAP_GROWING_PERCENT: own.environment.variables.HEAP_GROWING_PERCENT }).heapGrowingPercent).toBe(0);
    expect(() => observability((t) => (t.forwarder = { heapGrowingPercent: 400 }))).toThrow(/forwarder\.heapGrowingPercent/);
    expect(() => observability((t) => (t.forwarder = { heapGrowingPercent: 5 }))).toThrow(/forwarder\.heapGrowingPercent[\s\S]*must be 0 \(V8's own growth\) or from 10/);
  });

  test('its role is named by the naming module, so log archive can grant it by ARN', () => {
    expect(only(stack, 'aws_iam_role').name).toBe('trailbridge-forwarder');
    expect(new Naming(topologyWith()).forwarderRoleArn()).toBe('arn:aws:iam::444444444444:role/trailbridge-forwarder');
  });

  test('failed asynchronous invocations go to the failure queue', () => {
    const config = only(stack, 'aws_lambda_function_event_invoke_config');
    const queue = stack.resourceWhere('aws_sqs_queue', 'name', 'trailbridge-forwarder-failures');
    expect(queue).toBeDefined();
    expect(config.destination_config.on_failure.destination).toMatch(/^\$\{aws_sqs_queue\.[\w-]+\.arn\}$/);
    expect(stack.resources('aws_sqs_queue').find(([name]) => config.destination_config.on_failure.destination.includes(`.${name}.`))![1].name).toBe(
      'trailbridge-forwarder-failures',
    );
  });
});

describe('observability stack: the forwarder role', () => {
  const stack = observability();
  const statements = roleStatements(stack);

  test('has exactly its logs, failure queue, trail objects, CMK, token and rules statements', () => {
    expect(Object.keys(statements).sort()).toEqual(
      ['DecryptApiToken', 'DecryptTrailObjects', 'EncryptProgress', 'KeepProgress', 'ReadApiToken', 'ReadRules', 'ReadTrailObjects', 'SendFailedInvocations', 'UseFunctionKey', 'WriteOwnLogs'].sort(),
    );
    for (const s of Object.values(statements)) {
      expect(s.effect).toBe('Allow');
      expect(s.resources).not.toContain('*');
      expect(s.not_actions).toBeUndefined();
    }
  });

  test('reads objects only under each trail bucket\'s AWSLogs prefix', () => {
    expect(statements.ReadTrailObjects.actions).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(statements.ReadTrailObjects.resources).toEqual([
      'arn:aws:s3:::event-trail-test/AWSLogs/111111111111/*',
      'arn:aws:s3:::event-trail-prod/AWSLogs/222222222222/*',
    ]);
  });

  test('follows a source key prefix', () => {
    const prefixed = roleStatements(observability((t) => (t.accounts[0].source!.keyPrefix = 'cloudtrail')));
    expect(prefixed.ReadTrailObjects.resources[0]).toBe('arn:aws:s3:::event-trail-test/cloudtrail/AWSLogs/111111111111/*');
  });

  test('follows the organization layout: each account\'s prefix under the organization id', () => {
    const topology = topologyWith((t) => {
      t.organization = { id: 'o-abcdefghij', managementAccount: 'infosec-mgmt' };
      t.trails = { mode: 'organization' };
      // The organization trail writes every account's files to one bucket: no per-account buckets.
      for (const account of t.accounts) if (account.source) delete account.source.bucketName;
    });
    const naming = new Naming(topology);
    const org = roleStatements(synthesize(topology).stack('observability'));
    expect(org.ReadTrailObjects.resources).toEqual(
      sourceAccounts(naming.topology).map((s) => `arn:aws:s3:::${naming.trailBucketName(s)}/${naming.trailKeyPrefix(s)}*`),
    );
    expect(org.ReadTrailObjects.resources).toHaveLength(2);
    for (const resource of org.ReadTrailObjects.resources) expect(resource).toMatch(/\/AWSLogs\/o-abcdefghij\/\d{12}\/\*$/);
  });

  test('decrypts only with the key behind the CloudTrail alias, through S3 of the home region', () => {
    expect(statements.DecryptTrailObjects).toMatchObject({
      actions: ['kms:Decrypt'],
      resources: ['arn:aws:kms:us-east-1:333333333333:key/*'],
      condition: [
        { test: 'ForAnyValue:StringEquals', variable: 'kms:ResourceAliases', values: ['alias/trailbridge-cloudtrail'] },
        { test: 'StringEquals', variable: 'kms:ViaService', values: ['s3.us-east-1.amazonaws.com'] },
      ],
    });
  });

  test('reads its one token parameter and its one rules profile', () => {
    expect(statements.ReadApiToken).toEqual({
      sid: 'ReadApiToken',
      effect: 'Allow',
      actions: ['ssm:GetParameter'],
      resources: [ref('aws_ssm_parameter', stack, 'arn')],
    });
    const app = stack.resources('aws_appconfig_application')[0][0];
    const env = stack.resources('aws_appconfig_environment')[0][0];
    const profile = stack.resources('aws_appconfig_configuration_profile')[0][0];
    expect(statements.ReadRules).toMatchObject({
      actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
      resources: [
        `arn:aws:appconfig:us-east-1:444444444444:application/\${aws_appconfig_application.${app}.id}/environment/\${aws_appconfig_environment.${env}.environment_id}/configuration/\${aws_appconfig_configuration_profile.${profile}.configuration_profile_id}`,
      ],
    });
  });

  test('writes only its own log group and sends only to its failure queue', () => {
    expect(statements.WriteOwnLogs.resources).toEqual([`${ref('aws_cloudwatch_log_group', stack, 'arn')}:*`]);
    const queue = stack.resources('aws_sqs_queue').find(([, q]) => q.name === 'trailbridge-forwarder-failures')![0];
    expect(statements.SendFailedInvocations).toMatchObject({ actions: ['sqs:SendMessage'], resources: [`\${aws_sqs_queue.${queue}.arn}`] });
  });

  test('a customer managed token key adds a decrypt grant through SSM only', () => {
    const key = 'arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const withKey = observability((t) => (t.dynatrace.tokenKmsKeyArn = key));
    expect(roleStatements(withKey).DecryptApiToken).toMatchObject({
      actions: ['kms:Decrypt'],
      resources: [key],
      condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: ['ssm.us-east-1.amazonaws.com'] }],
    });
    expect(only(withKey, 'aws_ssm_parameter').key_id).toBe(key);
  });
});

describe('observability stack: the progress table', () => {
  const stack = observability();
  const table = only(stack, 'aws_dynamodb_table');
  const statements = roleStatements(stack);

  test('is on demand, keyed by object, encrypted with its own rotated key, recoverable, self-cleaning', () => {
    expect(table).toMatchObject({
      name: 'trailbridge-forwarder-progress',
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 'object',
      attribute: [{ name: 'object', type: 'S' }],
      server_side_encryption: { enabled: true, kms_key_arn: named(stack, 'aws_kms_key', 'progress_').ref('arn') },
      point_in_time_recovery: { enabled: true },
      ttl: { attribute_name: 'expiresAt', enabled: true },
      deletion_protection_enabled: false,
    });
    expect(named(stack, 'aws_kms_key', 'progress_').body).toMatchObject({ enable_key_rotation: true });
    expect(named(stack, 'aws_kms_alias', 'progress_').body.name).toBe('alias/trailbridge-forwarder-progress');
  });

  test('its TTL attribute is the one the forwarder writes', () => {
    expect(table.ttl.attribute_name).toBe(PROGRESS_TTL_ATTRIBUTE);
    expect(PROGRESS_TTL_ATTRIBUTE).toBe('expiresAt');
  });

  test('the forwarder gets PROGRESS_TABLE and exactly GetItem and UpdateItem on it, and the key through DynamoDB', () => {
    expect(only(stack, 'aws_lambda_function').environment.variables.PROGRESS_TABLE).toBe(ref('aws_dynamodb_table', stack, 'name'));
    expect(statements.KeepProgress).toMatchObject({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [ref('aws_dynamodb_table', stack, 'arn')] });
    expect(statements.EncryptProgress).toMatchObject({ actions: ['kms:GenerateDataKey*', 'kms:Decrypt'], resources: [named(stack, 'aws_kms_key', 'progress_').ref('arn')] });
    expect(statements.EncryptProgress.condition).toEqual([{ test: 'StringEquals', variable: 'kms:ViaService', values: ['dynamodb.us-east-1.amazonaws.com'] }]);
  });
});

describe('observability stack: the cross-account subscription', () => {
  const stack = observability();

  test('subscribes the function to the log-archive topic, in the home region', () => {
    const subscription = only(stack, 'aws_sns_topic_subscription');
    expect(subscription).toMatchObject({
      topic_arn: 'arn:aws:sns:us-east-1:333333333333:trailbridge-cloudtrail-objects',
      protocol: 'lambda',
      endpoint: ref('aws_lambda_function', stack, 'arn'),
    });
    expect(subscription.provider).toBeUndefined();
  });

  test('lets SNS invoke the function for that topic only, with no source account', () => {
    const permission = only(stack, 'aws_lambda_permission');
    expect(permission).toMatchObject({
      action: 'lambda:InvokeFunction',
      principal: 'sns.amazonaws.com',
      source_arn: 'arn:aws:sns:us-east-1:333333333333:trailbridge-cloudtrail-objects',
      function_name: ref('aws_lambda_function', stack, 'function_name'),
    });
    expect(permission.source_account).toBeUndefined();
    expect(only(stack, 'aws_sns_topic_subscription').depends_on).toEqual([`aws_lambda_permission.${stack.resources('aws_lambda_permission')[0][0]}`]);
  });
});

describe('observability stack: the token parameter', () => {
  const stack = observability();

  test('is a SecureString whose placeholder is write-only, written once, so state never holds a value', () => {
    const parameter = only(stack, 'aws_ssm_parameter');
    expect(parameter).toMatchObject({
      name: '/trailbridge/dynatrace/api-token',
      type: 'SecureString',
      value_wo: PLACEHOLDER_VALUE,
      value_wo_version: 1,
      lifecycle: { ignore_changes: ['value_wo_version'] },
    });
    expect(parameter.value).toBeUndefined();
    expect(PLACEHOLDER_VALUE).not.toMatch(/dt0c01/);
  });

  test('its description takes nothing from the topology: a changed description could not be applied', () => {
    const other = observability((t) => (t.dynatrace.environmentUrl = 'https://xyz98765.live.dynatrace.com'));
    expect(only(other, 'aws_ssm_parameter').description).toBe(only(stack, 'aws_ssm_parameter').description);
    expect(only(stack, 'aws_ssm_parameter').description).toContain(OPERATOR_OWNED_NOTE);
  });
});

describe('observability stack: AppConfig rules', () => {
  const stack = observability();

  test('a freeform profile validated by the rules JSON Schema, holding the default rules', () => {
    const profile = only(stack, 'aws_appconfig_configuration_profile');
    expect(profile).toMatchObject({ name: 'forwarding-rules', location_uri: 'hosted', type: 'AWS.Freeform' });
    expect(profile.validator).toHaveLength(1);
    expect(profile.validator[0].type).toBe('JSON_SCHEMA');
    const schema = JSON.parse(profile.validator[0].content);
    expect(schema.$schema).toMatch(/draft-04/);
    expect(profile.validator[0].content.length).toBeLessThanOrEqual(32768);

    const version = only(stack, 'aws_appconfig_hosted_configuration_version');
    expect(version.content_type).toBe('application/json');
    expect(() => JSON.parse(version.content)).not.toThrow();
  });

  test('deploys the hosted version to the environment through its own strategy', () => {
    const deployment = only(stack, 'aws_appconfig_deployment');
    const version = stack.resources('aws_appconfig_hosted_configuration_version')[0][0];
    expect(deployment.configuration_version).toBe(`\${aws_appconfig_hosted_configuration_version.${version}.version_number}`);
    expect(deployment.environment_id).toBe(ref('aws_appconfig_environment', stack, 'environment_id'));
    expect(deployment.deployment_strategy_id).toBe(ref('aws_appconfig_deployment_strategy', stack, 'id'));
    expect(only(stack, 'aws_appconfig_deployment_strategy')).toMatchObject({ growth_factor: 100, deployment_duration_in_minutes: 0, replicate_to: 'NONE' });
  });

  test('appConfigDeployment=false leaves out environment, strategy and deployment, and widens only the environment', () => {
    const emulated = observability((t) => (t.forwarder = { appConfigDeployment: false }));
    for (const type of ['aws_appconfig_environment', 'aws_appconfig_deployment_strategy', 'aws_appconfig_deployment']) {
      expect(emulated.resources(type)).toHaveLength(0);
    }
    expect(emulated.resources('aws_appconfig_hosted_configuration_version')).toHaveLength(1);
    expect(roleStatements(emulated).ReadRules.resources[0]).toMatch(/\/environment\/\*\/configuration\/\$\{aws_appconfig_configuration_profile\./);
  });
});

describe('observability stack: the AppConfig extension layer', () => {
  test('the built-in table covers every region trailbridge knows, with layers of that region', () => {
    for (const region of KNOWN_REGIONS) {
      expect(appConfigExtensionLayerArn(region)).toMatch(new RegExp(`^arn:aws:lambda:${region}:\\d{12}:layer:AWS-AppConfig-Extension-Arm64:\\d+$`));
    }
    expect(Object.keys(APPCONFIG_EXTENSION_ARM64_LAYERS).length).toBeGreaterThanOrEqual(KNOWN_REGIONS.length);
  });

  test('the topology overrides the layer of a region', () => {
    const arn = 'arn:aws:lambda:us-east-1:444444444444:layer:appconfig-agent:3';
    expect(only(observability((t) => (t.forwarder = { appConfigLayerArns: { 'us-east-1': arn } })), 'aws_lambda_function').layers).toEqual([arn]);
  });

  test('fails when the home region has no layer, naming the option', () => {
    expect(() => appConfigExtensionLayerArn('eu-south-9')).toThrow(/forwarder\.appConfigLayerArns.*eu-south-9/);
  });

  test('fails when an override is a layer of another region', () => {
    expect(() => appConfigExtensionLayerArn('us-east-1', { 'us-east-1': 'arn:aws:lambda:eu-west-1:444444444444:layer:x:1' })).toThrow(
      /layer of eu-west-1.*own region \(us-east-1\)/,
    );
  });
});

describe('observability stack: the failure queue', () => {
  const stack = observability();

  test('is encrypted, with a dead-letter queue of its own', () => {
    const queue = stack.resourceWhere('aws_sqs_queue', 'name', 'trailbridge-forwarder-failures');
    const dlq = stack.resourceWhere('aws_sqs_queue', 'name', 'trailbridge-forwarder-failures-dlq');
    expect(queue.sqs_managed_sse_enabled).toBe(true);
    expect(dlq.sqs_managed_sse_enabled).toBe(true);
    const dlqName = stack.resources('aws_sqs_queue').find(([, q]) => q.name === 'trailbridge-forwarder-failures-dlq')![0];
    expect(JSON.parse(queue.redrive_policy)).toEqual({ deadLetterTargetArn: `\${aws_sqs_queue.${dlqName}.arn}`, maxReceiveCount: 5 });
    expect(JSON.parse(dlq.redrive_allow_policy)).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: ['arn:aws:sqs:us-east-1:444444444444:trailbridge-forwarder-failures'],
    });
    expect(queue.message_retention_seconds).toBe(14 * 86400);
  });

  test('restrictDeadLetterSources=false (emulators only) leaves out the redrive-allow policy', () => {
    const emulated = observability((t) => (t.forwarder = { failureQueue: { restrictDeadLetterSources: false } }));
    expect(emulated.resourceWhere('aws_sqs_queue', 'name', 'trailbridge-forwarder-failures-dlq').redrive_allow_policy).toBeUndefined();
  });

  test('both queues refuse requests without TLS', () => {
    const policies = stack.resources('aws_sqs_queue_policy');
    expect(policies).toHaveLength(2);
    for (const [, policy] of policies) {
      const statements = stack.policyDocument(policy.policy).statement;
      expect(statements).toEqual([
        expect.objectContaining({ sid: 'DenyInsecureTransport', effect: 'Deny', condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }] }),
      ]);
    }
  });
});

describe('observability stack: alarms', () => {
  const stack = observability();

  test('on errors, failure-queue depth, the age of its oldest message, dead letters, tickets not stored, rules not loaded and silence', () => {
    const alarms = Object.fromEntries(stack.resources('aws_cloudwatch_metric_alarm').map(([, a]) => [a.alarm_name, a]));
    expect(Object.keys(alarms).sort()).toEqual([
      'trailbridge-forwarder-dead-letters',
      'trailbridge-forwarder-errors',
      'trailbridge-forwarder-failure-queue-age',
      'trailbridge-forwarder-failure-queue-depth',
      'trailbridge-forwarder-rules-load-failures',
      'trailbridge-forwarder-silence',
      'trailbridge-forwarder-ticket-write-failures',
    ]);
    expect(alarms['trailbridge-forwarder-errors']).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Errors', dimensions: { FunctionName: 'trailbridge-forwarder' } });
    expect(alarms['trailbridge-forwarder-failure-queue-depth']).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'trailbridge-forwarder-failures' },
    });
    expect(alarms['trailbridge-forwarder-failure-queue-age']).toMatchObject({ metric_name: 'ApproximateAgeOfOldestMessage', threshold: 3600 });
    expect(alarms['trailbridge-forwarder-dead-letters'].dimensions).toEqual({ QueueName: 'trailbridge-forwarder-failures-dlq' });
    // The forwarder's own EMF metric: a ticket (what an operator replays from) that could not be stored.
    expect(alarms['trailbridge-forwarder-ticket-write-failures']).toMatchObject({
      namespace: FORWARDER_METRICS_NAMESPACE,
      metric_name: 'TicketWriteFailed',
      dimensions: FORWARDER_METRICS_DIMENSIONS,
      statistic: 'Sum',
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      period: 300,
      evaluation_periods: 1,
    });
    const topic = ref('aws_sns_topic', stack, 'arn');
    for (const alarm of Object.values(alarms) as any[]) {
      expect(alarm.alarm_actions).toEqual([topic]);
      expect(alarm.ok_actions).toEqual([topic]);
      // The silence alarm alone: for it no data is the outage.
      expect(alarm.treat_missing_data).toBe(alarm.alarm_name === 'trailbridge-forwarder-silence' ? 'breaching' : 'notBreaching');
    }
  });

  test('on silence: no record sent in any period of an hour, an invocation-free period included', () => {
    const silence = stack.resourceWhere('aws_cloudwatch_metric_alarm', 'alarm_name', 'trailbridge-forwarder-silence');
    expect(silence).toMatchObject({
      namespace: FORWARDER_METRICS_NAMESPACE,
      metric_name: 'RecordsSent',
      dimensions: FORWARDER_METRICS_DIMENSIONS,
      statistic: 'Sum',
      comparison_operator: 'LessThanThreshold',
      threshold: 1,
      period: 300,
      evaluation_periods: 12,
      datapoints_to_alarm: 12,
      // A forwarder nobody invokes emits no metric at all: that is the outage this alarm is for.
      treat_missing_data: 'breaching',
    });
    const text: string = silence.alarm_description;
    expect(text.length).toBeLessThanOrEqual(1024);
    expect(text).toMatch(/no record .* for 60 minutes/);
    expect(text).toMatch(/First check: /);
    // Where the invocations come from, and where the sent records would have gone.
    expect(text).toMatch(/trailbridge-cloudtrail-objects/);
    expect(text).toMatch(/get-trail-status/);
    expect(text).toMatch(/trailbridge-forwarder-failures/);
  });

  test('on rules that could not be loaded from AppConfig: what it means, and what to check', () => {
    const alarm = stack.resourceWhere('aws_cloudwatch_metric_alarm', 'alarm_name', 'trailbridge-forwarder-rules-load-failures');
    expect(alarm).toMatchObject({
      namespace: FORWARDER_METRICS_NAMESPACE,
      metric_name: 'RulesLoadFailed',
      dimensions: FORWARDER_METRICS_DIMENSIONS,
      statistic: 'Sum',
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      period: 300,
      evaluation_periods: 1,
      treat_missing_data: 'notBreaching',
    });
    const text: string = alarm.alarm_description;
    expect(text.length).toBeLessThanOrEqual(1024);
    // Where the rules come from, what the forwarder does instead (last good, built-in, refused), and the log lines that say so.
    expect(text).toMatch(/trailbridge-forwarder\/default\/forwarding-rules/);
    expect(text).toMatch(/last good rules/);
    expect(text).toMatch(/built-in rules .*RulesDefaultsInUse/);
    expect(text).toMatch(/redact.*refuses to forward/);
    expect(text).toMatch(/"forwarding rules not updated"/);
    expect(text).toMatch(/"NO FORWARDING RULES AVAILABLE"/);
    expect(text).toMatch(/First check: /);
  });

  test('the silence window is forwarder.alarms.silenceMinutes, in periods of periodInSeconds; false leaves the alarm out', () => {
    const silenceOf = (s: SynthesizedStack) => s.resources('aws_cloudwatch_metric_alarm').map(([, a]) => a).find((a) => a.alarm_name === 'trailbridge-forwarder-silence');
    const longer = observability((t) => (t.forwarder = { alarms: { silenceMinutes: 180, periodInSeconds: 600 } }));
    expect(silenceOf(longer)).toMatchObject({ period: 600, evaluation_periods: 18, datapoints_to_alarm: 18 });
    expect(silenceOf(longer)?.alarm_description).toMatch(/for 180 minutes/);
    const off = observability((t) => (t.forwarder = { alarms: { silenceMinutes: false } }));
    expect(silenceOf(off)).toBeUndefined();
    expect(off.resources('aws_cloudwatch_metric_alarm')).toHaveLength(6);
  });

  test('notify an encrypted topic that only this account\'s alarms may publish to', () => {
    const topic = only(stack, 'aws_sns_topic');
    expect(topic.name).toBe('trailbridge-forwarder-alarms');
    const key = named(stack, 'aws_kms_key', 'alarm-topic_');
    expect(topic.kms_master_key_id).toBe(key.ref('arn'));
    expect(key.body.enable_key_rotation).toBe(true);
    const statements = stack.policyDocument(only(stack, 'aws_sns_topic_policy').policy).statement;
    expect(statements[0]).toMatchObject({
      sid: 'CloudWatchAlarmsPublish',
      actions: ['sns:Publish'],
      principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
      // Confused deputy: only the forwarder's alarms, of this account and region.
      condition: [
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['444444444444'] },
        { test: 'ArnLike', variable: 'aws:SourceArn', values: ['arn:aws:cloudwatch:us-east-1:444444444444:alarm:trailbridge-forwarder-*'] },
      ],
    });
    expect(stack.policyDocument(key.body.policy).statement.find((st: any) => st.sid === 'CloudWatchAlarmsEncrypt').condition).toEqual(statements[0].condition);
    for (const [, alarm] of stack.resources('aws_cloudwatch_metric_alarm')) expect(alarm.alarm_name).toMatch(/^trailbridge-forwarder-/);
  });

  test('go to a configured topic instead, which then is not created', () => {
    const topicArn = 'arn:aws:sns:us-east-1:444444444444:ops-pager';
    const configured = observability((t) => (t.forwarder = { alarms: { topicArn } }));
    expect(configured.resources('aws_sns_topic')).toHaveLength(0);
    expect(configured.resources('aws_kms_key').map(([id]) => id.split('_')[0]).sort()).toEqual(['api-token-key', 'forwarder', 'progress']);
    expect(configured.resources('aws_cloudwatch_metric_alarm')).toHaveLength(7);
    for (const [, alarm] of configured.resources('aws_cloudwatch_metric_alarm')) expect(alarm.alarm_actions).toEqual([topicArn]);
  });

  test('can be switched off', () => {
    const off = observability((t) => (t.forwarder = { alarms: { enabled: false } }));
    expect(off.resources('aws_cloudwatch_metric_alarm')).toHaveLength(0);
    expect(off.resources('aws_sns_topic')).toHaveLength(0);
  });
});

test('the stack synthesizes on its own, without reading another stack\'s state', () => {
  const app = Testing.app();
  const topology = topologyWith();
  const stack = new ObservabilityStack(app as App, topology, new Naming(topology));
  const json = JSON.parse(Testing.synth(stack));
  expect(json.data?.terraform_remote_state).toBeUndefined();
});

describe('observability stack: outputs for operators', () => {
  test('the failure queue URL and the function name, the ones `npm run replay -- --from-queue` uses by default', () => {
    const topology = topologyWith();
    const stack = synthesize(topology).stack('observability');
    const queues = stack.resources('aws_sqs_queue');
    const [failureQueue] = queues.find(([, q]) => q.name === 'trailbridge-forwarder-failures')!;
    expect(stack.json.output.failure_queue_url.value).toBe(`\${aws_sqs_queue.${failureQueue}.url}`);
    expect(stack.json.output.forwarder_function_name.value).toBe(ref('aws_lambda_function', stack, 'function_name'));

    const defaults = parseQueueCommandLine(['--from-queue'], topology)!;
    expect(defaults.queueUrl.endsWith('/trailbridge-forwarder-failures')).toBe(true);
    expect(defaults.functionName).toBe(only(stack, 'aws_lambda_function').function_name);
    // And invokes it in the region the stack deploys it to (its default provider's), whatever the queue URL says.
    expect(only(stack, 'aws_lambda_function').provider).toBeUndefined();
    const region = stack.json.provider.aws.find((p: { alias?: string }) => !p.alias).region;
    expect(parseQueueCommandLine(['--from-queue', '--queue-url', 'https://sqs.ap-south-1.amazonaws.com/444444444444/q'], topology)!.functionRegion).toBe(region);
  });
});
