import { applyRedactions, compileRedaction } from '../../../functions/forwarder/redaction';
import { compileRules, defaultRules } from '../../../functions/forwarder/rules';
import { builtInRulesDocument, DYNATRACE_MAX_ATTRIBUTE_KEY_BYTES } from '../../../functions/forwarder/rules-constants';
import { DEFAULT_RULES, parseRules, rulesSchema } from '../../../functions/forwarder/rules-schema';
import { stratusRecords } from './support/cloudtrail';

describe('rules', () => {
  const records = stratusRecords();

  it('forwards every record by default', () => {
    const rules = defaultRules();
    expect(rules.version).toBe('built-in');
    expect(rules.routeFor('any-bucket', 'AWSLogs/x')).toMatchObject({ name: 'all-cloudtrail', forward: true });
    expect(records.every((r) => rules.filter(r).action === 'forward')).toBe(true);
  });

  it('picks the first route whose bucket and prefix match', () => {
    const rules = compileRules(
      rulesSchema.parse({
        version: 1,
        routes: [
          { name: 'test-skip', bucket: 'trail-test', keyPrefix: 'AWSLogs/111122223333/', forward: false },
          { name: 'test', bucket: 'trail-test', annotations: { env: 'test' } },
          { name: 'prod', keyPrefix: 'AWSLogs/' },
        ],
      }),
      '7',
    );
    expect(rules.routeFor('trail-test', 'AWSLogs/111122223333/CloudTrail/x')?.name).toBe('test-skip');
    expect(rules.routeFor('trail-test', 'AWSLogs/999999999999/CloudTrail/x')?.annotations).toEqual({ env: 'test' });
    expect(rules.routeFor('trail-prod', 'AWSLogs/1/x')?.name).toBe('prod');
    expect(rules.routeFor('trail-prod', 'other/x')).toBeUndefined();
  });

  it('applies EventBridge patterns to records in order; the first match decides', () => {
    const rules = compileRules(
      rulesSchema.parse({
        version: 1,
        filters: [
          { name: 'keep-console', action: 'forward', pattern: { eventName: ['ConsoleLogin'] } },
          { name: 'drop-reads', action: 'drop', pattern: { readOnly: [true] } },
          { name: 'drop-sts', action: 'drop', pattern: { eventSource: [{ prefix: 'sts.' }] } },
        ],
      }),
      '1',
    );
    expect(records).toHaveLength(310);
    for (const r of records) {
      const decision = rules.filter(r);
      if (r.eventName === 'ConsoleLogin') expect(decision).toEqual({ action: 'forward', filter: 'keep-console' });
      else if (r.readOnly === true) expect(decision.filter).toBe('drop-reads');
      else if (String(r.eventSource).startsWith('sts.')) expect(decision.filter).toBe('drop-sts');
      else expect(decision).toEqual({ action: 'forward' });
    }
  });

  it('can drop by default and forward only what a filter keeps', () => {
    const rules = compileRules(rulesSchema.parse({ version: 1, defaultAction: 'drop', filters: [{ name: 'iam', action: 'forward', pattern: { eventSource: ['iam.amazonaws.com'] } }] }), '1');
    const kept = records.filter((r) => rules.filter(r).action === 'forward');
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((r) => r.eventSource === 'iam.amazonaws.com')).toBe(true);
  });

  it('reports every problem of a bad document with its path', () => {
    const result = parseRules({
      version: 2,
      routes: [],
      filters: [{ name: 'x', action: 'maybe', pattern: { eventName: 'not-an-array' } }],
      redactions: [{ path: 'a..b' }],
      limits: { maxContentBytes: 1000, maxBatchBytes: 20 * 1024 * 1024, maxEventsPerBatch: 60_000 },
      unknown: true,
    });
    expect(result.ok).toBe(false);
    const problems = (result as { problems: string[] }).problems.join('\n');
    for (const path of ['version', 'routes', 'filters.0.action', 'redactions.0.path', 'limits.maxContentBytes', 'limits.maxBatchBytes', 'limits.maxEventsPerBatch', '(document)']) {
      expect(problems).toContain(`${path}:`);
    }
  });

  it('checks filter patterns with the project’s EventBridge matcher', () => {
    const result = parseRules({ version: 1, filters: [{ name: 'x', action: 'drop', pattern: { eventName: 'not-an-array' } }] });
    expect(result.ok).toBe(false);
    expect((result as { problems: string[] }).problems.join('\n')).toMatch(/^filters\.0\.pattern: /);
  });

  it('refuses annotations that would replace the forwarder’s own attributes', () => {
    const result = parseRules({ version: 1, routes: [{ name: 'r', annotations: { 'aws.account.id': 'x', 'bad key': 'y' } }] });
    expect(result.ok).toBe(false);
    const problems = (result as { problems: string[] }).problems.join('\n');
    expect(problems).toMatch(/routes\.0\.annotations\.aws\.account\.id: "aws.account.id" is set by the forwarder itself/);
    expect(problems).toMatch(/"bad key": an attribute key is/);
  });

  it(`takes attribute keys of up to DYNATRACE_MAX_ATTRIBUTE_KEY_BYTES (${DYNATRACE_MAX_ATTRIBUTE_KEY_BYTES}) bytes, and no longer`, () => {
    const longest = `k${'x'.repeat(DYNATRACE_MAX_ATTRIBUTE_KEY_BYTES - 1)}`;
    expect(parseRules({ version: 1, routes: [{ name: 'r', annotations: { [longest]: 'v' } }] }).ok).toBe(true);
    const result = parseRules({ version: 1, routes: [{ name: 'r', annotations: { [`${longest}x`]: 'v' } }] });
    expect(result.ok).toBe(false);
    expect((result as { problems: string[] }).problems.join('\n')).toContain(`an attribute key is 1-${DYNATRACE_MAX_ATTRIBUTE_KEY_BYTES} letters`);
  });

  it('has defaults that are a valid document', () => {
    expect(parseRules(JSON.parse(JSON.stringify(DEFAULT_RULES)))).toEqual({ ok: true, rules: DEFAULT_RULES });
  });

  it('builds the built-in rules without zod, exactly as the schema fills in an empty document', () => {
    expect(builtInRulesDocument()).toEqual(DEFAULT_RULES);
    expect(JSON.stringify(builtInRulesDocument())).toBe(JSON.stringify(DEFAULT_RULES));
    expect(defaultRules().document).toEqual(DEFAULT_RULES);
  });
});

describe('redaction', () => {
  it('masks paths with wildcards over objects and arrays, in place', () => {
    const record = {
      requestParameters: { password: 'p', items: [{ secret: 's1', keep: 1 }, { secret: 's2' }], nested: { a: { secret: 's3' } } },
      responseElements: { credentials: { sessionToken: 't', accessKeyId: 'AKIA' } },
      other: null,
    };
    const n = applyRedactions(record, [
      compileRedaction('$.requestParameters.password', '****'),
      compileRedaction('requestParameters.items[*].secret', 'X'),
      compileRedaction('requestParameters.nested.*.secret', 'Y'),
      compileRedaction('responseElements.credentials.sessionToken', 'T'),
      compileRedaction('other.value', 'Z'),
      compileRedaction('missing.path', 'Z'),
    ]);
    expect(n).toBe(5);
    expect(record).toEqual({
      requestParameters: { password: '****', items: [{ secret: 'X', keep: 1 }, { secret: 'X' }], nested: { a: { secret: 'Y' } } },
      responseElements: { credentials: { sessionToken: 'T', accessKeyId: 'AKIA' } },
      other: null,
    });
  });
});
