/**
 * CloudWatch Embedded Metric Format (EMF): metrics written as one structured log line, which
 * CloudWatch turns into metrics without any API call from the function.
 *
 * See https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

export type MetricUnit = 'Count' | 'Bytes' | 'Milliseconds' | 'Seconds' | 'None';

/** EMF allows at most 100 metrics per document and 100 values per metric. */
export const EMF_MAX_METRICS_PER_DOCUMENT = 100;
export const EMF_MAX_VALUES_PER_METRIC = 100;

export interface MetricsOptions {
  readonly namespace: string;
  /** Dimensions attached to every metric, e.g. `{ service: 'forwarder' }`. @default {} */
  readonly dimensions?: Readonly<Record<string, string>>;
  /** Where the EMF line goes. @default - process.stdout */
  readonly write?: (line: string) => void;
  /** @default Date.now */
  readonly clock?: () => number;
}

interface Metric {
  unit: MetricUnit;
  values: number[];
}

export class Metrics {
  private metrics = new Map<string, Metric>();
  private readonly write: (line: string) => void;
  private readonly clock: () => number;

  constructor(private readonly options: MetricsOptions) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.clock = options.clock ?? Date.now;
  }

  /**
   * Adds a value. Counts and byte totals are summed into one value; timings keep each
   * observation (so CloudWatch can compute percentiles) until the EMF cap, then flush.
   */
  add(name: string, unit: MetricUnit, value: number): void {
    const metric = this.metrics.get(name);
    if (!metric) {
      if (this.metrics.size >= EMF_MAX_METRICS_PER_DOCUMENT) this.flush();
      this.metrics.set(name, { unit, values: [value] });
      return;
    }
    if (unit === 'Milliseconds' || unit === 'Seconds') {
      if (metric.values.length >= EMF_MAX_VALUES_PER_METRIC) {
        this.flush();
        this.metrics.set(name, { unit, values: [value] });
        return;
      }
      metric.values.push(value);
    } else {
      metric.values[0] += value;
    }
  }

  /** Writes the pending metrics as one EMF document, then forgets them. No-op when empty. */
  flush(): void {
    if (this.metrics.size === 0) return;
    const dimensions = this.options.dimensions ?? {};
    const doc: Record<string, unknown> = {
      _aws: {
        Timestamp: this.clock(),
        CloudWatchMetrics: [
          {
            Namespace: this.options.namespace,
            Dimensions: [Object.keys(dimensions)],
            Metrics: [...this.metrics].map(([name, m]) => ({ Name: name, Unit: m.unit })),
          },
        ],
      },
      ...dimensions,
    };
    for (const [name, m] of this.metrics) doc[name] = m.values.length === 1 ? m.values[0] : m.values;
    this.metrics = new Map();
    this.write(JSON.stringify(doc));
  }
}
