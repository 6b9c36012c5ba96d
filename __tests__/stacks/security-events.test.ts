import { TopologyError } from '../../config/problems';
import { TopologyInput } from '../../config/schema';
import { centralRules } from '../../stacks/catalog';
import { SynthesizedStack, synthesize, topologyWith } from '../support/synth';

const BUS_ARN = 'arn:aws:events:us-east-1:333333333333:event-bus/trailbridge-central';

/**
 * Every target kind in use: Kinesis through all-api-calls, a second Lambda through a custom rule.
 * No responses: their rules, function and role are the responder suites' (responses.test.ts), and
 * here each rule must be a use case's or a custom rule's.
 */
const everyTarget = (t: TopologyInput) => {
  t.responses = {};
  t.events = {
    useCases: { 'all-api-calls': { enabled: true }, 'database-deleted': { target: 'sqs' } },
    customRules: [
      { name: 'cloudfront-changed', description: 'Distributions changed', pattern: { source: ['aws.cloudfront'], 'detail-type': ['AWS API Call via CloudTrail'] }, target: 'sns' },
      { name: 'instance-tagger', pattern: { source: ['aws.ec2'], detail: { eventName: ['RunInstances'] } }, target: 'lambda', functionArn: 'arn:aws:lambda:us-east-1:333333333333:function:tag-owner' },
    ],
    alertEmails: ['secops@example.com', 'oncall@example.com'],
  };
};

const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

/** Rule id (Terraform) -> [rule, its targets]. */
function rulesWithTargets(stack: SynthesizedStack) {
  return stack.resources('aws_cloudwatch_event_rule').map(([id, rule]) => ({
    id,
    rule,
    targets: stack.resources('aws_cloudwatch_event_target').filter(([, t]) => t.rule === ref('aws_cloudwatch_event_rule', id, 'name')).map(([, t]) => t),
  }));
}

/** The one resource of a type among the bus's and its targets' (the operations topic of the alarms and its key left out). */
function singleResource(stack: SynthesizedStack, type: string): [string, Record<string, any>] {
  const found = stack.resources(type).filter(([id]) => !id.startsWith('ops-topic_'));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

describe('security-events: every target kind', () => {
  const topology = topologyWith(everyTarget);
  const stack = synthesize(topology).stack('security-events');
  const planned = centralRules(topology);
  const [busId, bus] = singleResource(stack, 'aws_cloudwatch_event_bus');

  test('the central bus is in the home region of the security account, with an archive for replay', () => {
    expect(bus.name).toBe('trailbridge-central');
    expect(stack.json.provider.aws[0]).toMatchObject({ region: 'us-east-1', allowed_account_ids: ['333333333333'] });
    const [, archive] = singleResource(stack, 'aws_cloudwatch_event_archive');
    expect(archive).toMatchObject({ name: 'trailbridge-central', event_source_arn: ref('aws_cloudwatch_event_bus', busId, 'arn'), retention_days: 30 });
  });

  test('one rule per enabled use case and custom rule, on the central bus, with the catalog pattern', () => {
    const rules = rulesWithTargets(stack);
    expect(rules.map((r) => r.rule.name).sort()).toEqual(planned.map((r) => r.name).sort());
    expect(rules).not.toHaveLength(0);
    for (const { rule, targets } of rules) {
      expect(rule.event_bus_name).toBe(ref('aws_cloudwatch_event_bus', busId, 'name'));
      expect(JSON.parse(rule.event_pattern)).toEqual(planned.find((p) => p.name === rule.name)!.pattern);
      expect(targets).toHaveLength(1);
    }
  });

  test('every target has the retry policy and the central dead-letter queue, which admits exactly these rules', () => {
    const [dlqId] = stack.resources('aws_sqs_queue').find(([, q]) => q.name === 'trailbridge-central-dlq')!;
    const rules = rulesWithTargets(stack);
    expect(rules.flatMap((r) => r.targets)).not.toHaveLength(0);
    for (const { targets } of rules) {
      for (const target of targets) {
        expect(target.retry_policy).toEqual({ maximum_retry_attempts: 185, maximum_event_age_in_seconds: 86400 });
        expect(target.dead_letter_config).toEqual({ arn: ref('aws_sqs_queue', dlqId, 'arn') });
      }
    }
    const [, dlqPolicy] = stack.resources('aws_sqs_queue_policy').find(([, p]) => p.queue_url === ref('aws_sqs_queue', dlqId, 'url'))!;
    const [allow] = stack.policyDocument(dlqPolicy.policy).statement;
    expect(allow.condition[0].values.sort()).toEqual(rules.map((r) => ref('aws_cloudwatch_event_rule', r.id, 'arn')).sort());
    expect(stack.json.resource.aws_sqs_queue[dlqId].sqs_managed_sse_enabled).toBe(true);
  });

  test('each kind goes to its resource; only Kinesis uses a role; only the alerts are transformed for a human', () => {
    const arnOf = (type: string) => ref(type, singleResource(stack, type)[0], 'arn');
    const expected: Record<string, string> = {
      sns: arnOf('aws_sns_topic'),
      logs: ref('aws_cloudwatch_log_group', stack.resources('aws_cloudwatch_log_group').find(([, g]) => g.name === '/aws/events/trailbridge-central')![0], 'arn'),
      kinesis: arnOf('aws_kinesis_stream'),
    };
    expect(rulesWithTargets(stack)).not.toHaveLength(0);
    for (const { rule, targets } of rulesWithTargets(stack)) {
      const plan = planned.find((p) => p.name === rule.name)!;
      const [target] = targets;
      expect(target.target_id).toBe(plan.target);
      if (plan.target in expected) expect(target.arn).toBe(expected[plan.target]);
      if (plan.target === 'kinesis') expect(target.role_arn).toBe(ref('aws_iam_role', stack.resources('aws_iam_role').find(([, r]) => r.name === 'trailbridge-events-to-kinesis')![0], 'arn'));
      else expect(target.role_arn).toBeUndefined();
      if (plan.target === 'sns') {
        expect(JSON.parse(target.input_transformer.input_template)).toContain(`${plan.title}: <eventName>`);
        expect(target.input_transformer.input_paths.actor).toBe('$.detail.userIdentity.arn');
      } else {
        expect(target.input_transformer).toBeUndefined();
      }
    }
  });

  test('the log group sits under /aws/events/ and EventBridge writes to it through the log resource policy, for the logs rules only', () => {
    // The bucket-logger has a log group of its own; the central one is EventBridge's.
    const [groupId, group] = stack.resources('aws_cloudwatch_log_group').find(([, g]) => g.name === '/aws/events/trailbridge-central')!;
    expect(group.retention_in_days).toBe(365);
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
    const logsRuleArns = rulesWithTargets(stack)
      .filter(({ targets }) => targets.some((t) => t.arn === ref('aws_cloudwatch_log_group', groupId, 'arn')))
      .map(({ id }) => ref('aws_cloudwatch_event_rule', id, 'arn'));
    expect(logsRuleArns.length).toBeGreaterThan(0);
    const [, policy] = singleResource(stack, 'aws_cloudwatch_log_resource_policy');
    const statements = stack.policyDocument(policy.policy_document).statement;
    statements[1]?.condition?.[0]?.values.sort();
    const streams = `${ref('aws_cloudwatch_log_group', groupId, 'arn')}:*`;
    const deliverers = [{ type: 'Service', identifiers: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] }];
    expect(statements).toEqual([
      expect.objectContaining({ sid: 'EventBridgeCreatesStreams', actions: ['logs:CreateLogStream'], resources: [streams], principals: deliverers }),
      expect.objectContaining({
        sid: 'EventBridgeWritesCentralLogs',
        actions: ['logs:PutLogEvents'],
        resources: [streams],
        principals: deliverers,
        // Confused deputy: only the central rules that target the group may have EventBridge write to it.
        condition: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: logsRuleArns.sort() }],
      }),
    ]);
  });

  test('the alert topic is encrypted with a key EventBridge may use, and admits only the SNS rules', () => {
    const [topicId, topic] = singleResource(stack, 'aws_sns_topic');
    const keyId = /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(topic.kms_master_key_id)![1];
    const key = stack.json.resource.aws_kms_key[keyId];
    expect(key.enable_key_rotation).toBe(true);
    expect(stack.policyDocument(key.policy).statement).toContainEqual(
      expect.objectContaining({
        principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        // Confused deputy: EventBridge may use the key only to publish to the alert topic. Not
        // aws:SourceAccount / aws:SourceArn: SNS documents them as unsupported in a key policy for
        // EventBridge to an encrypted topic, and with them every alert would be dropped.
        condition: [{ test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sns:topicArn', values: ['arn:aws:sns:us-east-1:333333333333:trailbridge-security-alerts'] }],
      }),
    );
    const [, topicPolicy] = singleResource(stack, 'aws_sns_topic_policy');
    const [allow] = stack.policyDocument(topicPolicy.policy).statement;
    const snsRuleArns = rulesWithTargets(stack).filter((r) => r.targets[0].target_id === 'sns').map((r) => ref('aws_cloudwatch_event_rule', r.id, 'arn'));
    expect(allow).toMatchObject({ actions: ['sns:Publish'], resources: [ref('aws_sns_topic', topicId, 'arn')] });
    expect(allow.condition[0].values.sort()).toEqual(snsRuleArns.sort());
    // In the order of their Terraform names, which are the addresses' (email-subscriptions.ts).
    expect(stack.resources('aws_sns_topic_subscription').filter(([id]) => !id.startsWith('ops-topic_')).map(([, s]) => [s.protocol, s.endpoint])).toEqual([
      ['email', 'oncall@example.com'],
      ['email', 'secops@example.com'],
    ]);
  });

  test('the SQS buffer is encrypted and admits only its rules', () => {
    const [bufferId, buffer] = stack.resources('aws_sqs_queue').find(([, q]) => q.name === 'trailbridge-security-events')!;
    expect(buffer).toMatchObject({ sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 });
    const [, policy] = stack.resources('aws_sqs_queue_policy').find(([, p]) => p.queue_url === ref('aws_sqs_queue', bufferId, 'url'))!;
    const sqsRules = rulesWithTargets(stack).filter((r) => r.targets[0].target_id === 'sqs');
    expect(sqsRules.map((r) => r.rule.name).sort()).toEqual(['trailbridge-database-deleted', 'trailbridge-ec2-instance-state-changed']);
    expect(stack.policyDocument(policy.policy).statement[0].condition[0].values.sort()).toEqual(sqsRules.map((r) => ref('aws_cloudwatch_event_rule', r.id, 'arn')).sort());
  });

  test('the Kinesis stream is encrypted and on demand; its role trusts EventBridge of this account for the kinesis rules only and may only put records', () => {
    const [streamId, stream] = singleResource(stack, 'aws_kinesis_stream');
    expect(stream).toMatchObject({ name: 'trailbridge-security-events', encryption_type: 'KMS', stream_mode_details: { stream_mode: 'ON_DEMAND' } });
    const [roleId, role] = stack.resources('aws_iam_role').find(([, r]) => r.name === 'trailbridge-events-to-kinesis')!;
    const kinesisRuleArns = rulesWithTargets(stack).filter((r) => r.targets.some((t) => t.arn === ref('aws_kinesis_stream', streamId, 'arn'))).map((r) => ref('aws_cloudwatch_event_rule', r.id, 'arn'));
    expect(kinesisRuleArns.length).toBeGreaterThan(0);
    expect(stack.policyDocument(role.assume_role_policy).statement[0]).toMatchObject({
      principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
      condition: [
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['333333333333'] },
        { test: 'ArnEquals', variable: 'aws:SourceArn', values: kinesisRuleArns },
      ],
    });
    const [, policy] = stack.resources('aws_iam_role_policy').find(([, p]) => p.role === ref('aws_iam_role', roleId, 'id'))!;
    expect(stack.policyDocument(policy.policy).statement).toEqual([
      expect.objectContaining({ actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [ref('aws_kinesis_stream', streamId, 'arn')] }),
    ]);
  });

  test('Lambda targets: the bucket-logger and a given function, each invocable only by its rule', () => {
    const [fnId, fn] = singleResource(stack, 'aws_lambda_function');
    expect(fn).toMatchObject({ function_name: 'trailbridge-bucket-logger', handler: 'index.handler' });
    const permissions = stack.resources('aws_lambda_permission').map(([, p]) => p);
    const lambdaRules = rulesWithTargets(stack).filter((r) => r.targets[0].target_id === 'lambda');
    expect(lambdaRules.map((r) => [r.rule.name, r.targets[0].arn]).sort()).toEqual([
      ['trailbridge-instance-tagger', 'arn:aws:lambda:us-east-1:333333333333:function:tag-owner'],
      ['trailbridge-s3-bucket-created', ref('aws_lambda_function', fnId, 'arn')],
    ]);
    expect(permissions.map((p) => [p.function_name, p.principal, p.source_arn]).sort()).toEqual(
      lambdaRules.map((r) => [r.rule.name === 'trailbridge-instance-tagger' ? 'arn:aws:lambda:us-east-1:333333333333:function:tag-owner' : ref('aws_lambda_function', fnId, 'function_name'), 'events.amazonaws.com', ref('aws_cloudwatch_event_rule', r.id, 'arn')]).sort(),
    );
  });
});

describe('security-events: bus policy', () => {
  test('without an organization: only the forwarding roles of the source accounts may put events', () => {
    const stack = synthesize(topologyWith()).stack('security-events');
    const [, policy] = singleResource(stack, 'aws_cloudwatch_event_bus_policy');
    expect(stack.policyDocument(policy.policy).statement).toEqual([
      expect.objectContaining({
        effect: 'Allow',
        actions: ['events:PutEvents'],
        resources: [BUS_ARN],
        principals: [{ type: 'AWS', identifiers: ['arn:aws:iam::111111111111:root', 'arn:aws:iam::222222222222:root'] }],
        condition: [
          {
            test: 'ArnEquals',
            variable: 'aws:PrincipalArn',
            values: ['arn:aws:iam::111111111111:role/trailbridge-events-to-central', 'arn:aws:iam::222222222222:role/trailbridge-events-to-central'],
          },
        ],
      }),
    ]);
  });

  test('the role the policy admits is the role the forwarding rules use', () => {
    const synth = synthesize(topologyWith());
    const [, policy] = singleResource(synth.stack('security-events'), 'aws_cloudwatch_event_bus_policy');
    const [admitted] = synth.stack('security-events').policyDocument(policy.policy).statement[0].condition[0].values;
    const roleNames = synth.stack('source-test').resources('aws_iam_role').map(([, r]) => r.name);
    expect(roleNames).toContain(admitted.split('/').at(-1));
  });

  test('with an organization: the forwarding role of any account of the organization', () => {
    const stack = synthesize(topologyWith((t) => (t.organization = { id: 'o-abcdefghij' }))).stack('security-events');
    const [, policy] = singleResource(stack, 'aws_cloudwatch_event_bus_policy');
    expect(stack.policyDocument(policy.policy).statement).toEqual([
      expect.objectContaining({
        actions: ['events:PutEvents'],
        resources: [BUS_ARN],
        principals: [{ type: '*', identifiers: ['*'] }],
        condition: [
          { test: 'StringEquals', variable: 'aws:PrincipalOrgID', values: ['o-abcdefghij'] },
          { test: 'ArnLike', variable: 'aws:PrincipalArn', values: ['arn:aws:iam::*:role/trailbridge-events-to-central'] },
        ],
      }),
    ]);
  });

  test('accounts that do not forward are left out', () => {
    const stack = synthesize(topologyWith((t) => (t.accounts[0].source!.forwarding = { enabled: false }))).stack('security-events');
    const [, policy] = singleResource(stack, 'aws_cloudwatch_event_bus_policy');
    const [statement] = stack.policyDocument(policy.policy).statement;
    expect(statement.principals).toEqual([{ type: 'AWS', identifiers: ['arn:aws:iam::222222222222:root'] }]);
    expect(statement.condition[0].values).toEqual(['arn:aws:iam::222222222222:role/trailbridge-events-to-central']);
  });
});

describe('security-events: defaults and failures', () => {
  test('only the targets in use exist: the default topology has no Kinesis stream and no email subscription', () => {
    const stack = synthesize(topologyWith()).stack('security-events');
    expect(stack.resources('aws_kinesis_stream')).toEqual([]);
    expect(stack.resources('aws_sns_topic_subscription')).toEqual([]);
    // The default's responses (report mode) bring the responder's role; nothing brings Kinesis's.
    expect(stack.resources('aws_iam_role').map(([, r]) => r.name).sort()).toEqual(['trailbridge-bucket-logger', 'trailbridge-responder-function']);
  });

  test('an invalid custom pattern stops synth with the rule name and the reason', () => {
    const topology = topologyWith((t) => (t.events = { customRules: [{ name: 'typo', pattern: { source: 'aws.s3' } }] }));
    let error: unknown;
    try {
      synthesize(topology);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as Error).message).toMatch(/events\.customRules\[0\]\.pattern: rule "trailbridge-typo": source: .+/);
    expect((error as Error).name).toBe('TopologyError');
  });
});
