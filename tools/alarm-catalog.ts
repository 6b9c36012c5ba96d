import { join } from 'node:path';
import { Testing } from 'cdktf';
import { parseTopology } from '../config/load';
import { Naming } from '../config/naming';
import { PROJECT_ROOT } from '../config/paths';
import { Topology, TopologyInput } from '../config/schema';
import { buildStacks } from '../stacks/app';
import { centralAlarmSpecs } from '../stacks/constructs/central-bus-alarms';
import { centralAlarmInput } from '../stacks/security-events-stack';
import { withoutCreationStacks } from './lib/creation-stacks';
import { table } from './review/markdown';

/**
 * The catalog of every alarm a topology creates, read from the synthesized stacks (not from the
 * specs, so an alarm any construct adds is in it): docs/monitoring.md is written from it by
 * `npm run docs:monitoring`, and a test holds the committed text to the synth.
 */

export const ALARMS_DOC = join(PROJECT_ROOT, 'docs', 'monitoring.md');
export const ALARMS_BEGIN_MARKER = '<!-- alarms:begin (npm run docs:monitoring writes this) -->';
export const ALARMS_END_MARKER = '<!-- alarms:end -->';

type Body = Record<string, any>;

/** The heading of each stack with alarms, in the order of the flows; a stack not here is an error. */
const STACK_GROUPS: readonly { readonly stackPattern: string; readonly title: string; readonly doc: string }[] = [
  { stackPattern: 'log-archive', title: 'flow 1, the trail buckets and their topic (log-archive account)', doc: 'flow-1-archive.md' },
  { stackPattern: 'observability', title: 'flow 1, the forwarder (observability account)', doc: 'flow-1-forwarder.md' },
  { stackPattern: 'security-events', title: 'flow 2, the central bus, its rules and the responses (security account)', doc: 'flow-2-events.md#watching-it' },
  {
    stackPattern: 'source-<account>',
    title: 'flow 2, the forwarding of each source account to the central bus, in Terraform (the StackSet templates carry the same alarms: see the last table)',
    doc: 'flow-2-events.md#source-side-source-name',
  },
  { stackPattern: 'incident-response', title: 'flow 3, the Dynatrace problem bus (incident-response account)', doc: 'flow-3-incident-response.md' },
];

/** One row: an alarm, or the alarms of one pattern (per rule, per account and region). */
export interface CatalogRow {
  readonly alarm: string;
  readonly where: string;
  readonly metric: string;
  readonly threshold: string;
  readonly missingData: string;
  readonly notifies: string;
  readonly firstCheck: string;
}

export interface CatalogGroup {
  readonly stackPattern: string;
  readonly title: string;
  readonly doc: string;
  readonly rows: readonly CatalogRow[];
}

/** What the description says to check first: the text after "First check:", else the whole, without its "See docs/..." pointer. */
export function firstCheck(description: string): string {
  const withoutSee = description.replace(/\s*See docs\/\S+\s*$/, '').trim();
  const at = withoutSee.indexOf('First check:');
  return at < 0 ? withoutSee : withoutSee.slice(at + 'First check:'.length).trim();
}

function seconds(value: number): string {
  if (value % 86400 === 0) return `${value / 86400} day${value === 86400 ? '' : 's'}`;
  if (value % 3600 === 0) return `${value / 3600} h`;
  if (value % 60 === 0) return `${value / 60} min`;
  return `${value} s`;
}

const OPERATORS: Readonly<Record<string, string>> = {
  GreaterThanOrEqualToThreshold: '>=',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

interface Metric {
  readonly namespace: string;
  readonly metricName: string;
  readonly statistic: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly period: number;
}

function metricsOf(alarm: Body): Metric[] {
  if (alarm.metric_name) {
    return [{ namespace: alarm.namespace, metricName: alarm.metric_name, statistic: alarm.statistic ?? alarm.extended_statistic, dimensions: alarm.dimensions ?? {}, period: alarm.period }];
  }
  return (alarm.metric_query ?? [])
    .filter((q: Body) => q.metric)
    .map((q: Body) => ({ namespace: q.metric.namespace, metricName: q.metric.metric_name, statistic: q.metric.stat, dimensions: q.metric.dimensions ?? {}, period: q.metric.period }));
}

class Patterns {
  constructor(private readonly topology: Topology) {}

  /** The topology's name as `<name>` where a physical name starts with it. */
  name(value: string): string {
    const prefix = `${this.topology.name}-`;
    return value.startsWith(prefix) ? `<name>-${value.slice(prefix.length)}` : value;
  }
}

function metricText(metrics: readonly Metric[], patterns: Patterns, perRule: boolean): string {
  const texts = metrics.map((m) => {
    // In code spans: a bare <name> would be read as an HTML tag and not shown.
    const dimensions = Object.entries(m.dimensions).map(([k, v]) => `\`${k}=${k === 'RuleName' && perRule ? '<name>-<rule>' : patterns.name(String(v))}\``);
    return `${m.namespace} \`${m.metricName}\` (${[m.statistic, ...dimensions].join('; ')})`;
  });
  return texts.join(' + ') + (metrics.length > 1 ? ', summed with gaps as 0' : '');
}

function thresholdText(alarm: Body, metrics: readonly Metric[]): string {
  const period = metrics[0].period;
  const operator = OPERATORS[alarm.comparison_operator] ?? alarm.comparison_operator;
  const threshold = metrics.every((m) => m.metricName === 'ApproximateAgeOfOldestMessage') ? seconds(alarm.threshold) : String(alarm.threshold);
  const evaluations = Number(alarm.evaluation_periods);
  const datapoints = Number(alarm.datapoints_to_alarm ?? evaluations);
  if (evaluations === 1) return `${operator} ${threshold} in ${seconds(period)}`;
  if (datapoints === evaluations) return `${operator} ${threshold} in each of ${evaluations} periods of ${seconds(period)} (${seconds(period * evaluations)})`;
  return `${operator} ${threshold} in ${datapoints} of ${evaluations} periods of ${seconds(period)}`;
}

function topicsText(stack: Body, alarm: Body, patterns: Patterns): string {
  const actions: string[] = [...(alarm.alarm_actions ?? [])];
  const names = actions.map((action) => {
    const ref = /^\$\{aws_sns_topic\.([\w-]+)\.arn\}$/.exec(action);
    const name = ref ? stack.resource?.aws_sns_topic?.[ref[1]]?.name : undefined;
    return `\`${patterns.name(String(name ?? action))}\``;
  });
  const ok = (alarm.ok_actions ?? []).length > 0 && JSON.stringify(alarm.ok_actions) === JSON.stringify(alarm.alarm_actions) ? ' (ALARM and OK)' : ' (ALARM)';
  return names.length === 0 ? 'nobody' : names.join(', ') + ok;
}

/**
 * The alarms of a StackSet's template (AWS::CloudWatch::Alarm), in the shape of Terraform's
 * aws_cloudwatch_metric_alarm, their topics named by the template's AWS::SNS::Topic.
 */
function templateAlarms(set: Body): Body[] {
  // The body is written for Terraform, with its literal escapes ($${, %%{) for CloudFormation's own.
  const template = JSON.parse(String(set.template_body).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')) as Body;
  const resources = template.Resources as Record<string, Body>;
  const dimensions = (ds: Body[] | undefined) => (ds && ds.length > 0 ? Object.fromEntries(ds.map((d) => [d.Name, d.Value])) : undefined);
  const topic = (action: unknown) => {
    const ref = (action as Body)?.Ref;
    return typeof ref === 'string' && resources[ref]?.Type === 'AWS::SNS::Topic' ? `\${aws_sns_topic.${ref}.arn}` : JSON.stringify(action);
  };
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map(({ Properties: a }) => ({
      alarm_name: a.AlarmName,
      // A description naming the instance's region is an Fn::Sub of ${AWS::Region}: shown as written.
      alarm_description: typeof a.AlarmDescription === 'string' ? a.AlarmDescription : a.AlarmDescription?.['Fn::Sub'] ?? JSON.stringify(a.AlarmDescription),
      namespace: a.Namespace,
      metric_name: a.MetricName,
      statistic: a.Statistic,
      dimensions: dimensions(a.Dimensions),
      period: a.Period,
      metric_query: (a.Metrics ?? [])
        .filter((m: Body) => m.MetricStat)
        .map((m: Body) => ({ metric: { namespace: m.MetricStat.Metric.Namespace, metric_name: m.MetricStat.Metric.MetricName, dimensions: dimensions(m.MetricStat.Metric.Dimensions), stat: m.MetricStat.Stat, period: m.MetricStat.Period } })),
      comparison_operator: a.ComparisonOperator,
      threshold: a.Threshold,
      evaluation_periods: a.EvaluationPeriods,
      datapoints_to_alarm: a.DatapointsToAlarm,
      treat_missing_data: a.TreatMissingData,
      alarm_actions: (a.AlarmActions ?? []).map(topic),
      ok_actions: (a.OKActions ?? []).map(topic),
    }));
}

/** A template's topics under `resource.aws_sns_topic`, so that topicsText reads them as a stack's. */
function templateTopics(set: Body): Body {
  const template = JSON.parse(String(set.template_body).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')) as Body;
  const topics = Object.entries(template.Resources as Record<string, Body>).filter(([, r]) => r.Type === 'AWS::SNS::Topic');
  return { resource: { aws_sns_topic: Object.fromEntries(topics.map(([id, r]) => [id, { name: r.Properties.TopicName }])) } };
}

/**
 * The topology with every StackSet mode on, to list the templates' alarms: the second source
 * account forwards by a self-managed StackSet, and the organization's OUs by a service-managed
 * one (an organization id and an OU added; all else as given).
 */
export function withStackSets(topology: Topology): Topology {
  const input = structuredClone(topology) as unknown as Body;
  input.organization = input.organization ?? { id: 'o-a1b2c3d4e5' };
  const sources = (input.accounts as Body[]).filter((a) => a.source);
  const last = sources[sources.length - 1];
  last.source = { ...last.source, forwardingDeployment: 'stackset' };
  input.organizationForwarding = input.organizationForwarding ?? { organizationalUnits: [{ id: 'ou-ab12-cd34ef56' }] };
  return parseTopology(input as TopologyInput, 'the topology with its StackSet modes on');
}

/** The alarms of the StackSet templates of the topology with its StackSet modes on, one row per alarm and set pattern. */
export function stackSetAlarmRows(topology: Topology): CatalogRow[] {
  const patterns = new Patterns(topology);
  const variant = withStackSets(topology);
  const rows: CatalogRow[] = [];
  withoutCreationStacks(() => {
    const built = buildStacks(Testing.app(), variant);
    const sources = new Set(built.sources.map((s) => s.stackName));
    for (const stack of built.all) {
      const json = JSON.parse(Testing.synth(stack)) as Body;
      for (const set of Object.values<Body>(json.resource?.aws_cloudformation_stack_set ?? {})) {
        const topics = templateTopics(set);
        const instances = sources.has(stack.stackName)
          ? `every stack instance of \`${patterns.name(set.name)}\` (stack \`source-<account>\`, self-managed: one per region the account forwards from)`
          : `every stack instance of \`${patterns.name(set.name)}\` (stack \`${stack.stackName}\`, service-managed: each account and region of the OUs)`;
        for (const alarm of templateAlarms(set)) {
          const metrics = metricsOf(alarm);
          rows.push({
            alarm: `\`${patterns.name(alarm.alarm_name)}\``,
            where: instances,
            metric: metricText(metrics, patterns, false),
            threshold: thresholdText(alarm, metrics),
            missingData: String(alarm.treat_missing_data ?? 'missing'),
            notifies: topicsText(topics, alarm, patterns),
            firstCheck: firstCheck(String(alarm.alarm_description ?? '')),
          });
        }
      }
    }
  });
  return rows;
}

/** Provider alias -> region, in a stack's Terraform. */
function regions(stack: Body): Map<string, string> {
  const providers: Body[] = stack.provider?.aws ?? [];
  return new Map(providers.map((p) => [p.alias ? `aws.${p.alias}` : 'aws', String(p.region)]));
}

interface Instance {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly alarm: Body;
  readonly stack: Body;
}

/** Every alarm of the topology's stacks, grouped by stack (source stacks together), one row per pattern. */
export function alarmCatalog(topology: Topology): CatalogGroup[] {
  const naming = new Naming(topology);
  const patterns = new Patterns(topology);
  const perRuleNames = new Set(
    centralAlarmSpecs(centralAlarmInput(topology, naming))
      .filter((s) => s.id.endsWith('-failed-deliveries'))
      .map((s) => s.alarmName),
  );
  const perRulePattern = patterns.name(naming.centralAlarmName('<rule>-failed-deliveries'));
  const synthesized = withoutCreationStacks(() => {
    const built = buildStacks(Testing.app(), topology);
    const sources = new Set(built.sources.map((s) => s.stackName));
    return built.all.map((s) => ({ stackName: s.stackName, account: s.account.name, pattern: sources.has(s.stackName) ? 'source-<account>' : s.stackName, json: JSON.parse(Testing.synth(s)) as Body }));
  });
  const byGroup = new Map<string, Map<string, Instance[]>>();
  for (const { stackName, account, pattern, json } of synthesized) {
    const alarms = Object.values<Body>(json.resource?.aws_cloudwatch_metric_alarm ?? {});
    if (alarms.length === 0) continue;
    if (!STACK_GROUPS.some((g) => g.stackPattern === pattern)) {
      throw new Error(`stack ${stackName} has ${alarms.length} alarms and no entry in STACK_GROUPS of tools/alarm-catalog.ts; add one (its heading and doc) and run npm run docs:monitoring`);
    }
    const rows = byGroup.get(pattern) ?? new Map<string, Instance[]>();
    byGroup.set(pattern, rows);
    const regionOf = regions(json);
    for (const alarm of alarms) {
      const key = pattern === 'security-events' && perRuleNames.has(alarm.alarm_name) ? perRulePattern : patterns.name(alarm.alarm_name);
      rows.set(key, [...(rows.get(key) ?? []), { stackName, account, region: regionOf.get(alarm.provider ?? 'aws') ?? topology.homeRegion, alarm, stack: json }]);
    }
  }
  return STACK_GROUPS.filter((g) => byGroup.has(g.stackPattern)).map((group) => ({
    ...group,
    rows: [...byGroup.get(group.stackPattern)!.entries()].map(([alarmPattern, instances]) => {
      const [first] = instances;
      const perRule = alarmPattern === perRulePattern;
      const metrics = metricsOf(first.alarm);
      const accounts = [...new Set(instances.map((i) => i.account))];
      const regionList = [...new Set(instances.map((i) => i.region))].sort((a, b) => topology.regions.indexOf(a) - topology.regions.indexOf(b));
      let where: string;
      if (perRule) where = `${first.account}, ${first.region}: one per rule on the central bus (${instances.length} in this topology)`;
      else if (instances.length === 1) where = `${first.account}, ${first.region}`;
      else where = `each of ${accounts.join(', ')} in each of ${regionList.join(', ')} (${instances.length} in this topology)`;
      return {
        alarm: `\`${alarmPattern}\``,
        where,
        metric: metricText(metrics, patterns, perRule),
        threshold: thresholdText(first.alarm, metrics),
        missingData: String(first.alarm.treat_missing_data ?? 'missing'),
        notifies: topicsText(first.stack, first.alarm, patterns),
        firstCheck: firstCheck(String(first.alarm.alarm_description ?? '')),
      };
    }),
  }));
}

/** The generated section of docs/monitoring.md. */
export function alarmCatalogSection(topology: Topology): string {
  const groups = alarmCatalog(topology);
  const count = groups.reduce((n, g) => n + g.rows.length, 0);
  const parts = [
    ALARMS_BEGIN_MARKER,
    '',
    `The ${count} kinds of alarm of the default topology (${topology.accounts.length} accounts, regions ${topology.regions.join(', ')}), by stack; \`<name>\` is the topology's \`name\` (here \`${topology.name}\`).`,
  ];
  for (const group of groups) {
    parts.push(
      '',
      `### \`${group.stackPattern}\``,
      '',
      `${group.title[0].toUpperCase()}${group.title.slice(1)}; see [${group.doc.replace(/#.*$/, '')}](${group.doc}).`,
      '',
      table(
        ['alarm', 'where', 'metric (statistic; dimensions)', 'threshold and window', 'missing data', 'notifies', 'first check'],
        group.rows.map((r) => [r.alarm, r.where, r.metric, r.threshold, r.missingData, r.notifies, r.firstCheck]),
      ).trimEnd(),
    );
  }
  const stackSets = stackSetAlarmRows(topology);
  parts.push(
    '',
    '### StackSet templates',
    '',
    'Flow 2 at organization scale, not in the default topology: with `forwardingDeployment: "stackset"` on a source account or with `organizationForwarding` ([scale](scale.md)), the StackSet template carries the forwarding alarms of `source-<account>` in every stack instance, from the same specs, with a topic of the instance\'s own account and region. Listed from the default topology with both modes on:',
    '',
    table(
      ['alarm', 'where', 'metric (statistic; dimensions)', 'threshold and window', 'missing data', 'notifies', 'first check'],
      stackSets.map((r) => [r.alarm, r.where, r.metric, r.threshold, r.missingData, r.notifies, r.firstCheck]),
    ).trimEnd(),
  );
  parts.push('', ALARMS_END_MARKER);
  return parts.join('\n');
}
