import { TopologyInput } from '../../config/schema';
import { SynthesizedStack, Synthesized, synthesize, topologyWith } from '../support/synth';

/**
 * One definition, three renderings: the per-account Terraform (providers), the self-managed
 * StackSet of a source account and the organization's service-managed StackSet must forward the
 * same events alike. Each rendering is reduced to the same canonical form, with the values only
 * a deployment knows (account id, queue and rule ARNs) replaced by placeholders.
 */

type Canonical = { pattern: unknown; state: string; retry: unknown; deadLetterPolicy: unknown };
type Statement = { sid?: string; effect: string; actions?: string[]; notActions?: string[]; resources?: string[]; principals?: unknown[]; conditions?: unknown[] };

const ACCOUNTS = { providers: '111111111111', stackset: '222222222222' };

function organizationTopology(edit: (t: TopologyInput) => void = () => undefined) {
  return topologyWith((t) => {
    t.organization = { id: 'o-a1b2c3d4e5' };
    t.accounts[1].source = { ...t.accounts[1].source!, forwardingDeployment: 'stackset' };
    t.organizationForwarding = { organizationalUnits: [{ id: 'ou-ab12-cd34ef56' }] };
    t.responses = { 'block-public-bucket': { mode: 'enforce' }, 'require-mfa-for-new-users': { mode: 'enforce' } };
    edit(t);
  });
}

/** Placeholders for what differs by deployment, in Terraform's and CloudFormation's spellings. */
function placeholders(value: unknown): unknown {
  if (typeof value === 'string') {
    let s = value
      .replace(/^\$\{aws_sqs_queue\.[\w-]+\.arn\}$/, 'QUEUE_ARN')
      .replace(/^\$\{aws_cloudwatch_event_rule\.[\w-]+\.arn\}$/, 'RULE_ARN')
      .replace(/&\{/g, '${')
      // An ops topic admits the alarms of its own region: a provider's region, or the stack instance's.
      .replace(/^(arn:aws:cloudwatch:)(\$\{AWS::Region\}|[a-z]{2}(-[a-z]+)+-\d)(:)/, '$1REGION$4');
    for (const id of Object.values(ACCOUNTS)) s = s.split(id).join('ACCOUNT');
    return s.split('${AWS::AccountId}').join('ACCOUNT');
  }
  if (Array.isArray(value)) return value.map(placeholders);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.Ref === 'AWS::AccountId') return 'ACCOUNT';
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [id] = o['Fn::GetAtt'] as string[];
      return id.endsWith('DeadLetterQueue') ? 'QUEUE_ARN' : id.endsWith('ForwardingRule') ? 'RULE_ARN' : `GETATT_${id}`;
    }
    if (typeof o['Fn::Sub'] === 'string') return placeholders(o['Fn::Sub']);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, placeholders(v)]));
  }
  return value;
}

function fromTerraform(doc: Record<string, any>): Statement[] {
  return (doc.statement as any[]).map((s) => ({
    sid: s.sid,
    effect: s.effect,
    actions: s.actions,
    notActions: s.not_actions,
    resources: s.resources,
    principals: s.principals?.map((p: any) => ({ type: p.type, identifiers: p.identifiers })),
    conditions: s.condition?.map((c: any) => ({ test: c.test, variable: c.variable, values: c.values })),
  })).map((s) => placeholders(JSON.parse(JSON.stringify(s))) as Statement);
}

function fromCloudFormation(doc: Record<string, any>): Statement[] {
  return (doc.Statement as any[]).map((s) => {
    const principal = s.Principal === '*' ? [{ type: '*', identifiers: ['*'] }] : s.Principal && Object.entries(s.Principal).map(([type, identifiers]) => ({ type, identifiers }));
    const conditions = s.Condition && Object.entries(s.Condition as Record<string, Record<string, unknown>>).flatMap(([test, block]) => Object.entries(block).map(([variable, values]) => ({ test, variable, values })));
    return placeholders(JSON.parse(JSON.stringify({ sid: s.Sid, effect: s.Effect, actions: s.Action, notActions: s.NotAction, resources: s.Resource, principals: principal, conditions }))) as Statement;
  });
}

/** providers mode: each region's rule, target and dead-letter queue policy, from the Terraform. */
function terraformRules(stack: SynthesizedStack, homeRegion: string): Map<string, Canonical> {
  const out = new Map<string, Canonical>();
  for (const [ruleId, rule] of stack.resources('aws_cloudwatch_event_rule')) {
    const region = /^aws\.(.+)$/.exec(String(rule.provider ?? 'aws'))?.[1] ?? homeRegion;
    const [[, target]] = stack.resources('aws_cloudwatch_event_target').filter(([, t]) => t.rule === `\${aws_cloudwatch_event_rule.${ruleId}.name}`);
    const queueId = /aws_sqs_queue\.([\w-]+)\.arn/.exec(target.dead_letter_config.arn)![1];
    const [[, queuePolicy]] = stack.resources('aws_sqs_queue_policy').filter(([, p]) => p.queue_url === `\${aws_sqs_queue.${queueId}.url}`);
    out.set(region, {
      pattern: JSON.parse(rule.event_pattern),
      state: rule.state,
      retry: { attempts: target.retry_policy.maximum_retry_attempts, age: target.retry_policy.maximum_event_age_in_seconds },
      deadLetterPolicy: fromTerraform(stack.policyDocument(queuePolicy.policy)),
    });
  }
  return out;
}

/** A StackSet mode: the rule of each region, as the template's conditions give it to the region. */
function templateRules(template: Record<string, any>, regions: readonly string[]): Map<string, Canonical> {
  const resources = template.Resources as Record<string, any>;
  const globalOnly = template.Conditions?.ForwardsGlobalEventsOnly?.['Fn::Equals']?.[1];
  const out = new Map<string, Canonical>();
  for (const region of regions) {
    const prefix = region === globalOnly ? 'GlobalEvents' : '';
    const rule = resources[`${prefix}ForwardingRule`].Properties;
    const [target] = rule.Targets;
    out.set(region, {
      pattern: rule.EventPattern,
      state: rule.State,
      retry: { attempts: target.RetryPolicy.MaximumRetryAttempts, age: target.RetryPolicy.MaximumEventAgeInSeconds },
      deadLetterPolicy: fromCloudFormation(resources[`${prefix}DeadLetterQueuePolicy`].Properties.PolicyDocument),
    });
  }
  return out;
}

type CanonicalAlarm = {
  name: string;
  description: string;
  metrics: { id: string; namespace: string; metricName: string; dimensions: Record<string, string>; stat: string; period: number; returnData: boolean }[];
  expression?: string;
  threshold: number;
  comparison: string;
  evaluationPeriods: number;
  treatMissingData: string;
  alarmActions: string[];
  okActions: string[];
};

/** A description without its "<account> <region>:" lead, the one part that names the deployment. */
const withoutWhere = (description: unknown) => String(placeholders(description)).replace(/^[\w-]+ (\$\{AWS::Region\}|[a-z]{2}(-[a-z]+)+-\d): /, '');

/** providers mode: each region's alarms by name, with actions that name a topic of the alarm's own region as REGIONAL_TOPIC. */
function terraformAlarms(stack: SynthesizedStack, homeRegion: string): Map<string, CanonicalAlarm[]> {
  const regionOf = (body: any) => /^aws\.(.+)$/.exec(String(body.provider ?? 'aws'))?.[1] ?? homeRegion;
  const topics = new Map(stack.resources('aws_sns_topic').map(([id, t]) => [`\${aws_sns_topic.${id}.arn}`, regionOf(t)]));
  const action = (alarm: any) => (arn: string) => (topics.get(arn) === regionOf(alarm) ? 'REGIONAL_TOPIC' : `OTHER ${arn}`);
  const out = new Map<string, CanonicalAlarm[]>();
  for (const [, a] of stack.resources('aws_cloudwatch_metric_alarm')) {
    const metrics = a.metric_name
      ? [{ id: 'single', namespace: a.namespace, metricName: a.metric_name, dimensions: a.dimensions ?? {}, stat: a.statistic, period: a.period, returnData: true }]
      : a.metric_query.filter((q: any) => q.metric).map((q: any) => ({ id: q.id, namespace: q.metric.namespace, metricName: q.metric.metric_name, dimensions: q.metric.dimensions ?? {}, stat: q.metric.stat, period: q.metric.period, returnData: q.return_data }));
    const expression = a.metric_query?.find((q: any) => q.expression)?.expression;
    const alarm: CanonicalAlarm = {
      name: a.alarm_name,
      description: withoutWhere(a.alarm_description),
      metrics,
      ...(expression ? { expression } : {}),
      threshold: a.threshold,
      comparison: a.comparison_operator,
      evaluationPeriods: a.evaluation_periods,
      treatMissingData: a.treat_missing_data,
      alarmActions: a.alarm_actions.map(action(a)),
      okActions: a.ok_actions.map(action(a)),
    };
    out.set(regionOf(a), [...(out.get(regionOf(a)) ?? []), alarm].sort((x, y) => x.name.localeCompare(y.name)));
  }
  return out;
}

/** A StackSet mode: the alarms a region gets (those of its rule's condition), actions on a topic of the same condition as REGIONAL_TOPIC. */
function templateAlarms(template: Record<string, any>, regions: readonly string[]): Map<string, CanonicalAlarm[]> {
  const resources = template.Resources as Record<string, any>;
  const globalOnly = template.Conditions?.ForwardsGlobalEventsOnly?.['Fn::Equals']?.[1];
  const dimensions = (ds: any[] | undefined) => Object.fromEntries((ds ?? []).map((d) => [d.Name, d.Value]));
  const out = new Map<string, CanonicalAlarm[]>();
  for (const region of regions) {
    const condition = resources[`${region === globalOnly ? 'GlobalEvents' : ''}ForwardingRule`].Condition;
    const action = (ref: any) => (resources[ref.Ref]?.Type === 'AWS::SNS::Topic' && resources[ref.Ref].Condition === condition ? 'REGIONAL_TOPIC' : `OTHER ${JSON.stringify(ref)}`);
    const alarms = Object.values<any>(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Condition === condition)
      .map(({ Properties: a }): CanonicalAlarm => {
        const metrics = a.MetricName
          ? [{ id: 'single', namespace: a.Namespace, metricName: a.MetricName, dimensions: dimensions(a.Dimensions), stat: a.Statistic, period: a.Period, returnData: true }]
          : a.Metrics.filter((m: any) => m.MetricStat).map((m: any) => ({ id: m.Id, namespace: m.MetricStat.Metric.Namespace, metricName: m.MetricStat.Metric.MetricName, dimensions: dimensions(m.MetricStat.Metric.Dimensions), stat: m.MetricStat.Stat, period: m.MetricStat.Period, returnData: m.ReturnData }));
        const expression = a.Metrics?.find((m: any) => m.Expression)?.Expression;
        return {
          name: a.AlarmName,
          description: withoutWhere(a.AlarmDescription),
          metrics,
          ...(expression ? { expression } : {}),
          threshold: a.Threshold,
          comparison: a.ComparisonOperator,
          evaluationPeriods: a.EvaluationPeriods,
          treatMissingData: a.TreatMissingData,
          alarmActions: a.AlarmActions.map(action),
          okActions: a.OKActions.map(action),
        };
      });
    out.set(region, alarms.sort((x, y) => x.name.localeCompare(y.name)));
  }
  return out;
}

function stackSetTemplate(stack: SynthesizedStack): { template: Record<string, any>; regions: string[] } {
  const [[, stackSet]] = stack.resources('aws_cloudformation_stack_set');
  const instances = stack.resources('aws_cloudformation_stack_instances');
  expect(instances.length).toBeGreaterThan(0);
  // The body is written for Terraform, with its literal escapes ($${, %%{) for CloudFormation's own.
  const body = String(stackSet.template_body).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  return { template: JSON.parse(body), regions: instances[0][1].regions };
}

function terraformRole(stack: SynthesizedStack, name: string, policyName: string) {
  const [[roleId, role]] = stack.resources('aws_iam_role').filter(([, r]) => r.name === name);
  const [[, policy]] = stack.resources('aws_iam_role_policy').filter(([, p]) => p.role === `\${aws_iam_role.${roleId}.id}` && p.name === policyName);
  return { trust: fromTerraform(stack.policyDocument(role.assume_role_policy)), policy: fromTerraform(stack.policyDocument(policy.policy)) };
}

function templateRole(template: Record<string, any>, logicalId: string, policyName: string) {
  const role = template.Resources[logicalId];
  expect(role.Condition).toBe('IsGlobalResourceRegion');
  const policy = role.Properties.Policies.find((p: any) => p.PolicyName === policyName);
  return { trust: fromCloudFormation(role.Properties.AssumeRolePolicyDocument), policy: fromCloudFormation(policy.PolicyDocument) };
}

describe.each([
  ['us-east-1 enabled', (t: TopologyInput) => t],
  [
    'us-east-1 not enabled (the global-events rule)',
    (t: TopologyInput) => {
      t.regions = ['eu-west-1', 'eu-central-1'];
      t.homeRegion = 'eu-west-1';
    },
  ],
])('every mode forwards alike: %s', (_, edit) => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(organizationTopology(edit));
  });

  test('same patterns, states, retry policies and dead-letter queue policies in every region', () => {
    const providers = terraformRules(synth.stack('source-test'), synth.stacks.sources[0].topology.homeRegion);
    const self = stackSetTemplate(synth.stack('source-prod'));
    const org = stackSetTemplate(synth.stack('organization-forwarding'));
    expect(providers.size).toBeGreaterThanOrEqual(3);
    expect([...self.regions].sort()).toEqual([...providers.keys()].sort());
    expect([...org.regions].sort()).toEqual([...providers.keys()].sort());
    expect(Object.fromEntries(templateRules(self.template, self.regions))).toEqual(Object.fromEntries(providers));
    expect(Object.fromEntries(templateRules(org.template, org.regions))).toEqual(Object.fromEntries(providers));
  });

  test('same alarms in every region: metrics, threshold, missing data, and actions on the regional topic', () => {
    const providers = terraformAlarms(synth.stack('source-test'), synth.stacks.sources[0].topology.homeRegion);
    const self = stackSetTemplate(synth.stack('source-prod'));
    const org = stackSetTemplate(synth.stack('organization-forwarding'));
    expect([...providers.keys()].sort()).toEqual([...self.regions].sort());
    for (const alarms of providers.values()) {
      expect(alarms.map((a) => a.name)).toEqual(['trailbridge-events-to-central-dlq-depth', 'trailbridge-events-to-central-failed-deliveries']);
      expect(alarms.every((a) => a.alarmActions[0] === 'REGIONAL_TOPIC' && a.treatMissingData === 'notBreaching')).toBe(true);
    }
    expect(Object.fromEntries(templateAlarms(self.template, self.regions))).toEqual(Object.fromEntries(providers));
    expect(Object.fromEntries(templateAlarms(org.template, org.regions))).toEqual(Object.fromEntries(providers));
  });

  test('each region\'s ops topic: the same key and topic policies in every mode, and the execution role may create its alarms', () => {
    const source = synth.stack('source-test');
    const [[, key]] = source.resources('aws_kms_key');
    const [[, topicPolicy]] = source.resources('aws_sns_topic_policy');
    const keyPolicy = fromTerraform(source.policyDocument(key.policy));
    const topic = fromTerraform(source.policyDocument(topicPolicy.policy)).map((st) => ({ ...st, resources: st.resources?.map(() => 'TOPIC_ARN') }));
    expect(keyPolicy.find((st) => st.sid === 'CloudWatchAlarmsEncrypt')?.conditions).toEqual([
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['ACCOUNT'] },
      { test: 'ArnLike', variable: 'aws:SourceArn', values: ['arn:aws:cloudwatch:REGION:ACCOUNT:alarm:trailbridge-events-to-central-*'] },
    ]);
    const names = new Set<string>();
    for (const { template } of [stackSetTemplate(synth.stack('source-prod')), stackSetTemplate(synth.stack('organization-forwarding'))]) {
      const resources = Object.values<any>(template.Resources);
      const keys = resources.filter((r) => r.Type === 'AWS::KMS::Key');
      expect(keys.length).toBe(resources.filter((r) => r.Type === 'AWS::Events::Rule').length);
      for (const k of keys) expect({ rotation: k.Properties.EnableKeyRotation, policy: fromCloudFormation(k.Properties.KeyPolicy) }).toEqual({ rotation: true, policy: keyPolicy });
      for (const p of resources.filter((r) => r.Type === 'AWS::SNS::TopicPolicy')) {
        expect(fromCloudFormation(p.Properties.PolicyDocument).map((st) => ({ ...st, resources: st.resources?.map(() => 'TOPIC_ARN') }))).toEqual(topic);
      }
      for (const a of resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm')) names.add(a.Properties.AlarmName);
    }
    const [[, policy]] = synth.stack('source-prod').resources('aws_iam_role_policy').filter(([, p]) => p.name === 'regional-forwarding-resources');
    const allowed = synth.stack('source-prod').policyDocument(policy.policy).statement.find((st: any) => st.sid === 'ForwardingAlarms').resources;
    expect([...names].map((n) => `arn:aws:cloudwatch:*:222222222222:alarm:${n}`).sort()).toEqual([...allowed].sort());
  });

  test('same forwarding role: trust and permissions', () => {
    const providers = terraformRole(synth.stack('source-test'), 'trailbridge-events-to-central', 'put-events-on-central-bus');
    expect(providers.trust[0].conditions).toEqual([
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['ACCOUNT'] },
      { test: 'ArnLike', variable: 'aws:SourceArn', values: ['arn:aws:events:*:ACCOUNT:rule/trailbridge-api-calls-to-central'] },
    ]);
    expect(terraformRole(synth.stack('source-prod'), 'trailbridge-events-to-central', 'put-events-on-central-bus')).toEqual(providers);
    expect(templateRole(stackSetTemplate(synth.stack('organization-forwarding')).template, 'ForwardingRole', 'put-events-on-central-bus')).toEqual(providers);
  });

  test('the responder role and MFA policy travel with the organization template, unchanged', () => {
    const source = synth.stack('source-test');
    const providers = terraformRole(source, 'trailbridge-responder', 'enabled-responses');
    const { template } = stackSetTemplate(synth.stack('organization-forwarding'));
    expect(templateRole(template, 'ResponderRole', 'enabled-responses')).toEqual(providers);
    const [[, mfa]] = source.resources('aws_iam_policy');
    expect(template.Resources.MfaPolicy.Condition).toBe('IsGlobalResourceRegion');
    expect(fromCloudFormation(template.Resources.MfaPolicy.Properties.PolicyDocument)).toEqual(fromTerraform(source.policyDocument(mfa.policy)));
  });
});
