import { EMF_MAX_METRICS_PER_DOCUMENT, Metrics } from '../../../functions/lib/metrics';

describe('Metrics (EMF)', () => {
  it('writes one EMF document with summed counts and timing values', () => {
    const lines: string[] = [];
    const metrics = new Metrics({ namespace: 'Trailbridge/Forwarder', dimensions: { service: 'forwarder' }, write: (l) => lines.push(l), clock: () => 1000 });
    metrics.add('RecordsSent', 'Count', 3);
    metrics.add('RecordsSent', 'Count', 4);
    metrics.add('IngestLatency', 'Milliseconds', 12);
    metrics.add('IngestLatency', 'Milliseconds', 30);
    metrics.flush();
    metrics.flush();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      _aws: {
        Timestamp: 1000,
        CloudWatchMetrics: [
          {
            Namespace: 'Trailbridge/Forwarder',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'RecordsSent', Unit: 'Count' },
              { Name: 'IngestLatency', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      service: 'forwarder',
      RecordsSent: 7,
      IngestLatency: [12, 30],
    });
  });

  it('flushes before a document would exceed 100 metrics', () => {
    const lines: string[] = [];
    const metrics = new Metrics({ namespace: 'N', write: (l) => lines.push(l) });
    for (let i = 0; i <= EMF_MAX_METRICS_PER_DOCUMENT; i++) metrics.add(`M${i}`, 'Count', 1);
    metrics.flush();
    expect(lines.map((l) => JSON.parse(l)._aws.CloudWatchMetrics[0].Metrics.length)).toEqual([100, 1]);
  });
});
