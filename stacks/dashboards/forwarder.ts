import { DashboardSpec, MetricLine } from './widgets';

export interface ForwarderDashboardInput {
  readonly name: string;
  readonly region: string;
  readonly functionName: string;
  readonly failureQueueName: string;
  readonly deadLetterQueueName: string;
  /** The forwarder's EMF namespace and dimensions (functions/forwarder/metric-names.ts). */
  readonly metricsNamespace: string;
  readonly metricsDimensions: Readonly<Record<string, string>>;
}

/**
 * The observability account's dashboard: the forwarder's own metrics (records read, sent,
 * dropped and ticketed; Dynatrace requests, their latency and retries), what waits in its failure
 * queue, and Lambda's view of the function.
 */
export function forwarderDashboard(input: ForwarderDashboardInput): DashboardSpec {
  const emf = (metricName: string, label: string, stat = 'Sum'): MetricLine => ({
    namespace: input.metricsNamespace,
    metricName,
    dimensions: Object.entries(input.metricsDimensions),
    stat,
    label,
  });
  const lambda = (metricName: string, label: string, stat: string): MetricLine => ({
    namespace: 'AWS/Lambda',
    metricName,
    dimensions: [['FunctionName', input.functionName]],
    stat,
    label,
  });
  const queue = (name: string, label: string): MetricLine => ({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: [['QueueName', name]], stat: 'Maximum', label });
  return {
    name: input.name,
    region: input.region,
    widgets: [
      {
        kind: 'text',
        markdown:
          `# CloudTrail to Dynatrace: ${input.functionName}\n` +
          'Records read from the trail buckets and what became of them, the Dynatrace Log Ingest requests, and the tickets waiting for replay. Alarms: docs/flow-1-forwarder.md.',
      },
      { kind: 'graph', title: 'Records read, sent and dropped', lines: [emf('RecordsRead', 'read'), emf('RecordsSent', 'sent'), emf('RecordsDropped', 'dropped by the rules')] },
      { kind: 'graph', title: 'Records ticketed for replay', lines: [emf('RecordsFailed', 'records not sent (ticketed)'), emf('TicketsWritten', 'tickets written')] },
      { kind: 'graph', title: 'Dynatrace request latency (ms)', lines: [emf('IngestLatency', 'p50', 'p50'), emf('IngestLatency', 'p99', 'p99')] },
      { kind: 'graph', title: 'Dynatrace requests and retries', lines: [emf('Requests', 'requests'), emf('Retries', 'retries')] },
      { kind: 'graph', title: 'Tickets waiting for replay', lines: [queue(input.failureQueueName, 'failure queue'), queue(input.deadLetterQueueName, 'given up (dead letters)')] },
      { kind: 'graph', title: 'Forwarder invocations and errors', lines: [lambda('Invocations', 'invocations', 'Sum'), lambda('Errors', 'errors', 'Sum'), lambda('Throttles', 'throttles', 'Sum')] },
      { kind: 'graph', title: 'Forwarder duration (ms)', lines: [lambda('Duration', 'p50', 'p50'), lambda('Duration', 'p99', 'p99'), lambda('Duration', 'maximum', 'Maximum')], width: 24 },
    ],
  };
}
