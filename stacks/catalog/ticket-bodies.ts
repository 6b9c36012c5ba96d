import type { ApiDestinationOptions } from '../../config/sections/destinations';
import type { CentralRule, InputTransformer } from './central-rules';

type ServiceNow = Extract<ApiDestinationOptions, { kind: 'servicenow' }>;
type Jira = Extract<ApiDestinationOptions, { kind: 'jira' }>;

/** The fields of the event a ticket quotes (EventBridge JSON paths). */
const TICKET_PATHS = {
  id: '$.id',
  account: '$.account',
  region: '$.region',
  time: '$.time',
  eventName: '$.detail.eventName',
  eventSource: '$.detail.eventSource',
  actor: '$.detail.userIdentity.arn',
  sourceIp: '$.detail.sourceIPAddress',
} as const;

/**
 * Text of the topology (a title, a rule name) made safe for a template: "<" and ">" would read as
 * placeholders. Quotes and backslashes need nothing here: the templates are built with
 * JSON.stringify, which escapes them.
 */
function literal(text: string): string {
  return text.replace(/[<>]/g, '');
}

/**
 * One line, without the actor: an assumed-role ARN can pass 150 characters, and Jira refuses a
 * summary over 255 (ServiceNow cuts short_description at 160). Titles (at most 43 characters),
 * event names and account ids keep this well under both.
 */
function summary(rule: Pick<CentralRule, 'title'>): string {
  return `${literal(rule.title)}: <eventName> in account <account>`;
}

/** The lines of a ticket's description, each with placeholders inside what becomes a JSON string. */
function descriptionLines(rule: Pick<CentralRule, 'title' | 'name'>): string[] {
  return [
    `${literal(rule.title)}: <eventName> (<eventSource>) by <actor> from <sourceIp>.`,
    'Account <account>, region <region>, at <time>.',
    `Rule ${literal(rule.name)} (trailbridge), EventBridge event id <id>.`,
  ];
}

/**
 * The body of ServiceNow's Table API `POST /api/now/table/incident`. Every placeholder sits inside a
 * JSON string: EventBridge then inserts the value JSON-escaped, so an event value with quotes
 * still gives valid JSON. correlation_id is the event id, so a redelivered event can be matched to
 * its incident.
 */
export function serviceNowIncidentTransformer(rule: Pick<CentralRule, 'title' | 'name'>, destination: Pick<ServiceNow, 'urgency' | 'impact'>): InputTransformer {
  const body = {
    short_description: summary(rule),
    description: descriptionLines(rule).join('\n'),
    urgency: destination.urgency,
    impact: destination.impact,
    correlation_id: '<id>',
    correlation_display: 'trailbridge',
  };
  return { inputPaths: { ...TICKET_PATHS }, inputTemplate: JSON.stringify(body) };
}

/**
 * The body of Jira Cloud's `POST /rest/api/3/issue`: the description in Atlassian Document Format
 * (version 1 requires a doc of block nodes; one paragraph of one text node per line).
 */
export function jiraIssueTransformer(rule: Pick<CentralRule, 'title' | 'name'>, destination: Pick<Jira, 'projectKey' | 'issueType' | 'labels'>): InputTransformer {
  const body = {
    fields: {
      project: { key: destination.projectKey },
      issuetype: { name: literal(destination.issueType) },
      summary: summary(rule),
      description: {
        type: 'doc',
        version: 1,
        content: descriptionLines(rule).map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })),
      },
      labels: destination.labels.map(literal),
    },
  };
  return { inputPaths: { ...TICKET_PATHS }, inputTemplate: JSON.stringify(body) };
}
