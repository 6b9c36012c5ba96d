/**
 * The event format AWS Incident Detection and Response ingests from an APM, the rules trailbridge
 * puts on the IDR bus, and the Dynatrace workflow template that produces such events.
 *
 * Pure data and string building (no cdktf): the incident-response stack renders it to Terraform,
 * `npm run idr -- test-event` fills the same template with a simulated problem and checks the
 * result against the synthesized rules with the shared pattern matcher.
 */

/** `detail-type` and `source` IDR's managed rule matches (IDR user guide, "Payload requirements"). */
export const IDR_DETAIL_TYPE = 'ams.monitoring/generic-apm';
export const IDR_SOURCE = 'GenericAPMEvent';
/** The one `detail` field IDR requires: the alarm name its runbooks are keyed on. */
export const IDR_IDENTIFIER_FIELD = 'incident-detection-response-identifier';

/** Pattern of the test rule: what IDR's own managed rule matches once the bus is onboarded. */
export const IDR_TEST_RULE_PATTERN = {
  'detail-type': [IDR_DETAIL_TYPE],
  source: [IDR_SOURCE],
} as const;

/**
 * The seed article's test rule, kept to prove it wrong: `DetailType` is the PutEvents request
 * field; on the bus the event carries `detail-type`, so this pattern never matches anything.
 */
export const SEED_TEST_RULE_PATTERN = {
  DetailType: [IDR_DETAIL_TYPE],
  source: [IDR_SOURCE],
} as const;

/**
 * Pattern of the debug capture: every event on the bus. EventBridge rejects an empty pattern;
 * every event has a `source`, and every string starts with "".
 */
export const CAPTURE_ALL_PATTERN = { source: [{ prefix: '' }] } as const;

/**
 * `detail` of the event, field by field: each value is the Dynatrace workflow expression that
 * reads it from the problem that triggered the workflow (`event()`). Only fields every Davis
 * problem event carries, because a missing one would make `tojson` fail in the workflow.
 */
export const PROBLEM_DETAIL_FIELDS: Readonly<Record<string, string>> = {
  [IDR_IDENTIFIER_FIELD]: 'event.name',
  'problem-id': 'display_id',
  'problem-event-id': 'event.id',
  status: 'event.status',
  category: 'event.category',
  'start-time': 'event.start',
  'affected-entity-ids': 'affected_entity_ids',
};

/** A problem as the workflow's `event()` returns it: Grail field name -> value. */
export type DynatraceProblem = Readonly<Record<string, unknown>>;

export interface WorkflowTemplateOptions {
  /** Bus ARN (an ARN rather than a name makes a wrong account or region fail loudly). */
  readonly eventBusArn: string;
  /** Extra constant `detail` fields, e.g. the Dynatrace environment URL. */
  readonly constants?: Readonly<Record<string, string>>;
}

/**
 * The PutEvents parameters for the Dynatrace workflow's "PutEvents" action, as a JSON text with
 * one Jinja expression for `Detail`. `Detail` must be a JSON *string*: the expression builds a
 * dict, `tojson` turns it into JSON, and the second `tojson` quotes that as a JSON string, so
 * problem titles with quotes or newlines cannot break the document (the seed wrote the JSON by
 * hand around `{{ ... }}` placeholders, which does break).
 */
export function workflowPutEventsTemplate(options: WorkflowTemplateOptions): string {
  const entries = [
    ...Object.entries(options.constants ?? {}).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`),
    ...Object.entries(PROBLEM_DETAIL_FIELDS).map(([key, field]) => `${JSON.stringify(key)}: event()[${JSON.stringify(field)}]`),
  ];
  const detail = `{{ { ${entries.join(', ')} } | tojson | tojson }}`;
  return [
    '{',
    '  "Entries": [',
    '    {',
    `      "EventBusName": ${JSON.stringify(options.eventBusArn)},`,
    `      "Source": ${JSON.stringify(IDR_SOURCE)},`,
    `      "DetailType": ${JSON.stringify(IDR_DETAIL_TYPE)},`,
    `      "Detail": ${detail}`,
    '    }',
    '  ]',
    '}',
  ].join('\n');
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const EXPRESSION = /\{\{\s*(.*?)\s*\}\}/gs;
const DOUBLE_TOJSON = /^(\{.*\})\s*\|\s*tojson\s*\|\s*tojson$/s;
const EVENT_FIELD = /event\(\)\["([^"\\]+)"\]/g;

/**
 * Fills the template's expressions for one problem, as the workflow engine would, and returns
 * the resulting JSON text. It evaluates only the expression shape `workflowPutEventsTemplate`
 * writes (a dict of literals and `event()["field"]` reads, piped through `tojson | tojson`), so a
 * template edited into something else fails here instead of in Dynatrace.
 */
export function fillWorkflowTemplate(template: string, problem: DynatraceProblem): string {
  return template.replace(EXPRESSION, (_whole, expression: string) => {
    const dict = DOUBLE_TOJSON.exec(expression);
    if (!dict) throw new TemplateError(`unsupported expression {{ ${expression} }}; expected {{ { ... } | tojson | tojson }}`);
    const json = dict[1].replace(EVENT_FIELD, (_read, field: string) => {
      if (!(field in problem)) throw new TemplateError(`the problem has no field ${JSON.stringify(field)}, which the template reads`);
      return JSON.stringify(problem[field]);
    });
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new TemplateError(`the Detail expression is not a dict of literals and event() reads: ${(err as Error).message}`);
    }
    return JSON.stringify(JSON.stringify(value));
  });
}

/** One PutEvents request entry. */
export interface PutEventsEntry {
  readonly EventBusName: string;
  readonly Source: string;
  readonly DetailType: string;
  /** JSON text of the detail object. */
  readonly Detail: string;
  readonly Resources?: readonly string[];
  readonly Time?: string;
}

export interface DeliveryContext {
  readonly account: string;
  readonly region: string;
  readonly id: string;
  /** ISO-8601. */
  readonly time: string;
}

/**
 * The event as rules on the bus see it: PutEvents' `DetailType` arrives as `detail-type`,
 * `Source` as `source`, and the `Detail` string as the parsed `detail` object.
 */
export function deliveredEvent(entry: PutEventsEntry, context: DeliveryContext): Record<string, unknown> {
  return {
    version: '0',
    id: context.id,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: context.account,
    time: entry.Time ?? context.time,
    region: context.region,
    resources: [...(entry.Resources ?? [])],
    detail: JSON.parse(entry.Detail),
  };
}
