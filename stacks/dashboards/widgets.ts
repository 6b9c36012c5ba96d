/**
 * CloudWatch dashboards as data: the widgets an operator looks at, laid out on CloudWatch's
 * 24-column grid and written as the dashboard body (the JSON of PutDashboard), with its keys in
 * a fixed order so the same topology always gives the same text and a plan shows no change.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */

/** A metric line of a graph, named exactly as CloudWatch publishes it. */
export interface MetricLine {
  readonly namespace: string;
  readonly metricName: string;
  /** In the order the metric array lists them. */
  readonly dimensions: readonly (readonly [name: string, value: string])[];
  /** Sum, Maximum, p50, p99, ... */
  readonly stat: string;
  readonly label: string;
}

export interface GraphWidget {
  readonly kind: 'graph';
  readonly title: string;
  readonly lines: readonly MetricLine[];
  /** Columns of 24. @default 12 */
  readonly width?: number;
}

export interface TextWidget {
  readonly kind: 'text';
  readonly markdown: string;
}

export type Widget = GraphWidget | TextWidget;

export interface DashboardSpec {
  readonly name: string;
  /** The region of every metric (a dashboard shows one account and region here). */
  readonly region: string;
  readonly widgets: readonly Widget[];
}

export const GRID_COLUMNS = 24;
const GRAPH_HEIGHT = 6;
const TEXT_HEIGHT = 4;
const GRAPH_WIDTH = 12;
/** One point per five minutes, the alarms' period. */
export const DASHBOARD_PERIOD_SECONDS = 300;

interface Placed {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Left to right, top to bottom: a widget that does not fit the row starts the next one. */
export function layout(widgets: readonly Widget[]): Placed[] {
  const placed: Placed[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const widget of widgets) {
    const width = widget.kind === 'text' ? GRID_COLUMNS : widget.width ?? GRAPH_WIDTH;
    const height = widget.kind === 'text' ? TEXT_HEIGHT : GRAPH_HEIGHT;
    if (width < 1 || width > GRID_COLUMNS) throw new Error(`dashboard widget ${JSON.stringify(titleOf(widget))}: width ${width} is not 1-${GRID_COLUMNS}`);
    if (x + width > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    placed.push({ x, y, width, height });
    x += width;
    rowHeight = Math.max(rowHeight, height);
  }
  return placed;
}

function titleOf(widget: Widget): string {
  return widget.kind === 'text' ? widget.markdown.split('\n')[0].replace(/^#+\s*/, '') : widget.title;
}

function metricArray(line: MetricLine): unknown[] {
  return [line.namespace, line.metricName, ...line.dimensions.flat(), { stat: line.stat, label: line.label }];
}

/** The dashboard body: every object written key by key, in a fixed order. */
export function dashboardBody(spec: DashboardSpec): string {
  const positions = layout(spec.widgets);
  const widgets = spec.widgets.map((widget, i) => {
    const { x, y, width, height } = positions[i];
    if (widget.kind === 'text') return { type: 'text', x, y, width, height, properties: { markdown: widget.markdown } };
    if (widget.lines.length === 0) throw new Error(`dashboard ${spec.name}: the graph ${JSON.stringify(widget.title)} has no metric; leave it out instead`);
    return {
      type: 'metric',
      x,
      y,
      width,
      height,
      properties: {
        title: widget.title,
        view: 'timeSeries',
        stacked: false,
        region: spec.region,
        period: DASHBOARD_PERIOD_SECONDS,
        metrics: widget.lines.map(metricArray),
      },
    };
  });
  return JSON.stringify({ widgets });
}

/** A metric of a dashboard body, as the body names it. */
export interface BodyMetric {
  readonly widget: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

interface BodyWidget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title?: string; markdown?: string; metrics?: unknown[][] };
}

function widgetsOf(body: string): BodyWidget[] {
  const parsed = JSON.parse(body) as { widgets?: BodyWidget[] };
  if (!Array.isArray(parsed.widgets)) throw new Error('dashboard body: no "widgets" array');
  return parsed.widgets;
}

/** Every metric of a body (for checks against the synth, and the review sheet). */
export function bodyMetrics(body: string): BodyMetric[] {
  return widgetsOf(body).flatMap((w) =>
    (w.properties.metrics ?? []).map((array) => {
      const [namespace, metricName, ...rest] = array as [string, string, ...unknown[]];
      const pairs = rest.filter((v): v is string => typeof v === 'string');
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
      return { widget: w.properties.title ?? '', namespace, metricName, dimensions };
    })
  );
}

const CHARS_PER_COLUMN = 4;
const ROWS_PER_LINE = 2;

/**
 * The widget layout of a body as a text picture: each widget a box at its place on the grid, with
 * its title and how many lines it draws (two grid rows to a text line).
 */
export function dashboardPicture(body: string): string {
  const widgets = widgetsOf(body);
  const lines = Math.max(0, ...widgets.map((w) => (w.y + w.height) / ROWS_PER_LINE)) + 1;
  const canvas = Array.from({ length: lines }, () => Array<string>(GRID_COLUMNS * CHARS_PER_COLUMN + 1).fill(' '));
  const put = (row: number, col: number, ch: string) => {
    const current = canvas[row][col];
    canvas[row][col] = (current === '|' && ch === '-') || (current === '-' && ch === '|') || current === '+' ? '+' : ch;
  };
  for (const w of widgets) {
    const top = w.y / ROWS_PER_LINE;
    const bottom = (w.y + w.height) / ROWS_PER_LINE;
    const left = w.x * CHARS_PER_COLUMN;
    const right = (w.x + w.width) * CHARS_PER_COLUMN;
    for (let c = left; c <= right; c++) {
      put(top, c, c === left || c === right ? '+' : '-');
      put(bottom, c, c === left || c === right ? '+' : '-');
    }
    for (let r = top + 1; r < bottom; r++) {
      put(r, left, '|');
      put(r, right, '|');
    }
    const room = right - left - 3;
    const title = w.type === 'text' ? (w.properties.markdown ?? '').split('\n')[0].replace(/^#+\s*/, '') : w.properties.title ?? '';
    const count = w.properties.metrics?.length;
    const caption = [title, count === undefined ? '' : `(${count} ${count === 1 ? 'line' : 'lines'})`];
    caption.forEach((text, i) => {
      const row = top + 1 + i;
      if (row >= bottom || text === '') return;
      const shown = text.length > room ? `${text.slice(0, room - 1)}~` : text;
      [...shown].forEach((ch, k) => (canvas[row][left + 2 + k] = ch));
    });
  }
  return canvas.map((row) => row.join('').trimEnd()).join('\n');
}
