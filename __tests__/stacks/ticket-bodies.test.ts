import { readFileSync } from 'node:fs';
import { InputTransformer, centralRules, jiraIssueTransformer, serviceNowIncidentTransformer } from '../../stacks/catalog';
import { EventBridgeEnvelope, toEnvelope } from '../../tools/simulate/envelope';
import { sharedDataPath } from '../support/shared-data';
import { topologyWith } from '../support/synth';

/** The panther sample records (CloudTrail records under `log`). */
const records = (JSON.parse(readFileSync(sharedDataPath('cloudtrail', 'panther', 'records.json'), 'utf8')) as { log: Record<string, unknown> }[]).map((r) => r.log);

function envelopeOf(match: (record: Record<string, unknown>) => boolean): EventBridgeEnvelope {
  const record = records.find(match);
  if (record === undefined) throw new Error('no panther record matches');
  const envelope = toEnvelope(record);
  if ('reason' in envelope) throw new Error(envelope.reason);
  return envelope;
}

function valueAt(event: unknown, path: string): unknown {
  return path
    .replace(/^\$\./, '')
    .split('.')
    .reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), event);
}

/**
 * What EventBridge delivers: each <name> replaced by the value at its path. Every placeholder of
 * these templates sits inside a JSON string, where EventBridge inserts the value JSON-escaped.
 */
function render(transformer: InputTransformer, event: unknown): unknown {
  const used = [...transformer.inputTemplate.matchAll(/<([A-Za-z0-9_]+)>/g)].map((m) => m[1]);
  expect(used.length).toBeGreaterThan(0);
  for (const name of used) expect(transformer.inputPaths).toHaveProperty(name);
  const body = transformer.inputTemplate.replace(/<([A-Za-z0-9_]+)>/g, (_, name: string) => {
    const value = valueAt(event, transformer.inputPaths[name]);
    return JSON.stringify(value === undefined ? '' : String(value)).slice(1, -1);
  });
  return JSON.parse(body);
}

const rule = centralRules(topologyWith()).find((r) => r.id === 'root-account-usage')!;
const rootLogin = envelopeOf((r) => {
  const identity = r.userIdentity as { type?: string; arn?: string } | undefined;
  return r.eventName === 'ConsoleLogin' && identity?.type === 'Root' && identity.arn !== undefined;
});
const bucketPolicy = envelopeOf((r) => r.eventName === 'PutBucketPolicy');
/** An event whose values carry the characters a naive template would break on. */
const awkward = { ...bucketPolicy, detail: { ...bucketPolicy.detail, eventName: 'Put"Bucket\\Policy', sourceIPAddress: '1.2.3.4\n<x>' } };

describe('ServiceNow incident body (Table API POST /api/now/table/incident)', () => {
  const transformer = serviceNowIncidentTransformer(rule, { urgency: '1', impact: '3' });

  test.each([
    ['a root console sign-in', rootLogin],
    ['a PutBucketPolicy', bucketPolicy],
    ['values with quotes, backslashes and newlines', awkward],
  ])('%s gives a JSON incident with the fields the Table API takes', (_, event) => {
    const incident = render(transformer, event) as Record<string, string>;
    expect(Object.keys(incident).sort()).toEqual(['correlation_display', 'correlation_id', 'description', 'impact', 'short_description', 'urgency']);
    expect(incident.correlation_id).toBe(event.id);
    expect(incident.urgency).toBe('1');
    expect(incident.impact).toBe('3');
    const detail = event.detail as { eventName: string; userIdentity: { arn: string } };
    expect(incident.short_description).toBe(`${rule.title}: ${detail.eventName} in account ${event.account}`);
    expect(incident.description).toContain(` by ${detail.userIdentity.arn} from `);
    expect(incident.description).toContain(`Account ${event.account}, region ${event.region}, at ${event.time}.`);
    expect(incident.description).toContain(`event id ${event.id}`);
  });

  test('the rule title cannot open a placeholder or break the JSON', () => {
    const odd = serviceNowIncidentTransformer({ title: 'Root <usage> "now"', name: 'r' }, { urgency: '2', impact: '2' });
    expect(odd.inputTemplate).not.toMatch(/<usage>/);
    expect((render(odd, rootLogin) as { short_description: string }).short_description).toMatch(/^Root usage "now": ConsoleLogin in account \d{12}$/);
  });
});

test('every use case keeps its one-line summary within ServiceNow\'s 160 characters, even with a 64-character event name and a long role session', () => {
  const rules = centralRules(topologyWith((t) => (t.events = { useCases: { 'all-api-calls': { enabled: true } } })));
  expect(rules.length).toBeGreaterThan(10);
  const long = { ...bucketPolicy, detail: { ...bucketPolicy.detail, eventName: 'E'.repeat(64), userIdentity: { arn: `arn:aws:sts::111111111111:assumed-role/${'r'.repeat(64)}/${'s'.repeat(64)}` } } };
  for (const each of rules) {
    const incident = render(serviceNowIncidentTransformer(each, { urgency: '2', impact: '2' }), long) as { short_description: string };
    expect([each.id, incident.short_description.length <= 160]).toEqual([each.id, true]);
  }
});

describe('Jira Cloud issue body (POST /rest/api/3/issue)', () => {
  const destination = { projectKey: 'SEC', issueType: 'Task', labels: ['trailbridge', 'security'] };
  const transformer = jiraIssueTransformer(rule, destination);

  test.each([
    ['a root console sign-in', rootLogin],
    ['values with quotes, backslashes and newlines', awkward],
  ])('%s gives a JSON issue: project, type, summary, ADF description, labels', (_, event) => {
    const { fields } = render(transformer, event) as { fields: Record<string, any> };
    expect(fields.project).toEqual({ key: 'SEC' });
    expect(fields.issuetype).toEqual({ name: 'Task' });
    expect(fields.labels).toEqual(['trailbridge', 'security']);
    // Jira rejects a summary with a line break.
    expect(fields.summary).not.toMatch(/\n/);
    expect(fields.summary.length).toBeLessThanOrEqual(255);
    expect(fields.summary).toContain((event.detail as { eventName: string }).eventName);
    const doc = fields.description;
    expect(doc).toMatchObject({ type: 'doc', version: 1 });
    expect(doc.content.length).toBeGreaterThan(0);
    for (const block of doc.content) {
      expect(block.type).toBe('paragraph');
      expect(block.content).toEqual([{ type: 'text', text: expect.any(String) }]);
      expect(block.content[0].text.length).toBeGreaterThan(0);
    }
    expect(doc.content.map((b: any) => b.content[0].text).join(' ')).toContain(`event id ${event.id}`);
  });
});
