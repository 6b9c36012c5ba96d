import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readTopologyFile } from '../../config/load';
import { Topology } from '../../config/schema';
import { PROJECT_ROOT } from '../../config/paths';
import { loadForwarderEnv } from '../../functions/forwarder/env';
import { FORWARDER_METRICS_DIMENSIONS, FORWARDER_METRICS_NAMESPACE } from '../../functions/forwarder/metric-names';
import { archiveRuleName } from '../../stacks/dashboards/central-events';
import { bodyMetrics } from '../../stacks/dashboards/widgets';
import { Synthesized, SynthesizedStack, synthesize, topologyWith } from '../support/synth';

/**
 * Flow 2 watched (issue 20): every rule and dead-letter queue of the synth has an alarm with an
 * action in its own region, and every metric a dashboard draws belongs to something the same
 * synth creates (or that the forwarder emits).
 */

type Body = Record<string, any>;

/** Every metric an alarm evaluates: its own, or those of its metric queries. */
function alarmMetrics(alarm: Body): { metricName: string; namespace: string; dimensions: Record<string, string> }[] {
  if (alarm.metric_name) return [{ metricName: alarm.metric_name, namespace: alarm.namespace, dimensions: alarm.dimensions ?? {} }];
  return (alarm.metric_query ?? []).filter((q: Body) => q.metric).map((q: Body) => ({ metricName: q.metric.metric_name, namespace: q.metric.namespace, dimensions: q.metric.dimensions ?? {} }));
}

const providerOf = (body: Body) => body.provider ?? 'aws';
const flow2Stacks = (s: Synthesized) => [...s.byName.values()].filter((st) => st.name === 'security-events' || st.name.startsWith('source-'));

/** The alarms of a stack covering a metric with exactly these dimensions, in a provider's region. */
function alarmsOn(stack: SynthesizedStack, provider: string, metricName: string, dimensions: Record<string, string>): Body[] {
  return stack
    .resources('aws_cloudwatch_metric_alarm')
    .map(([, a]) => a)
    .filter((a) => providerOf(a) === provider && alarmMetrics(a).some((m) => m.metricName === metricName && JSON.stringify(m.dimensions) === JSON.stringify(dimensions)));
}

/** The queues some EventBridge target dead-letters to, as [queue body, its stack]. */
function deadLetterQueues(stack: SynthesizedStack): Body[] {
  const referenced = new Set(stack.resources('aws_cloudwatch_event_target').map(([, t]) => t.dead_letter_config?.arn).filter(Boolean));
  return stack.resources('aws_sqs_queue').filter(([id]) => referenced.has(`\${aws_sqs_queue.${id}.arn}`)).map(([, q]) => q);
}

const topologies: [string, () => Topology][] = [
  ['the default topology', () => topologyWith()],
  ['the example topology (responses, five accounts)', () => readTopologyFile(join(PROJECT_ROOT, 'examples', 'topology.example.json'))],
  [
    'a topology with a custom rule and no us-east-1',
    () =>
      topologyWith((t) => {
        t.regions = ['eu-west-1', 'eu-central-1'];
        t.homeRegion = 'eu-west-1';
        t.events = { ...t.events, customRules: [{ name: 'ami-shared', pattern: { source: ['aws.ec2'], detail: { eventName: ['ModifyImageAttribute'] } } }] };
      }),
  ],
];

describe.each(topologies)('flow 2 alarms: %s', (_, load) => {
  const synth = synthesize(load());
  const security = synth.stack('security-events');
  const busName = security.resources('aws_cloudwatch_event_bus')[0][1].name;

  test('every rule on the central bus has an alarm on its FailedInvocations and InvocationsFailedToBeSentToDlq', () => {
    const rules = security.resources('aws_cloudwatch_event_rule').filter(([, r]) => r.event_bus_name !== undefined);
    expect(rules.length).toBeGreaterThan(0);
    for (const [, rule] of rules) {
      const dimensions = { EventBusName: busName, RuleName: rule.name };
      const [alarm] = alarmsOn(security, 'aws', 'FailedInvocations', dimensions);
      expect({ rule: rule.name, alarm: alarm?.alarm_name }).toEqual({ rule: rule.name, alarm: expect.any(String) });
      expect(alarmMetrics(alarm).map((m) => m.metricName)).toEqual(['FailedInvocations', 'InvocationsFailedToBeSentToDlq']);
      expect(alarm.metric_query.find((q: Body) => q.return_data === true).expression).toBe('FILL(m1, 0) + FILL(m2, 0)');
    }
  });

  test('every forwarding rule of every source region has an alarm in its own region', () => {
    const sources = flow2Stacks(synth).filter((s) => s.name.startsWith('source-'));
    const rules = sources.flatMap((stack) => stack.resources('aws_cloudwatch_event_rule').map(([, rule]) => ({ stack, rule })));
    expect(rules.length).toBe(load().regions.length * sources.length + (load().regions.includes('us-east-1') ? 0 : sources.length));
    for (const { stack, rule } of rules) {
      const found = alarmsOn(stack, providerOf(rule), 'FailedInvocations', { RuleName: rule.name });
      expect({ stack: stack.name, provider: providerOf(rule), alarms: found.length }).toEqual({ stack: stack.name, provider: providerOf(rule), alarms: 1 });
      expect(alarmMetrics(found[0]).map((m) => m.metricName)).toContain('InvocationsFailedToBeSentToDlq');
    }
  });

  test('every dead-letter queue of an EventBridge target has a depth alarm in its region', () => {
    let queues = 0;
    for (const stack of flow2Stacks(synth)) {
      for (const queue of deadLetterQueues(stack)) {
        queues++;
        const found = alarmsOn(stack, providerOf(queue), 'ApproximateNumberOfMessagesVisible', { QueueName: queue.name });
        expect({ queue: queue.name, stack: stack.name, alarms: found.length }).toEqual({ queue: queue.name, stack: stack.name, alarms: 1 });
      }
    }
    expect(queues).toBeGreaterThan(load().regions.length);
  });

  test('every alarm notifies, on ALARM and OK, a topic of its own stack and region; a quiet bus is not an alarm', () => {
    let alarms = 0;
    for (const stack of flow2Stacks(synth)) {
      const topics = new Map(stack.resources('aws_sns_topic').map(([id, t]) => [`\${aws_sns_topic.${id}.arn}`, t]));
      for (const [, alarm] of stack.resources('aws_cloudwatch_metric_alarm')) {
        alarms++;
        expect(alarm.alarm_actions).toHaveLength(1);
        expect(alarm.ok_actions).toEqual(alarm.alarm_actions);
        const topic = topics.get(alarm.alarm_actions[0]);
        expect({ alarm: alarm.alarm_name, topicProvider: topic && providerOf(topic) }).toEqual({ alarm: alarm.alarm_name, topicProvider: providerOf(alarm) });
        expect(alarm.treat_missing_data).toBe('notBreaching');
      }
    }
    expect(alarms).toBeGreaterThan(0);
  });

  test('every alarm topic admits exactly the alarms that notify it: aws:SourceAccount and aws:SourceArn on the topic and its key', () => {
    const checked: string[] = [];
    for (const stack of synth.byName.values()) {
      // An alarm of the default provider is in the stack's region (the IDR region for incident-response).
      const stackRegion: string = stack.json.provider.aws.find((p: Body) => !p.alias).region;
      const keys = new Map(stack.resources('aws_kms_key').map(([id, k]) => [`\${aws_kms_key.${id}.arn}`, k]));
      const topics = new Map(stack.resources('aws_sns_topic').map(([id, t]) => [`\${aws_sns_topic.${id}.arn}`, t]));
      for (const [, topicPolicy] of stack.resources('aws_sns_topic_policy')) {
        const publish = stack.policyDocument(topicPolicy.policy).statement.find((st: Body) => st.sid === 'CloudWatchAlarmsPublish');
        if (!publish) continue;
        const key = keys.get(topics.get(topicPolicy.arn)!.kms_master_key_id)!;
        const encrypt = stack.policyDocument(key.policy).statement.find((st: Body) => st.sid === 'CloudWatchAlarmsEncrypt');
        expect(encrypt.condition).toEqual(publish.condition);
        const account = publish.condition.find((c: Body) => c.variable === 'aws:SourceAccount').values;
        const patterns: string[] = publish.condition.find((c: Body) => c.test === 'ArnLike' && c.variable === 'aws:SourceArn').values;
        expect(account).toEqual([expect.stringMatching(/^\d{12}$/)]);
        const alarms = stack.resources('aws_cloudwatch_metric_alarm').map(([, a]) => a).filter((a) => a.alarm_actions.includes(topicPolicy.arn));
        expect(alarms.length).toBeGreaterThan(0);
        const alarmArn = (a: Body) => `arn:aws:cloudwatch:${/^aws\.(.+)$/.exec(providerOf(a))?.[1] ?? stackRegion}:${account[0]}:alarm:${a.alarm_name}`;
        const matches = (pattern: string, value: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
        // Every alarm that notifies the topic is admitted, and no pattern admits none of them.
        for (const a of alarms) expect({ alarm: alarmArn(a), admitted: patterns.some((p) => matches(p, alarmArn(a))) }).toEqual({ alarm: alarmArn(a), admitted: true });
        for (const p of patterns) expect({ pattern: p, used: alarms.some((a) => matches(p, alarmArn(a))) }).toEqual({ pattern: p, used: true });
        for (const p of patterns) expect(p).toMatch(/^arn:aws:cloudwatch:[a-z0-9-]+:\d{12}:alarm:[\w-]+-\*$/);
        checked.push(stack.name);
      }
    }
    // The flows' own topics: flow 1's log archive (the notification topic's deliveries) and forwarder, flow 2's central ops topic, flow 3's IDR alarms (the bus dead-letter queue).
    expect(checked).toEqual(expect.arrayContaining(['log-archive', 'observability', 'security-events', 'incident-response']));
  });

  test('every ops topic is encrypted with a key of its region', () => {
    const sources = flow2Stacks(synth).filter((s) => s.name.startsWith('source-'));
    for (const stack of sources) {
      const keys = new Map(stack.resources('aws_kms_key').map(([id, k]) => [`\${aws_kms_key.${id}.arn}`, k]));
      const topics = stack.resources('aws_sns_topic').map(([, t]) => t);
      expect(topics.map(providerOf).sort()).toEqual([...new Set(stack.resources('aws_cloudwatch_event_rule').map(([, r]) => providerOf(r)))].sort());
      for (const topic of topics) expect(providerOf(keys.get(topic.kms_master_key_id)!)).toBe(providerOf(topic));
    }
  });

  test('each description says what failed, where the events wait and for how long, and what to check first', () => {
    let described = 0;
    for (const stack of flow2Stacks(synth)) {
      // The responder's own alarms (stacks/constructs/responder.ts) are not these constructs'.
      const ours = stack.resources('aws_cloudwatch_metric_alarm').filter(([id]) => id.startsWith('alarms_') || id.startsWith('forwarding-alarms-'));
      for (const [, alarm] of ours) {
        described++;
        const text: string = alarm.alarm_description;
        expect(text.length).toBeLessThanOrEqual(1024);
        expect(text).toMatch(/First check: /);
        if (alarm.alarm_name.endsWith('throttled-rules')) continue;
        expect({ alarm: alarm.alarm_name, waits: /-dlq|-failures/.test(text), kept: /\d+ days/.test(text) }).toEqual({ alarm: alarm.alarm_name, waits: true, kept: true });
      }
    }
    expect(described).toBeGreaterThan(load().regions.length);
  });
});

/** The template a StackSet of the stack deploys, and the regions of its stack instances. */
function stackSetTemplates(stack: SynthesizedStack): { template: Body; regions: string[] }[] {
  const instances = stack.resources('aws_cloudformation_stack_instances').map(([, i]) => i);
  return stack.resources('aws_cloudformation_stack_set').map(([, set], i) => ({
    // The body is written for Terraform, with its literal escapes ($${, %%{) for CloudFormation's own.
    template: JSON.parse(String(set.template_body).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')),
    regions: instances[i].regions,
  }));
}

/** The metrics of a template alarm, as alarmMetrics gives them for Terraform. */
function templateAlarmMetrics(alarm: Body): { metricName: string; dimensions: Record<string, string> }[] {
  const dimensions = (ds: Body[] | undefined) => Object.fromEntries((ds ?? []).map((d) => [d.Name, d.Value]));
  if (alarm.MetricName) return [{ metricName: alarm.MetricName, dimensions: dimensions(alarm.Dimensions) }];
  return alarm.Metrics.filter((m: Body) => m.MetricStat).map((m: Body) => ({ metricName: m.MetricStat.Metric.MetricName, dimensions: dimensions(m.MetricStat.Metric.Dimensions) }));
}

describe('flow 2 alarms: the StackSet modes (self-managed per source, service-managed for the OUs)', () => {
  const topology = topologyWith((t) => {
    t.organization = { id: 'o-a1b2c3d4e5' };
    t.accounts[1].source = { ...t.accounts[1].source!, forwardingDeployment: 'stackset' };
    t.organizationForwarding = { organizationalUnits: [{ id: 'ou-ab12-cd34ef56' }] };
    t.regions = ['eu-west-1', 'eu-central-1'];
    t.homeRegion = 'eu-west-1';
  });
  const synth = synthesize(topology);
  const withStackSets = [...synth.byName.values()].filter((st) => st.resources('aws_cloudformation_stack_set').length > 0);

  test('every forwarding rule of every stack instance region has both alarms there, notifying its own region\'s topic', () => {
    expect(withStackSets.map((st) => st.name).sort()).toEqual(['organization-forwarding', 'source-prod']);
    let covered = 0;
    for (const stack of withStackSets) {
      for (const { template, regions } of stackSetTemplates(stack)) {
        const resources = template.Resources as Record<string, Body>;
        const globalOnly = template.Conditions?.ForwardsGlobalEventsOnly?.['Fn::Equals']?.[1];
        for (const region of regions) {
          const prefix = region === globalOnly ? 'GlobalEvents' : '';
          const rule = resources[`${prefix}ForwardingRule`];
          const queue = resources[`${prefix}DeadLetterQueue`].Properties.QueueName;
          const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Condition === rule.Condition).map((r) => r.Properties);
          const on = (metricName: string, dimensions: Record<string, string>) => alarms.filter((a) => templateAlarmMetrics(a).some((m) => m.metricName === metricName && JSON.stringify(m.dimensions) === JSON.stringify(dimensions)));
          const where = { stack: stack.name, region };
          expect({ ...where, failed: on('FailedInvocations', { RuleName: rule.Properties.Name }).length, dlq: on('ApproximateNumberOfMessagesVisible', { QueueName: queue }).length }).toEqual({ ...where, failed: 1, dlq: 1 });
          expect(templateAlarmMetrics(on('FailedInvocations', { RuleName: rule.Properties.Name })[0]).map((m) => m.metricName)).toContain('InvocationsFailedToBeSentToDlq');
          for (const a of alarms) {
            const topic = resources[a.AlarmActions[0].Ref];
            expect({ ...where, topic: topic?.Type, condition: topic?.Condition, ok: a.OKActions, missing: a.TreatMissingData }).toEqual({ ...where, topic: 'AWS::SNS::Topic', condition: rule.Condition, ok: a.AlarmActions, missing: 'notBreaching' });
          }
          covered++;
        }
      }
    }
    // Each StackSet reaches every region and us-east-1 for the global services' events.
    expect(covered).toBe(2 * (topology.regions.length + 1));
  });

  test('a stackset-mode source has no Terraform alarm or topic of its own (no regional provider): its template carries them', () => {
    const source = synth.stack('source-prod');
    expect(source.json.provider.aws).toHaveLength(1);
    expect(source.resources('aws_cloudwatch_metric_alarm')).toEqual([]);
    expect(source.resources('aws_sns_topic')).toEqual([]);
    expect(synth.stack('source-test').resources('aws_cloudwatch_metric_alarm').length).toBe(2 * (topology.regions.length + 1));
  });
});

describe('flow 2 alarms: where they notify', () => {
  test('events.opsEmails subscribe the central topic and every regional topic', () => {
    const synth = synthesize(topologyWith((t) => (t.events = { ...t.events, opsEmails: ['cloudops@example.com', 'oncall@example.com'] })));
    for (const stack of flow2Stacks(synth)) {
      const topics = stack.resources('aws_sns_topic').filter(([id]) => id.includes('ops-topic'));
      const subscriptions = stack.resources('aws_sns_topic_subscription').filter(([id]) => id.includes('ops-topic'));
      expect(topics.length).toBeGreaterThan(0);
      expect(subscriptions.map(([, s]) => s.endpoint)).toEqual(topics.flatMap(() => ['cloudops@example.com', 'oncall@example.com']));
    }
  });

  test('events.opsTopicArn replaces the central topic; the source regions keep theirs', () => {
    const arn = 'arn:aws:sns:us-east-1:333333333333:secops-pager';
    const synth = synthesize(topologyWith((t) => (t.events = { ...t.events, opsTopicArn: arn })));
    const security = synth.stack('security-events');
    expect(security.resources('aws_sns_topic').filter(([id]) => id.startsWith('ops-topic'))).toEqual([]);
    const actions = new Set(security.resources('aws_cloudwatch_metric_alarm').map(([, a]) => a.alarm_actions[0]));
    expect([...actions]).toEqual([arn]);
    expect(synth.stack('source-test').resources('aws_sns_topic').length).toBeGreaterThan(0);
  });

  test('an address listed twice in events.opsEmails, and an ARN that is not a topic, are refused with the fix', () => {
    expect(() => topologyWith((t) => (t.events = { ...t.events, opsEmails: ['a@example.com', 'b@example.com', 'a@example.com'] })))
      .toThrow(/events\.opsEmails\[2\].*"a@example\.com" is already opsEmails\[0\]; list each address once/);
    expect(() => topologyWith((t) => (t.events = { ...t.events, opsTopicArn: 'arn:aws:sqs:us-east-1:333333333333:q' }))).toThrow(/events\.opsTopicArn.*is not an SNS topic ARN; write it as arn:aws:sns:/);
  });
});

/** The names the forwarder passes to metrics.add, read from its source. */
function forwarderMetricNames(): Set<string> {
  const dir = join(PROJECT_ROOT, 'functions', 'forwarder');
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/metrics\.add\(\s*'(\w+)'/g)) names.add(match[1]);
  }
  return names;
}

describe.each(topologies)('dashboards: %s', (_, load) => {
  const synth = synthesize(load());
  const dashboards = [...synth.byName.values()].flatMap((stack) => stack.resources('aws_cloudwatch_dashboard').map(([, d]) => ({ stack, d })));

  test('the security and observability accounts have one dashboard each', () => {
    expect(dashboards.map(({ stack }) => stack.name).sort()).toEqual(['observability', 'security-events']);
  });

  test('every metric of a dashboard belongs to a resource of the same stack, or is one the forwarder emits', () => {
    const emitted = forwarderMetricNames();
    expect(emitted.size).toBeGreaterThan(10);
    let checked = 0;
    for (const { stack, d } of dashboards) {
      const names = (type: string, attribute: string) => new Set(stack.resources(type).map(([, r]) => r[attribute]));
      const rules = names('aws_cloudwatch_event_rule', 'name');
      for (const archive of names('aws_cloudwatch_event_archive', 'name')) rules.add(archiveRuleName(archive));
      const known: Record<string, Set<string>> = {
        EventBusName: names('aws_cloudwatch_event_bus', 'name'),
        RuleName: rules,
        QueueName: names('aws_sqs_queue', 'name'),
        FunctionName: names('aws_lambda_function', 'function_name'),
      };
      for (const metric of bodyMetrics(d.dashboard_body)) {
        checked++;
        if (metric.namespace === FORWARDER_METRICS_NAMESPACE) {
          expect({ metric: metric.metricName, emitted: emitted.has(metric.metricName) }).toEqual({ metric: metric.metricName, emitted: true });
          expect(metric.dimensions).toEqual(FORWARDER_METRICS_DIMENSIONS);
          continue;
        }
        expect(['AWS/Events', 'AWS/SQS', 'AWS/Lambda']).toContain(metric.namespace);
        for (const [dimension, value] of Object.entries(metric.dimensions)) {
          expect({ widget: metric.widget, dimension, value, exists: known[dimension]?.has(value) ?? false }).toEqual({ widget: metric.widget, dimension, value, exists: true });
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  test('the per-rule graphs list exactly the rules of the central bus', () => {
    const security = synth.stack('security-events');
    const { d } = dashboards.find(({ stack }) => stack.name === 'security-events')!;
    const onBus = security.resources('aws_cloudwatch_event_rule').filter(([, r]) => r.event_bus_name !== undefined).map(([, r]) => r.name).sort();
    const matched = bodyMetrics(d.dashboard_body).filter((m) => m.widget === 'Events matched, by rule').map((m) => m.dimensions.RuleName).sort();
    expect(matched).toEqual(onBus);
  });

  test('the forwarder runs with the namespace the dashboard reads', () => {
    const observability = synth.stack('observability');
    const [, fn] = observability.resources('aws_lambda_function').find(([, f]) => f.environment?.variables?.DT_ENV_URL)!;
    const env = { ...fn.environment.variables, DT_ENV_URL: 'https://abc12345.live.dynatrace.com', FAILURE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q' };
    expect(loadForwarderEnv(env).metricsNamespace).toBe(FORWARDER_METRICS_NAMESPACE);
  });

  test('a second synth writes the same dashboard bodies', () => {
    const again = synthesize(load());
    for (const { stack, d } of dashboards) {
      const [, twin] = again.stack(stack.name).resources('aws_cloudwatch_dashboard')[0];
      expect(twin.dashboard_body).toBe(d.dashboard_body);
    }
  });
});

describe('email subscriptions: named by address', () => {
  const subscriptionsOf = (opsEmails: string[], alertEmails: string[]) => {
    const synth = synthesize(topologyWith((t) => (t.events = { ...t.events, opsEmails, alertEmails })));
    return synth.stack('security-events');
  };

  test('taking the first address off keeps the others\' subscriptions (their Terraform addresses)', () => {
    const before = subscriptionsOf(['cloudops@example.com', 'oncall@example.com'], ['secops@example.com']);
    const after = subscriptionsOf(['oncall@example.com'], ['secops@example.com']);
    const byEndpoint = (stack: SynthesizedStack) => new Map(stack.resources('aws_sns_topic_subscription').map(([id, s]) => [s.endpoint, id]));
    expect(before.resources('aws_sns_topic_subscription')).toHaveLength(3);
    expect(byEndpoint(after).get('oncall@example.com')).toBe(byEndpoint(before).get('oncall@example.com'));
    expect(byEndpoint(after).get('secops@example.com')).toBe(byEndpoint(before).get('secops@example.com'));
    expect(after.resources('aws_sns_topic_subscription')).toHaveLength(2);
  });

  test('a moved block takes each subscription of the former naming by position over', () => {
    const stack = subscriptionsOf(['cloudops@example.com', 'oncall@example.com'], ['secops@example.com']);
    const id = (endpoint: string) => stack.resources('aws_sns_topic_subscription').find(([, s]) => s.endpoint === endpoint)![0];
    // The addresses the previous release gave them (its synth of this topology), as deployed states hold them.
    expect(stack.json.moved).toEqual(
      expect.arrayContaining([
        { from: 'aws_sns_topic_subscription.ops-topic_email-0_451C5C7E', to: `aws_sns_topic_subscription.${id('cloudops@example.com')}` },
        { from: 'aws_sns_topic_subscription.ops-topic_email-1_34A80F4E', to: `aws_sns_topic_subscription.${id('oncall@example.com')}` },
        { from: 'aws_sns_topic_subscription.rules_alerts-email-0_F1B227A9', to: `aws_sns_topic_subscription.${id('secops@example.com')}` },
      ]),
    );
    expect(stack.json.moved).toHaveLength(3);
  });

  test('an address listed twice in events.alertEmails is refused with the fix', () => {
    expect(() => topologyWith((t) => (t.events = { ...t.events, alertEmails: ['a@example.com', 'a@example.com'] }))).toThrow(
      /events\.alertEmails\[1\].*"a@example\.com" is already alertEmails\[0\]; list each address once/,
    );
  });
});
