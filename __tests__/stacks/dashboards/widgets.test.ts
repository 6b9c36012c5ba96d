import { centralEventsDashboard } from '../../../stacks/dashboards/central-events';
import { DashboardSpec, GraphWidget, bodyMetrics, dashboardBody, dashboardPicture, layout } from '../../../stacks/dashboards/widgets';

const graph = (title: string, width?: number): GraphWidget => ({
  kind: 'graph',
  title,
  width,
  lines: [{ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: [['QueueName', `${title}-queue`]], stat: 'Maximum', label: title }],
});

const spec = (widgets: DashboardSpec['widgets']): DashboardSpec => ({ name: 'test-dashboard', region: 'eu-west-1', widgets });

describe('dashboard widgets', () => {
  test('lays graphs out two to a row under a full-width text, and starts a row for a widget that does not fit', () => {
    const placed = layout([{ kind: 'text', markdown: '# head' }, graph('a'), graph('b'), graph('c'), graph('wide', 24), graph('d', 6)]);
    expect(placed.map(({ x, y, width }) => [x, y, width])).toEqual([
      [0, 0, 24],
      [0, 4, 12],
      [12, 4, 12],
      [0, 10, 12],
      [0, 16, 24],
      [0, 22, 6],
    ]);
  });

  test('refuses a width off the 24-column grid, and a graph without metrics, naming it', () => {
    expect(() => layout([graph('too wide', 25)])).toThrow(/"too wide": width 25 is not 1-24/);
    expect(() => dashboardBody(spec([{ kind: 'graph', title: 'nothing', lines: [] }]))).toThrow(/test-dashboard: the graph "nothing" has no metric/);
  });

  test('writes the body as compact JSON with a fixed key order, so a plan sees the same text', () => {
    const body = dashboardBody(spec([graph('a')]));
    expect(JSON.stringify(JSON.parse(body))).toBe(body);
    const [widget] = JSON.parse(body).widgets;
    expect(Object.keys(widget)).toEqual(['type', 'x', 'y', 'width', 'height', 'properties']);
    expect(Object.keys(widget.properties)).toEqual(['title', 'view', 'stacked', 'region', 'period', 'metrics']);
    expect(widget.properties.metrics).toEqual([['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', 'a-queue', { stat: 'Maximum', label: 'a' }]]);
  });

  test('reads every metric of a body back with its dimensions', () => {
    const body = dashboardBody(spec([graph('a'), { kind: 'graph', title: 'account', lines: [{ namespace: 'AWS/Events', metricName: 'ThrottledRules', dimensions: [], stat: 'Sum', label: 't' }] }]));
    expect(bodyMetrics(body)).toEqual([
      { widget: 'a', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'a-queue' } },
      { widget: 'account', namespace: 'AWS/Events', metricName: 'ThrottledRules', dimensions: {} },
    ]);
  });

  test('draws each widget as a box at its place, with its title and line count', () => {
    const picture = dashboardPicture(dashboardBody(spec([{ kind: 'text', markdown: '# Head line\nmore' }, graph('left'), graph('a title far too long to fit in half of the dashboard width')])));
    const lines = picture.split('\n');
    expect(lines[0]).toBe(`+${'-'.repeat(95)}+`);
    expect(lines[1]).toBe(`| Head line${' '.repeat(85)}|`);
    expect(lines[2]).toBe(`+${'-'.repeat(47)}+${'-'.repeat(47)}+`);
    expect(lines[3]).toMatch(/^\| left +\| a title far too long to fit in half of the d~ \|$/);
    expect(lines[4]).toMatch(/^\| \(1 line\) +\| \(1 line\) +\|$/);
    expect(lines[5]).toBe(lines[2]);
    expect(lines).toHaveLength(6);
  });
});

describe('the central events dashboard', () => {
  const input = { name: 'x-central-events', region: 'us-east-1', busName: 'x-central', archiveName: 'x-central', deadLetterQueueNames: ['x-central-dlq'] };

  test('has a line per rule in each per-rule graph', () => {
    const rules = [
      { name: 'x-a', title: 'A' },
      { name: 'x-b', title: 'B' },
    ];
    const metrics = bodyMetrics(dashboardBody(centralEventsDashboard({ ...input, rules })));
    expect(metrics.filter((m) => m.widget === 'Targets invoked, by rule').map((m) => m.dimensions)).toEqual(rules.map((r) => ({ EventBusName: 'x-central', RuleName: r.name })));
    expect(metrics.filter((m) => m.widget === 'Events received by the central bus').map((m) => m.dimensions.RuleName)).toEqual(['Events-Archive-x-central']);
  });

  test('leaves out the graphs of rules and queues a topology does not have', () => {
    const body = dashboardBody(centralEventsDashboard({ ...input, rules: [], deadLetterQueueNames: [] }));
    expect(JSON.parse(body).widgets.map((w: any) => w.properties.title ?? 'text')).toEqual(['text', 'Events received by the central bus', 'Rules throttled (account and region)']);
  });
});
