import { Naming } from '../../config/naming';
import { matchesPattern } from '../../functions/lib/event-pattern';
import { GLOBAL_EVENT_SOURCES } from '../../stacks/catalog';
import { SynthesizedStack, Synthesized, synthesize, topologyWith } from '../support/synth';

const BUS_ARN = 'arn:aws:events:us-east-1:333333333333:event-bus/trailbridge-central';

/** The provider a resource uses: its region (the default provider is the home region). */
function regionOf(body: Record<string, any>, homeRegion = 'us-east-1'): string {
  const alias = /^aws\.(.+)$/.exec(String(body.provider ?? 'aws'))?.[1];
  return alias ?? homeRegion;
}

/** The forwarding rules of a source stack by region, each with its target and dead-letter queue. */
function forwarding(stack: SynthesizedStack) {
  const rules = stack.resources('aws_cloudwatch_event_rule').filter(([, rule]) => rule.name === 'trailbridge-api-calls-to-central');
  return rules.map(([ruleId, rule]) => {
    const targets = stack.resources('aws_cloudwatch_event_target').filter(([, t]) => t.rule === `\${aws_cloudwatch_event_rule.${ruleId}.name}`);
    expect(targets).toHaveLength(1);
    const target = targets[0][1];
    const dlqId = /^\$\{aws_sqs_queue\.([\w-]+)\.arn\}$/.exec(target.dead_letter_config?.arn ?? '')?.[1];
    return { ruleId, rule, target, region: regionOf(rule), dlqId, dlq: dlqId ? stack.json.resource.aws_sqs_queue[dlqId] : undefined };
  });
}

describe('source stacks: forwarding rules to the central bus', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(topologyWith());
  });

  test.each(['source-test', 'source-prod'])('%s has a rule in every enabled region, targeting the central bus with a role', (name) => {
    const stack = synth.stack(name);
    const rules = forwarding(stack);
    expect(rules.map((r) => r.region).sort()).toEqual(['eu-west-1', 'us-east-1', 'us-east-2']);
    const [[roleId]] = stack.resources('aws_iam_role').filter(([, r]) => r.name === 'trailbridge-events-to-central');
    for (const { rule, target, region } of rules) {
      expect(rule.name).toBe('trailbridge-api-calls-to-central');
      expect(rule.event_bus_name).toBeUndefined(); // the default bus
      expect(JSON.parse(rule.event_pattern)).toEqual({ source: [{ prefix: 'aws.' }], 'detail-type': ['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail'] });
      expect(rule.state).toBe('ENABLED');
      expect(target.arn).toBe(BUS_ARN);
      expect(target.role_arn).toBe(`\${aws_iam_role.${roleId}.arn}`);
      expect(regionOf(target)).toBe(region);
    }
  });

  test('forwards events of AWS only: one put with a CloudTrail detail-type and another source stays in the account', () => {
    // PutEvents refuses aws.* sources, so only AWS puts events the central bus policy's "no forged CloudTrail event" rests on.
    const [{ rule }] = forwarding(synth.stack('source-test'));
    const pattern = JSON.parse(rule.event_pattern);
    const event = { 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' } };
    expect(matchesPattern(pattern, { ...event, source: 'aws.iam' })).toBe(true);
    expect(matchesPattern(pattern, { ...event, source: 'acme.iam' })).toBe(false);
  });

  test('the role trusts EventBridge of its own account, for its forwarding rules only, and may only put events on the central bus', () => {
    const stack = synth.stack('source-test');
    const roles = stack.resources('aws_iam_role').filter(([, r]) => r.name === 'trailbridge-events-to-central');
    expect(roles).toHaveLength(1);
    const [, role] = roles[0];
    expect(role.name).toBe('trailbridge-events-to-central');
    const trust = stack.policyDocument(role.assume_role_policy);
    expect(trust.statement).toEqual([
      expect.objectContaining({
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
        // Confused deputy: only this account's forwarding rules, in any region (one role serves them all).
        condition: [
          { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['111111111111'] },
          { test: 'ArnLike', variable: 'aws:SourceArn', values: ['arn:aws:events:*:111111111111:rule/trailbridge-api-calls-to-central'] },
        ],
      }),
    ]);
    const [[, policy]] = stack.resources('aws_iam_role_policy').filter(([, p]) => p.role === `\${aws_iam_role.${roles[0][0]}.id}`);
    expect(stack.policyDocument(policy.policy).statement).toEqual([expect.objectContaining({ effect: 'Allow', actions: ['events:PutEvents'], resources: [BUS_ARN] })]);
  });

  test('every target has a retry policy and an encrypted dead-letter queue in its region that only its rule may send to', () => {
    const stack = synth.stack('source-test');
    expect(forwarding(stack)).toHaveLength(3);
    for (const { ruleId, target, region, dlq, dlqId } of forwarding(stack)) {
      expect(target.retry_policy).toEqual({ maximum_retry_attempts: 185, maximum_event_age_in_seconds: 86400 });
      expect(dlq).toMatchObject({ name: 'trailbridge-events-to-central-dlq', sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 });
      expect(regionOf(dlq!)).toBe(region);
      const [[, queuePolicy]] = stack.resources('aws_sqs_queue_policy').filter(([, p]) => p.queue_url === `\${aws_sqs_queue.${dlqId}.url}`);
      const statements = stack.policyDocument(queuePolicy.policy).statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          actions: ['sqs:SendMessage'],
          principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
          condition: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: [`\${aws_cloudwatch_event_rule.${ruleId}.arn}`] }],
        }),
      );
      expect(statements).toContainEqual(expect.objectContaining({ effect: 'Deny', condition: [expect.objectContaining({ variable: 'aws:SecureTransport' })] }));
    }
  });
});

describe('source stacks: topology options', () => {
  test('read-only events switch the rule state; include and exclude narrow the pattern', () => {
    const synth = synthesize(
      topologyWith((t) => {
        t.accounts[0].source!.forwarding = { readOnlyEvents: true, includeSources: ['s3.amazonaws.com', 'signin.amazonaws.com'] };
        t.accounts[1].source!.forwarding = { excludeSources: ['kms.amazonaws.com'], retryAttempts: 10, maxEventAgeInSeconds: 3600 };
      }),
    );
    expect(forwarding(synth.stack('source-test'))).toHaveLength(3);
    for (const { rule } of forwarding(synth.stack('source-test'))) {
      expect(rule.state).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
      expect(JSON.parse(rule.event_pattern).detail).toEqual({ eventSource: ['s3.amazonaws.com', 'signin.amazonaws.com'] });
    }
    expect(forwarding(synth.stack('source-prod'))).toHaveLength(3);
    for (const { rule, target } of forwarding(synth.stack('source-prod'))) {
      expect(rule.state).toBe('ENABLED');
      expect(JSON.parse(rule.event_pattern).detail).toEqual({ eventSource: [{ 'anything-but': ['kms.amazonaws.com'] }] });
      expect(target.retry_policy).toEqual({ maximum_retry_attempts: 10, maximum_event_age_in_seconds: 3600 });
    }
  });

  test('without us-east-1 among the regions, each source still forwards the global services\' events from us-east-1', () => {
    const topology = topologyWith((t) => {
      t.regions = ['eu-west-1', 'eu-central-1'];
      t.homeRegion = 'eu-west-1';
    });
    const synth = synthesize(topology);
    const stack = synth.stack('source-prod');
    const rules = forwarding(stack);
    expect(rules.map((r) => regionOf(r.rule, 'eu-west-1')).sort()).toEqual(['eu-central-1', 'eu-west-1', 'us-east-1']);
    const global = rules.find((r) => regionOf(r.rule, 'eu-west-1') === 'us-east-1')!;
    expect(JSON.parse(global.rule.event_pattern).detail).toEqual({ eventSource: GLOBAL_EVENT_SOURCES });
    expect(global.target.arn).toBe(new Naming(topology).centralBusArn());
    expect(global.target.arn).toMatch(/^arn:aws:events:eu-west-1:/);
    expect(Object.keys(stack.json.provider.aws).length).toBe(3);
  });

  test('an account with forwarding disabled has no rule, role or queue', () => {
    const synth = synthesize(topologyWith((t) => (t.accounts[1].source!.forwarding = { enabled: false })));
    const stack = synth.stack('source-prod');
    expect(stack.resources('aws_cloudwatch_event_rule')).toEqual([]);
    expect(stack.resources('aws_iam_role').filter(([, r]) => r.name === 'trailbridge-events-to-central')).toEqual([]);
    expect(stack.resources('aws_sqs_queue').filter(([, q]) => q.name === 'trailbridge-events-to-central-dlq')).toEqual([]);
  });
});
