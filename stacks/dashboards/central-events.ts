import { DashboardSpec, GraphWidget, MetricLine, Widget } from './widgets';

/** A rule on the central bus, by its physical name and the title an operator knows it by. */
export interface DashboardRule {
  readonly name: string;
  readonly title: string;
}

export interface CentralEventsDashboardInput {
  readonly name: string;
  readonly region: string;
  readonly busName: string;
  readonly archiveName: string;
  /** Every rule of the bus: use cases, custom rules, responses. */
  readonly rules: readonly DashboardRule[];
  /** Every dead-letter queue of the bus's targets, and the on-failure queues of the functions they invoke. */
  readonly deadLetterQueueNames: readonly string[];
}

/**
 * The rule EventBridge creates on a bus for an archive without a pattern: it matches every event,
 * so its MatchedEvents count is what the bus received (the bus has no ingestion metric of its
 * own for events put by rules of other accounts).
 */
export function archiveRuleName(archiveName: string): string {
  return `Events-Archive-${archiveName}`;
}

const events = (metricName: string, busName: string, rule: DashboardRule, stat = 'Sum'): MetricLine => ({
  namespace: 'AWS/Events',
  metricName,
  dimensions: [
    ['EventBusName', busName],
    ['RuleName', rule.name],
  ],
  stat,
  label: rule.title,
});

const sqs = (metricName: string, queueName: string): MetricLine => ({
  namespace: 'AWS/SQS',
  metricName,
  dimensions: [['QueueName', queueName]],
  stat: 'Maximum',
  label: queueName,
});

/**
 * The security account's dashboard: what the central bus received, what each rule matched, how
 * often targets were invoked and failed, and what waits in the dead-letter queues, one line per
 * rule and queue of the topology.
 */
export function centralEventsDashboard(input: CentralEventsDashboardInput): DashboardSpec {
  const perRule = (title: string, metricName: string): GraphWidget => ({ kind: 'graph', title, lines: input.rules.map((r) => events(metricName, input.busName, r)) });
  const widgets: Widget[] = [
    {
      kind: 'text',
      markdown:
        `# Central security events: ${input.busName}\n` +
        `API calls and sign-ins of every source account and region, the ${input.rules.length} rules that react to them, and the events that could not be delivered. Alarms go to the operations topic; see docs/flow-2-events.md#watching-it.`,
    },
    {
      kind: 'graph',
      title: 'Events received by the central bus',
      lines: [events('MatchedEvents', input.busName, { name: archiveRuleName(input.archiveName), title: 'received (every event is archived)' })],
    },
    perRule('Events matched, by rule', 'MatchedEvents'),
    perRule('Targets invoked, by rule', 'Invocations'),
    perRule('Failed deliveries, by rule', 'FailedInvocations'),
    perRule('Events not even dead-lettered, by rule', 'InvocationsFailedToBeSentToDlq'),
    { kind: 'graph', title: 'Rules throttled (account and region)', lines: [{ namespace: 'AWS/Events', metricName: 'ThrottledRules', dimensions: [], stat: 'Sum', label: 'throttled' }] },
    { kind: 'graph', title: 'Events waiting in dead-letter queues', lines: input.deadLetterQueueNames.map((q) => sqs('ApproximateNumberOfMessagesVisible', q)) },
    { kind: 'graph', title: 'Age of the oldest dead letter (seconds)', lines: input.deadLetterQueueNames.map((q) => sqs('ApproximateAgeOfOldestMessage', q)) },
  ];
  // A topology without rules or queues leaves their graphs out rather than draw empty ones.
  return { name: input.name, region: input.region, widgets: widgets.filter((w) => w.kind === 'text' || w.lines.length > 0) };
}
