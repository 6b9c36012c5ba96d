import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseTopology } from '../../config/load';
import { PROJECT_ROOT } from '../../config/paths';
import { Topology, TopologyInput } from '../../config/schema';
import { FORWARDER_METRICS_DIMENSIONS, FORWARDER_METRICS_NAMESPACE } from '../../functions/forwarder/metric-names';
import { RESPONDER_METRICS_DIMENSIONS, RESPONDER_METRICS_NAMESPACE, RESPONDER_PROBLEM_METRICS } from '../../functions/responder/metric-names';
import { archiveRuleName } from '../../stacks/dashboards/central-events';
import { bodyMetrics } from '../../stacks/dashboards/widgets';
import { SynthesizedStack, synthesize, topologyWith } from '../support/synth';

/**
 * Every metric an alarm or a dashboard of the synth watches exists as CloudWatch publishes it: a
 * custom metric is one a function emits in EMF, with exactly its dimension set (names and values:
 * CloudWatch matches the whole set, so {service} does not find {service, function}); an AWS
 * metric has a dimension set the service publishes it with (AWS/Events: RuleName alone on the
 * default bus, EventBusName and RuleName on a custom bus), naming a resource of the same stack and
 * region; and the statistic and missing-data treatment fit the metric. A rename on either side
 * breaks this test.
 */

type Body = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// What the functions emit, read from their source.

/** A function that writes EMF: its namespace and the one dimension set of its metrics. */
interface Emitter {
  readonly fn: string;
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

const EMITTERS: readonly Emitter[] = [
  { fn: 'forwarder', namespace: FORWARDER_METRICS_NAMESPACE, dimensions: FORWARDER_METRICS_DIMENSIONS },
  { fn: 'responder', namespace: RESPONDER_METRICS_NAMESPACE, dimensions: RESPONDER_METRICS_DIMENSIONS },
];

const FUNCTIONS_DIR = join(PROJECT_ROOT, 'functions');
const UNITS = "'(?:Count|Bytes|Milliseconds|Seconds|None)'";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The string values of `const NAME ... = { key: 'Value', ... };` in a source text. */
function constMapValues(text: string, name: string): string[] {
  const match = new RegExp(`const ${name}\\b[^=]*=\\s*\\{([^}]*)\\}`).exec(text);
  return match ? [...match[1].matchAll(/:\s*'(\w+)'/g)].map((m) => m[1]) : [];
}

/**
 * The metric names a function passes to `metrics.add` anywhere in its folder: the string
 * literals of the first argument, or the values of the const map it indexes. A call whose name
 * cannot be read so fails here, so that every emitted name stays visible to this test.
 */
function emittedNames(fn: string): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(join(FUNCTIONS_DIR, fn))) {
    const text = readFileSync(file, 'utf8');
    for (const call of text.matchAll(new RegExp(`metrics\\.add\\(([^;]*?),\\s*${UNITS}`, 'g'))) {
      const arg = call[1];
      let found = [...arg.matchAll(/'(\w+)'/g)].map((m) => m[1]).filter((s) => /^[A-Z]/.test(s));
      if (found.length === 0) {
        const indexed = /^\s*(\w+)\[/.exec(arg);
        found = indexed ? constMapValues(text, indexed[1]) : [];
      }
      if (found.length === 0) throw new Error(`${relative(PROJECT_ROOT, file)}: cannot read the metric name of metrics.add(${arg}, ...); name it with a string literal or a const map`);
      for (const name of found) names.add(name);
    }
  }
  return names;
}

describe('what the functions emit', () => {
  test.each(EMITTERS.map((e) => [e.fn, e] as const))('%s builds its Metrics with the namespace and dimensions of its metric-names module', (fn, emitter) => {
    const handler = readFileSync(join(FUNCTIONS_DIR, fn, 'handler.ts'), 'utf8');
    const constructed = [...handler.matchAll(/new Metrics\(\{([^}]*)\}\)/g)].map((m) => m[1]);
    expect(constructed).toHaveLength(1);
    const prefix = fn.toUpperCase();
    expect(constructed[0]).toMatch(new RegExp(`dimensions: ${prefix}_METRICS_DIMENSIONS\\b`));
    // The namespace: the constant itself, or an environment value that defaults to it.
    const envFile = join(FUNCTIONS_DIR, fn, 'env.ts');
    const namespaceSource = /namespace: env\.metricsNamespace/.test(constructed[0]) ? readFileSync(envFile, 'utf8') : constructed[0];
    expect(namespaceSource).toMatch(new RegExp(`\\?\\? ${prefix}_METRICS_NAMESPACE\\b`));
    expect(Object.keys(emitter.dimensions).length).toBeGreaterThan(0);
  });

  test('only those functions write EMF', () => {
    const writers = sourceFiles(FUNCTIONS_DIR)
      .filter((file) => /new Metrics\(/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(FUNCTIONS_DIR, file).split('/')[0])
      .sort();
    expect(writers).toEqual(EMITTERS.map((e) => e.fn).sort());
  });

  test('the names read from the source are the metrics the functions emit', () => {
    const forwarder = emittedNames('forwarder');
    // Names behind a ternary and behind a const map are read too.
    expect([...forwarder]).toEqual(expect.arrayContaining(['RecordsRead', 'RecordsSent', 'TicketWriteFailed', 'IngestLatency', 'TestEventsIgnored', 'MessagesIgnored']));
    const responder = emittedNames('responder');
    expect([...responder]).toEqual(expect.arrayContaining(['ActionsDone', 'ActionsReported', 'ResourcesGone', 'EventsUnusable']));
    for (const name of RESPONDER_PROBLEM_METRICS) expect({ name, emitted: responder.has(name) }).toEqual({ name, emitted: true });
  });

  test('the responder README lists exactly the metrics it emits', () => {
    const readme = readFileSync(join(FUNCTIONS_DIR, 'responder', 'README.md'), 'utf8');
    const paragraph = /EMF metrics \(namespace `([^`]+)`, dimension `(\w+)=(\w+)`\):([^]*?)\.\n/.exec(readme);
    expect(paragraph).not.toBeNull();
    const [, namespace, dimension, value, list] = paragraph!;
    expect({ namespace, dimensions: { [dimension]: value } }).toEqual({ namespace: RESPONDER_METRICS_NAMESPACE, dimensions: RESPONDER_METRICS_DIMENSIONS });
    expect([...list.matchAll(/`(\w+)`/g)].map((m) => m[1]).sort()).toEqual([...emittedNames('responder')].sort());
  });
});

// ---------------------------------------------------------------------------------------------
// The AWS metrics, as the services' documentation lists them.

type Kind = 'count' | 'gauge' | 'timing';

/** A metric of an AWS namespace: its dimension-name sets (sorted), and what kind of value it is. */
interface AwsMetric {
  readonly dimensionSets: readonly (readonly string[])[];
  readonly kind: Kind;
}

const RULE = [['RuleName'], ['EventBusName', 'RuleName']] as const;

/**
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html (RuleName alone is
 * the default bus, EventBusName and RuleName a custom bus; ThrottledRules also account-wide),
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html
 */
const AWS_METRICS: Readonly<Record<string, Readonly<Record<string, AwsMetric>>>> = {
  'AWS/Events': {
    FailedInvocations: { dimensionSets: RULE, kind: 'count' },
    InvocationsFailedToBeSentToDlq: { dimensionSets: RULE, kind: 'count' },
    InvocationsSentToDlq: { dimensionSets: RULE, kind: 'count' },
    DeadLetterInvocations: { dimensionSets: RULE, kind: 'count' },
    Invocations: { dimensionSets: [[], ...RULE], kind: 'count' },
    MatchedEvents: { dimensionSets: [['EventBusName'], ...RULE], kind: 'count' },
    TriggeredRules: { dimensionSets: [[], ...RULE], kind: 'count' },
    ThrottledRules: { dimensionSets: [[], ...RULE], kind: 'count' },
  },
  'AWS/Lambda': {
    Errors: { dimensionSets: [['FunctionName']], kind: 'count' },
    Throttles: { dimensionSets: [['FunctionName']], kind: 'count' },
    Invocations: { dimensionSets: [['FunctionName']], kind: 'count' },
    Duration: { dimensionSets: [['FunctionName']], kind: 'timing' },
    IteratorAge: { dimensionSets: [['FunctionName']], kind: 'timing' },
    ConcurrentExecutions: { dimensionSets: [[], ['FunctionName']], kind: 'gauge' },
  },
  'AWS/SQS': {
    ApproximateNumberOfMessagesVisible: { dimensionSets: [['QueueName']], kind: 'gauge' },
    ApproximateAgeOfOldestMessage: { dimensionSets: [['QueueName']], kind: 'gauge' },
  },
  'AWS/SNS': {
    NumberOfNotificationsFailed: { dimensionSets: [['TopicName']], kind: 'count' },
    NumberOfMessagesPublished: { dimensionSets: [['TopicName']], kind: 'count' },
  },
};

/** The statistics that mean something for a kind of value. */
const STATISTICS: Readonly<Record<Kind, RegExp>> = {
  count: /^Sum$/,
  gauge: /^(Maximum|Average|Minimum)$/,
  timing: /^(Maximum|Average|p\d{1,2}(\.\d+)?)$/,
};

/**
 * Counts that a healthy system does not publish (EventBridge sends FailedInvocations only when it
 * is not zero, a function sends its failure counts only when something failed), and queue
 * gauges: missing data is health for these, and only these. An alarm on expected traffic
 * (Invocations, MatchedEvents, RecordsSent) that treated missing data as not breaching would
 * hide the outage it is for.
 */
function missingIsHealthy(namespace: string, metricName: string): boolean {
  if (!namespace.startsWith('AWS/')) return /Fail|Denied|Invalid|Unusable|Refused/.test(metricName);
  return ['FailedInvocations', 'InvocationsFailedToBeSentToDlq', 'InvocationsSentToDlq', 'DeadLetterInvocations', 'ThrottledRules', 'Errors', 'Throttles', 'NumberOfNotificationsFailed', 'ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage'].includes(metricName);
}

/**
 * The alarms that treat missing data as breaching, each with why. For these the metric's absence
 * is the outage: they alarm when a count stays below its threshold (LessThanThreshold), and a
 * function that is not invoked emits nothing. Every other alarm treats missing data as not
 * breaching, on a metric that is absent when all is well; `missing` and `ignore` would leave an
 * alarm in its last state through the very silence it is for.
 */
const MISSING_IS_OUTAGE: readonly { readonly namespace: string; readonly metricName: string; readonly alarmName: RegExp; readonly why: string }[] = [
  {
    namespace: FORWARDER_METRICS_NAMESPACE,
    metricName: 'RecordsSent',
    alarmName: /-forwarder-silence$/,
    why: 'CloudTrail delivers a file per account and region about every 5 minutes: a forwarder that sent nothing for the window, or was not invoked at all, means a broken pipeline',
  },
];

const missingIsOutage = (w: Pick<Watched, 'where' | 'namespace' | 'metricName'>) =>
  MISSING_IS_OUTAGE.find((e) => e.namespace === w.namespace && e.metricName === w.metricName && e.alarmName.test(w.where));

// ---------------------------------------------------------------------------------------------
// What the synth watches.

/** The names of what exists in one account and region, that a dimension value can name. */
interface Resources {
  readonly where: string;
  readonly functions: ReadonlySet<string>;
  readonly queues: ReadonlySet<string>;
  readonly topics: ReadonlySet<string>;
  readonly buses: ReadonlySet<string>;
  /** Rule name -> its custom bus, or undefined on the default bus. */
  readonly rules: ReadonlyMap<string, string | undefined>;
}

interface Watched {
  readonly where: string;
  /** What exists in the alarm's or dashboard's account and region. */
  readonly resources: Resources;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  readonly period?: number;
  /** Set for an alarm. */
  readonly treatMissingData?: string;
  /** Set for an alarm. */
  readonly comparisonOperator?: string;
}

const providerOf = (body: Body) => body.provider ?? 'aws';

function alarmsWatched(stack: SynthesizedStack): Watched[] {
  return stack.resources('aws_cloudwatch_metric_alarm').flatMap(([, a]) => {
    const base = { where: `${stack.name} alarm ${a.alarm_name}`, resources: terraformResources(stack, providerOf(a)), treatMissingData: a.treat_missing_data, comparisonOperator: a.comparison_operator };
    if (a.metric_name) return [{ ...base, namespace: a.namespace, metricName: a.metric_name, dimensions: a.dimensions ?? {}, statistic: a.statistic ?? a.extended_statistic, period: a.period }];
    return (a.metric_query ?? [])
      .filter((q: Body) => q.metric)
      .map((q: Body) => ({ ...base, namespace: q.metric.namespace, metricName: q.metric.metric_name, dimensions: q.metric.dimensions ?? {}, statistic: q.metric.stat, period: q.metric.period }));
  });
}

function dashboardsWatched(stack: SynthesizedStack): Watched[] {
  return stack.resources('aws_cloudwatch_dashboard').flatMap(([, d]) => {
    const body = JSON.parse(d.dashboard_body) as { widgets: { properties: { metrics?: unknown[][] } }[] };
    const stats = body.widgets.flatMap((w) => (w.properties.metrics ?? []).map((array) => (array[array.length - 1] as { stat: string }).stat));
    return bodyMetrics(d.dashboard_body).map((m, i) => ({
      where: `${stack.name} dashboard ${d.dashboard_name} "${m.widget}"`,
      resources: terraformResources(stack, providerOf(d)),
      namespace: m.namespace,
      metricName: m.metricName,
      dimensions: m.dimensions,
      statistic: stats[i],
    }));
  });
}

/** A literal, or the `name` of the resource a `${type.id.name}` reference points at. */
function resolve(stack: SynthesizedStack, value: unknown): unknown {
  const ref = typeof value === 'string' ? /^\$\{(aws_[a-z_]+)\.([\w-]+)\.name\}$/.exec(value) : null;
  return ref ? stack.json.resource?.[ref[1]]?.[ref[2]]?.name : value;
}

/** The bus name of an event bus ARN, or of a `${aws_cloudwatch_event_bus.id.arn}` reference. */
function busOfArn(stack: SynthesizedStack, arn: string): unknown {
  const ref = /^\$\{aws_cloudwatch_event_bus\.([\w-]+)\.arn\}$/.exec(arn);
  return ref ? stack.json.resource?.aws_cloudwatch_event_bus?.[ref[1]]?.name : arn.replace(/^.*:event-bus\//, '');
}

/** The names of the resources of a type in a provider's region, by their name attribute. */
function namesIn(stack: SynthesizedStack, type: string, attribute: string, provider: string): Map<string, Body> {
  return new Map(
    stack
      .resources(type)
      .filter(([, r]) => providerOf(r) === provider)
      .map(([, r]) => [String(resolve(stack, r[attribute])), r]),
  );
}

const customBus = (bus: unknown): string | undefined => (bus === undefined || bus === 'default' ? undefined : String(bus));

/** What a Terraform stack creates in a provider's region; an archive's rule is on the archive's bus. */
function terraformResources(stack: SynthesizedStack, provider: string): Resources {
  const names = (type: string, attribute = 'name') => new Set(namesIn(stack, type, attribute, provider).keys());
  const rules = new Map([...namesIn(stack, 'aws_cloudwatch_event_rule', 'name', provider)].map(([name, r]) => [name, customBus(resolve(stack, r.event_bus_name))]));
  for (const [name, archive] of namesIn(stack, 'aws_cloudwatch_event_archive', 'name', provider)) rules.set(archiveRuleName(name), customBus(busOfArn(stack, archive.event_source_arn)));
  return {
    where: `${stack.name} in provider ${provider}`,
    functions: names('aws_lambda_function', 'function_name'),
    queues: names('aws_sqs_queue'),
    topics: names('aws_sns_topic'),
    buses: names('aws_cloudwatch_event_bus'),
    rules,
  };
}

/** Problems of one watched metric; empty when it exists as CloudWatch publishes it. */
function problemsOf(w: Watched, emitted: ReadonlyMap<string, Set<string>>): string[] {
  const problems: string[] = [];
  const dimensionNames = Object.keys(w.dimensions).sort();
  const emitter = EMITTERS.find((e) => e.namespace === w.namespace);
  if (!w.namespace.startsWith('AWS/')) {
    if (!emitter) return [`namespace ${w.namespace} is emitted by no function (${EMITTERS.map((e) => e.namespace).join(', ')})`];
    if (!emitted.get(emitter.fn)!.has(w.metricName)) problems.push(`${w.namespace} ${w.metricName} is not emitted by the ${emitter.fn}`);
    if (JSON.stringify(Object.entries(w.dimensions).sort()) !== JSON.stringify(Object.entries(emitter.dimensions).sort())) {
      problems.push(`${w.namespace} ${w.metricName} asks for dimensions ${JSON.stringify(w.dimensions)}, the ${emitter.fn} emits ${JSON.stringify(emitter.dimensions)}`);
    }
    const kind: Kind = /Latency|Duration/.test(w.metricName) ? 'timing' : 'count';
    if (!STATISTICS[kind].test(w.statistic)) problems.push(`statistic ${w.statistic} of ${w.metricName} (a ${kind})`);
  } else {
    const known = AWS_METRICS[w.namespace]?.[w.metricName];
    if (!known) return [`${w.namespace} ${w.metricName} is not a metric this test knows; add it to AWS_METRICS from the service's documentation`];
    if (!known.dimensionSets.some((set) => JSON.stringify([...set].sort()) === JSON.stringify(dimensionNames))) {
      problems.push(`${w.namespace} ${w.metricName} is not published with dimensions [${dimensionNames.join(', ')}]; it is with ${known.dimensionSets.map((s) => `[${s.join(', ')}]`).join(' or ')}`);
    }
    if (!STATISTICS[known.kind].test(w.statistic)) problems.push(`statistic ${w.statistic} of ${w.metricName} (a ${known.kind})`);
    problems.push(...dimensionValueProblems(w));
  }
  if (w.treatMissingData !== undefined) {
    const healthy = missingIsHealthy(w.namespace, w.metricName);
    if (w.treatMissingData === 'breaching') {
      if (!missingIsOutage(w)) problems.push(`treat_missing_data breaching on ${w.metricName}, an alarm MISSING_IS_OUTAGE does not list; add it there with why its metric's absence is the outage, or treat missing data as notBreaching`);
      else if (w.comparisonOperator !== 'LessThanThreshold') problems.push(`treat_missing_data breaching on ${w.metricName} compared ${w.comparisonOperator}: only an alarm on too little (LessThanThreshold) may count no data as breaching`);
    } else if (w.treatMissingData !== 'notBreaching' || !healthy) {
      problems.push(`treat_missing_data ${w.treatMissingData} on ${w.metricName}, which ${healthy ? 'is absent when all is well' : 'should always be there'}`);
    }
  }
  if (w.period !== undefined && (w.period < 60 || w.period % 60 !== 0)) problems.push(`period ${w.period} s is not a multiple of the metric's 60 s resolution`);
  return problems;
}

/** Each dimension value names a resource of the same account and region; a rule's bus dimension matches its bus. */
function dimensionValueProblems(w: Watched): string[] {
  const { resources: r, dimensions: d } = w;
  const problems: string[] = [];
  const exists = (dimension: string, names: ReadonlySet<string>) => {
    if (d[dimension] !== undefined && !names.has(d[dimension])) problems.push(`${dimension} ${d[dimension]} is no resource of ${r.where}`);
  };
  exists('FunctionName', r.functions);
  exists('QueueName', r.queues);
  exists('TopicName', r.topics);
  exists('EventBusName', r.buses);
  if (d.RuleName !== undefined) {
    if (!r.rules.has(d.RuleName)) problems.push(`RuleName ${d.RuleName} is no rule of ${r.where}`);
    const bus = r.rules.get(d.RuleName);
    if (d.EventBusName !== bus) problems.push(`the rule ${d.RuleName} is on ${bus ?? 'the default bus'}, so its metrics carry ${bus ? `EventBusName ${bus}` : 'no EventBusName'}; asked for ${d.EventBusName ?? 'none'}`);
  }
  return problems;
}

const exampleInput = (): TopologyInput => JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples', 'topology.example.json'), 'utf8')) as TopologyInput;

const topologies: [string, () => Topology][] = [
  ['the default topology', () => topologyWith()],
  ['the example topology (responses, notifier)', () => parseTopology(exampleInput(), 'examples/topology.example.json')],
  [
    'the example topology with the buffer and the IDR debug capture',
    () => {
      const t = exampleInput();
      t.logArchive = { ...t.logArchive, notifications: { ...t.logArchive?.notifications, sqsBuffer: true } };
      t.incidentResponse = { ...t.incidentResponse, debugCapture: { enabled: true } };
      return parseTopology(t, 'example with buffer and debug capture');
    },
  ],
  [
    'a topology with a custom rule and no us-east-1 (the global-events rule there)',
    () =>
      topologyWith((t) => {
        t.regions = ['eu-west-1', 'eu-central-1'];
        t.homeRegion = 'eu-west-1';
        t.events = { ...t.events, customRules: [{ name: 'ami-shared', pattern: { source: ['aws.ec2'], detail: { eventName: ['ModifyImageAttribute'] } } }] };
      }),
  ],
];

describe.each(topologies)('every alarm and dashboard metric exists: %s', (_, load) => {
  const synth = synthesize(load());
  const stacks = [...synth.byName.values()];
  const emitted = new Map(EMITTERS.map((e) => [e.fn, emittedNames(e.fn)]));

  test('alarms', () => {
    const watched = stacks.flatMap(alarmsWatched);
    expect(watched.length).toBeGreaterThan(20);
    const problems = watched.flatMap((w) => problemsOf(w, emitted).map((p) => `${w.where}: ${p}`));
    expect(problems).toEqual([]);
    // Each custom namespace an alarm reads is one a function writes.
    expect([...new Set(watched.map((w) => w.namespace).filter((ns) => !ns.startsWith('AWS/')))].sort()).toEqual(EMITTERS.map((e) => e.namespace).sort());
  });

  test('each alarm MISSING_IS_OUTAGE lists exists, and treats missing data as breaching', () => {
    const watched = stacks.flatMap(alarmsWatched);
    for (const exception of MISSING_IS_OUTAGE) {
      const found = watched.filter((w) => missingIsOutage(w) === exception).map((w) => ({ where: w.where, treatMissingData: w.treatMissingData }));
      expect({ metric: exception.metricName, found }).toEqual({ metric: exception.metricName, found: [{ where: expect.any(String), treatMissingData: 'breaching' }] });
    }
  });

  test('dashboards', () => {
    const watched = stacks.flatMap(dashboardsWatched);
    expect(watched.length).toBeGreaterThan(20);
    const problems = watched.flatMap((w) => problemsOf(w, emitted).map((p) => `${w.where}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('every function has an alarm on its Errors, and its on-failure queue one on its depth, in its own region', () => {
    const alarms = stacks.flatMap(alarmsWatched);
    const watchedBy = (metricName: string, dimension: string, value: string, provider: string) =>
      alarms.filter((w) => w.metricName === metricName && w.dimensions[dimension] === value && w.resources.where.endsWith(` in provider ${provider}`)).length;
    const unwatched: string[] = [];
    let functions = 0;
    for (const stack of stacks) {
      const queues = new Map(stack.resources('aws_sqs_queue').map(([id, q]) => [`\${aws_sqs_queue.${id}.arn}`, q]));
      for (const [, fn] of stack.resources('aws_lambda_function')) {
        functions++;
        if (watchedBy('Errors', 'FunctionName', fn.function_name, providerOf(fn)) === 0) unwatched.push(`${stack.name}: Errors of ${fn.function_name}`);
      }
      for (const [, invoke] of stack.resources('aws_lambda_function_event_invoke_config')) {
        const queue = queues.get(invoke.destination_config?.on_failure?.destination);
        if (!queue) continue;
        if (watchedBy('ApproximateNumberOfMessagesVisible', 'QueueName', queue.name, providerOf(queue)) === 0) unwatched.push(`${stack.name}: depth of ${queue.name}, an on-failure queue`);
      }
    }
    expect(functions).toBeGreaterThanOrEqual(2);
    expect(unwatched).toEqual([]);
  });

  test('every queue an alarm of a dashboard\'s stack watches is drawn on that dashboard', () => {
    for (const stack of stacks.filter((st) => st.resources('aws_cloudwatch_dashboard').length > 0)) {
      const drawn = new Set(dashboardsWatched(stack).map((w) => w.dimensions.QueueName).filter(Boolean));
      const alarmed = [...new Set(alarmsWatched(stack).map((w) => w.dimensions.QueueName).filter(Boolean))];
      expect({ stack: stack.name, notDrawn: alarmed.filter((q) => !drawn.has(q)) }).toEqual({ stack: stack.name, notDrawn: [] });
    }
  });

  test('every function that writes EMF runs with the namespace the alarms read', () => {
    for (const stack of stacks) {
      for (const [, fn] of stack.resources('aws_lambda_function')) {
        const namespace = fn.environment?.variables?.METRICS_NAMESPACE;
        if (namespace !== undefined) expect({ fn: fn.function_name, namespace }).toEqual({ fn: fn.function_name, namespace: expect.stringMatching(new RegExp(`^(${EMITTERS.map((e) => e.namespace).join('|')})$`)) });
      }
    }
  });
});

/** The templates of a stack's StackSets, as CloudFormation reads them. */
function stackSetTemplates(stack: SynthesizedStack): { name: string; template: Body }[] {
  return stack.resources('aws_cloudformation_stack_set').map(([, set]) => ({
    name: set.name,
    // The body is written for Terraform, with its literal escapes ($${, %%{) for CloudFormation's own.
    template: JSON.parse(String(set.template_body).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')),
  }));
}

/** What a template creates in each stack instance's account and region (one condition per regional block). */
function templateResources(where: string, template: Body, condition: unknown): Resources {
  const of = (type: string) => Object.values(template.Resources as Record<string, Body>).filter((r) => r.Type === type && r.Condition === condition).map((r) => r.Properties);
  const names = (type: string, property: string) => new Set(of(type).map((p) => String(p[property])));
  return {
    where: `${where} (condition ${String(condition)})`,
    functions: names('AWS::Lambda::Function', 'FunctionName'),
    queues: names('AWS::SQS::Queue', 'QueueName'),
    topics: names('AWS::SNS::Topic', 'TopicName'),
    buses: names('AWS::Events::EventBus', 'Name'),
    rules: new Map(of('AWS::Events::Rule').map((p) => [String(p.Name), customBus(p.EventBusName)])),
  };
}

function templateAlarmsWatched(where: string, template: Body): Watched[] {
  const dimensions = (ds: Body[] | undefined) => Object.fromEntries((ds ?? []).map((d) => [d.Name, d.Value]));
  return Object.values(template.Resources as Record<string, Body>)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .flatMap((r) => {
      const a = r.Properties;
      const base = { where: `${where} alarm ${a.AlarmName}`, resources: templateResources(where, template, r.Condition), treatMissingData: a.TreatMissingData, comparisonOperator: a.ComparisonOperator };
      if (a.MetricName) return [{ ...base, namespace: a.Namespace, metricName: a.MetricName, dimensions: dimensions(a.Dimensions), statistic: a.Statistic, period: a.Period }];
      return (a.Metrics as Body[])
        .filter((m) => m.MetricStat)
        .map((m) => ({ ...base, namespace: m.MetricStat.Metric.Namespace, metricName: m.MetricStat.Metric.MetricName, dimensions: dimensions(m.MetricStat.Metric.Dimensions), statistic: m.MetricStat.Stat, period: m.MetricStat.Period }));
    });
}

describe('every alarm metric exists: the StackSet templates (self-managed per source, service-managed for the OUs)', () => {
  const synth = synthesize(
    topologyWith((t) => {
      t.organization = { id: 'o-a1b2c3d4e5' };
      t.accounts[1].source = { ...t.accounts[1].source!, forwardingDeployment: 'stackset' };
      t.organizationForwarding = { organizationalUnits: [{ id: 'ou-ab12-cd34ef56' }] };
      t.regions = ['eu-west-1', 'eu-central-1'];
      t.homeRegion = 'eu-west-1';
    }),
  );
  const emitted = new Map(EMITTERS.map((e) => [e.fn, emittedNames(e.fn)]));

  test('template alarms', () => {
    const watched = [...synth.byName.values()].flatMap((stack) => stackSetTemplates(stack).flatMap(({ name, template }) => templateAlarmsWatched(`${stack.name} StackSet ${name}`, template)));
    // Two StackSets, each with a regional block and a global-events block (no us-east-1 in the regions), of three metrics each.
    expect(watched).toHaveLength(2 * 2 * 3);
    const problems = watched.flatMap((w) => problemsOf(w, emitted).map((p) => `${w.where}: ${p}`));
    expect(problems).toEqual([]);
  });
});
