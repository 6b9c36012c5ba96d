import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertSigmaRule, parseSigmaRule } from '../../../config/sigma';
import { RecordFormatter } from '../../../functions/forwarder/formatter';
import { processRecord } from '../../../functions/forwarder/record-step';
import { compileRules } from '../../../functions/forwarder/rules';
import { builtInRulesDocument } from '../../../functions/forwarder/rules-constants';
import { parseRules, type SigmaTagRule } from '../../../functions/forwarder/rules-schema';
import { compileSigmaTagger } from '../../../functions/forwarder/sigma-tags';
import { compilePattern } from '../../../functions/lib/event-pattern';
import { sharedSigmaTagRules } from '../../../tools/bench/sigma-bench';
import { generatedRecords } from '../../support/sigma-records';
import { evaluatorFor } from '../../support/sigma-evaluator';
import { sharedDataPath } from '../../support/shared-data';
import { pantherRecords, stratusRecords } from './support/cloudtrail';

const NOW = Date.parse('2024-07-31T14:00:00Z');
const rulesDir = sharedDataPath('sigma', 'rules');

/** The exact shared rules as the forwarder's rules document carries them, with the evaluator of each. */
const exact = readdirSync(rulesDir)
  .sort()
  .map((file) => readFileSync(join(rulesDir, file), 'utf8'))
  .map((text) => ({ text, conversion: convertSigmaRule(parseSigmaRule('rule.yml', text)) }))
  .filter(({ conversion }) => conversion.status === 'exact')
  .map(({ text, conversion }) => ({
    evaluator: evaluatorFor(text),
    tag: { id: conversion.rule.id!, name: conversion.rule.title, level: conversion.rule.level!, pattern: conversion.pattern!.detail as Record<string, unknown> } satisfies SigmaTagRule,
  }));

function forward(record: Record<string, unknown>, sigma: SigmaTagRule[], extra: Partial<ReturnType<typeof builtInRulesDocument>> = {}) {
  const rules = compileRules({ ...builtInRulesDocument(), ...extra, sigma }, 'test');
  const formatter = new RecordFormatter({ bucket: 'b', key: 'k', forwarder: 'test', annotations: {} }, { limits: rules.limits, staleRecords: rules.staleRecords });
  const step = processRecord(Buffer.from(JSON.stringify({ ...record, eventTime: '2024-07-31T13:00:00Z' })), 0, rules, formatter, NOW);
  if (step.outcome.kind !== 'event') throw new Error('dropped');
  return JSON.parse(step.outcome.json) as Record<string, string>;
}

describe('forwarder Sigma tags', () => {
  test('a record gets threat.rule.* of exactly the rules the Sigma evaluator says it matches, on every stratus record', () => {
    const records = stratusRecords();
    const sigma = exact.map((e) => e.tag);
    let tagged = 0;
    for (const record of records) {
      const expected = exact.filter((e) => e.evaluator.matches(record)).map((e) => e.tag);
      const event = forward(record, sigma);
      if (expected.length === 0) {
        expect(event['threat.rule.id']).toBeUndefined();
        continue;
      }
      tagged++;
      expect(event['threat.rule.id']).toBe(expected.map((t) => t.id).join(','));
      expect(event['threat.rule.name']).toBe(expected.map((t) => t.name).join(','));
      expect(event['threat.rule.level']).toBe(expected.map((t) => t.level).join(','));
    }
    expect(tagged).toBeGreaterThan(0);
  });

  test('the prefiltered direct reads tag exactly as the plain matcher on every rule, for every shared and generated record', () => {
    const rules = sharedSigmaTagRules();
    const plain = rules.map((rule) => compilePattern(rule.pattern));
    const generated = readdirSync(rulesDir).flatMap((file) => generatedRecords(readFileSync(join(rulesDir, file), 'utf8')).map((g) => g.record));
    // A key with a dot reaches userIdentity.type too: the prefilter must not trust the nested value alone.
    const dotted = { eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userIdentity: { type: 'IAMUser' }, 'userIdentity.type': 'Root' };
    // An array of identities: no identity type to key on, and the walk decides.
    const listed = { eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userIdentity: [{ type: 'Root' }] };
    const records = [...stratusRecords(), ...pantherRecords(), ...generated, dotted, listed];
    const tagger = compileSigmaTagger(rules);
    let tagged = 0;
    let several = 0;
    for (const record of records) {
      const expected = rules.filter((_, i) => plain[i]!.matches(record));
      tagged += expected.length > 0 ? 1 : 0;
      several += expected.length > 1 ? 1 : 0;
      const hits = tagger.hits(record);
      expect(hits && { ...hits }).toEqual(expected.length === 0 ? undefined : { ids: expected.map((r) => r.id).join(','), names: expected.map((r) => r.name).join(','), levels: expected.map((r) => r.level).join(',') });
    }
    expect(tagged).toBeGreaterThan(100);
    expect(several).toBeGreaterThan(0);
    expect(tagger.hits(dotted)?.names).toContain('AWS Root Credentials');
    expect(tagger.hits(listed)?.names).toContain('AWS Root Credentials');
  });

  test('several matches are comma-joined in document order, indexed and unindexed rules alike', () => {
    const byEventName: SigmaTagRule = { id: 'b', name: 'Any StopLogging', level: 'low', pattern: { eventName: [{ 'equals-ignore-case': 'StopLogging' }] } };
    const bySource: SigmaTagRule = { id: 'a', name: 'CloudTrail', level: 'high', pattern: { eventSource: [{ 'equals-ignore-case': 'CloudTrail.amazonaws.com' }] } };
    const record = stratusRecords().find((r) => r.eventName === 'StopLogging')!;
    expect(forward(record, [byEventName, bySource])).toMatchObject({ 'threat.rule.id': 'b,a', 'threat.rule.name': 'Any StopLogging,CloudTrail', 'threat.rule.level': 'low,high' });
    expect(forward(record, [bySource, byEventName])).toMatchObject({ 'threat.rule.id': 'a,b' });
  });

  test('without Sigma rules no threat attribute is written', () => {
    const event = forward(stratusRecords()[0]!, []);
    expect(Object.keys(event).filter((k) => k.startsWith('threat.'))).toEqual([]);
  });

  test('rules match before redaction masks a field they read', () => {
    const rule: SigmaTagRule = { id: 'x', name: 'Root', level: 'high', pattern: { userIdentity: { type: [{ 'equals-ignore-case': 'Root' }] } } };
    const record = { eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userIdentity: { type: 'Root' } };
    const event = forward(record, [rule], { redactions: [{ path: 'userIdentity.type', mask: '****' }] });
    expect(event['threat.rule.id']).toBe('x');
    expect(event.content).toContain('"type":"****"');
  });

  test('the rules document refuses a Sigma pattern EventBridge would reject, and threat.rule.* as annotations', () => {
    const bad = parseRules({ version: 1, sigma: [{ id: 'x', name: 'X', level: 'high', pattern: { eventName: [{ prefix: 1 }] } }] });
    expect(bad).toEqual({ ok: false, problems: ['sigma.0.pattern: eventName[0].prefix: prefix match pattern must be a string'] });
    const reserved = parseRules({ version: 1, routes: [{ name: 'r', annotations: { 'threat.rule.id': 'mine' } }] });
    expect(reserved.ok).toBe(false);
  });
});
