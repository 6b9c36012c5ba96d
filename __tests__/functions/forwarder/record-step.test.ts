import { RecordFormatter } from '../../../functions/forwarder/formatter';
import { processRecord, WITHHELD } from '../../../functions/forwarder/record-step';
import { compileRules, CompiledRules, defaultRules } from '../../../functions/forwarder/rules';
import { RulesDocumentInput, rulesSchema } from '../../../functions/forwarder/rules-schema';
import { CloudTrailRecord, freshen, stratusRecords } from './support/cloudtrail';

const NOW = Date.UTC(2026, 0, 1, 12);

function rules(doc: Partial<RulesDocumentInput> = {}): CompiledRules {
  return compileRules(rulesSchema.parse({ version: 1, ...doc }), 'test');
}
function formatterFor(r: CompiledRules): RecordFormatter {
  return new RecordFormatter({ bucket: 'b', key: 'k', forwarder: 'test', annotations: {} }, { limits: r.limits, staleRecords: r.staleRecords });
}
function step(bytes: Buffer | string, r: CompiledRules = defaultRules(), now = NOW) {
  return processRecord(Buffer.from(bytes), 7, r, formatterFor(r), now);
}
/** The event's content, when the step sends one. */
function content(result: ReturnType<typeof step>): string {
  if (result.outcome.kind !== 'event') throw new Error(`expected an event, got a drop (${result.outcome.reason})`);
  return String(JSON.parse(result.outcome.json).content);
}

const records = freshen(stratusRecords(), NOW);
const readOnly = records.find((r) => r.readOnly === true)!;
const write = records.find((r) => r.readOnly === false && typeof r.sourceIPAddress === 'string')!;

describe('processRecord', () => {
  it('sends a compact CloudTrail record as an event whose content is its exact text', () => {
    const text = JSON.stringify(write);
    const result = step(text);
    expect(result).toEqual({ outcome: expect.objectContaining({ kind: 'event', truncated: false, restamped: false }), problem: undefined, redacted: false });
    expect(content(result)).toBe(text);
    if (result.outcome.kind === 'event') expect(JSON.parse(result.outcome.json)).toMatchObject({ 'trailbridge.record_index': '7', 'audit.action': write.eventName });
  });

  it('drops what a filter drops, before any redaction', () => {
    const r = rules({ filters: [{ name: 'no-reads', action: 'drop', pattern: { readOnly: [true] } }], redactions: [{ path: 'sourceIPAddress', mask: 'X' }] });
    expect(step(JSON.stringify(readOnly), r)).toEqual({ outcome: { kind: 'drop', reason: 'filter' }, problem: undefined, redacted: false });
    expect(step(JSON.stringify(write), r).outcome.kind).toBe('event');
  });

  it('masks the configured fields and says so; a record without them keeps its exact text', () => {
    const r = rules({ redactions: [{ path: 'sourceIPAddress', mask: 'REDACTED' }] });
    const masked = step(JSON.stringify(write), r);
    expect(masked.redacted).toBe(true);
    expect(JSON.parse(content(masked)).sourceIPAddress).toBe('REDACTED');

    const { sourceIPAddress: _ip, ...without } = write;
    const text = JSON.stringify(without);
    const kept = step(text, r);
    expect(kept.redacted).toBe(false);
    expect(content(kept)).toBe(text);
  });

  it('compacts a pretty-printed record', () => {
    const result = step(JSON.stringify(write, null, 2));
    expect(content(result)).toBe(JSON.stringify(write));
  });

  it.each([
    ['not JSON', '{"eventName": "Cut', 'invalid-json'],
    ['not an object', '[1,2]', 'not-an-object'],
    ['a string', '"two"', 'not-an-object'],
  ])('forwards a record that is %s as its text, with the problem', (_what, text, problem) => {
    const result = step(text);
    expect(result.problem).toBe(problem);
    expect(content(result)).toBe(text);
    if (result.outcome.kind === 'event') expect(JSON.parse(result.outcome.json)).toMatchObject({ severity: 'WARN', 'trailbridge.record_problem': problem });
  });

  it.each([
    ['not JSON', '{"eventName": "Cut", "sourceIPAddress": "198.51.100.7', 'invalid-json'],
    ['not an object', '["198.51.100.7"]', 'not-an-object'],
  ])('withholds a record that is %s when redactions are configured: its text could hold what they mask', (_what, text, problem) => {
    const r = rules({ redactions: [{ path: 'sourceIPAddress', mask: 'REDACTED' }] });
    expect(step(text, r)).toEqual({ outcome: WITHHELD, problem, redacted: false });
    expect(WITHHELD.reason).toMatch(/cannot be applied; withheld/);
    // Filters alone do not withhold it: nothing in it is to be hidden.
    expect(step(text, rules({ filters: [{ name: 'no-reads', action: 'drop', pattern: { readOnly: [true] } }] })).outcome.kind).toBe('event');
  });

  it('reports invalid UTF-8 in an object that is still filtered: the problem counts even when the record is dropped', () => {
    const bytes = Buffer.concat([Buffer.from('{"readOnly":true,"eventName":"Bad'), Buffer.from([0xff]), Buffer.from('"}')]);
    const r = rules({ filters: [{ name: 'no-reads', action: 'drop', pattern: { readOnly: [true] } }] });
    expect(step(bytes, r)).toEqual({ outcome: { kind: 'drop', reason: 'filter' }, problem: 'invalid-utf8', redacted: false });
    expect(step(bytes).problem).toBe('invalid-utf8');
  });

  it('restamps a stale record, or drops it when the rules say so (after redaction, which is still reported)', () => {
    const stale: CloudTrailRecord = { ...write, eventTime: new Date(NOW - 25 * 3600_000).toISOString() };
    const restamped = step(JSON.stringify(stale));
    expect(restamped.outcome).toMatchObject({ kind: 'event', restamped: true });
    const r = rules({ staleRecords: 'drop', redactions: [{ path: 'sourceIPAddress', mask: 'X' }] });
    expect(step(JSON.stringify(stale), r)).toEqual({ outcome: { kind: 'drop', reason: 'stale' }, problem: undefined, redacted: true });
  });
});
