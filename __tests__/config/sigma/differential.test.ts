import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertSigmaRule, parseSigmaRule, type SigmaConversion } from '../../../config/sigma';
import { compilePattern, type CompiledPattern } from '../../../functions/lib/event-pattern';
import { toEnvelope } from '../../../tools/simulate/envelope';
import { pantherRecords, stratusRecords } from '../../functions/forwarder/support/cloudtrail';
import { evaluatorFor, type EvaluatedRule } from '../../support/sigma-evaluator';
import { baseRecord, generatedRecords } from '../../support/sigma-records';
import { sharedDataPath } from '../../support/shared-data';

/**
 * The proof of `exact`: for every rule the compiler calls exact, its pattern (through the shared matcher, on the
 * EventBridge envelope) and an independent Sigma evaluator (tests/support, written from the specification) agree
 * on every real CloudTrail record of ../shared/data and on records generated from every rule's selections.
 */

interface Case {
  readonly file: string;
  readonly text: string;
  readonly conversion: SigmaConversion;
  readonly evaluator: EvaluatedRule;
  readonly compiled?: CompiledPattern;
}

const rulesDir = sharedDataPath('sigma', 'rules');
const cases: Case[] = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.yml'))
  .sort()
  .map((file) => {
    const text = readFileSync(join(rulesDir, file), 'utf8');
    const conversion = convertSigmaRule(parseSigmaRule(file, text));
    return { file, text, conversion, evaluator: evaluatorFor(text), compiled: conversion.pattern && compilePattern(conversion.pattern) };
  });
const exact = cases.filter((c) => c.conversion.status === 'exact');

/** The envelope EventBridge would deliver, or undefined for a record it never delivers (no event source, an Insight). */
function envelopeOf(record: Record<string, unknown>): unknown {
  const envelope = toEnvelope({ awsRegion: 'eu-central-1', recipientAccountId: '111122223333', ...record });
  return 'reason' in envelope ? undefined : { ...envelope, detail: record };
}

function disagreements(records: readonly { label: string; record: Record<string, unknown> }[]): { compared: number; hits: number; wrong: string[] } {
  let compared = 0;
  let hits = 0;
  const wrong: string[] = [];
  for (const { label, record } of records) {
    const envelope = envelopeOf(record);
    if (envelope === undefined) continue;
    for (const c of exact) {
      const sigma = c.evaluator.matches(record);
      const pattern = c.compiled!.matches(envelope);
      compared++;
      if (sigma) hits++;
      if (sigma !== pattern) wrong.push(`${c.file} on ${label}: Sigma ${sigma}, pattern ${pattern}`);
    }
  }
  return { compared, hits, wrong };
}

describe('Sigma compiler, differential against an independent evaluator', () => {
  test('at least 24 of the 34 shared rules convert exact', () => {
    expect(cases).toHaveLength(34);
    expect(exact.length).toBeGreaterThanOrEqual(24);
  });

  test('exact patterns agree with the evaluator on every real CloudTrail record', () => {
    const real = [...stratusRecords(), ...pantherRecords()].map((record, i) => ({ label: `real record ${i} (${String(record.eventName)})`, record }));
    expect(real.length).toBeGreaterThan(700);
    const { compared, hits, wrong } = disagreements(real);
    expect(wrong).toEqual([]);
    expect(compared).toBeGreaterThan(700 * exact.length * 0.9);
    // Real attacks are in the data: some rules must fire, or the comparison says little.
    expect(hits).toBeGreaterThan(0);
  });

  test.each(exact.map((c) => [c.file, c] as const))('%s: exact pattern agrees on records generated from its selections and near misses', (_file, c) => {
    const generated = generatedRecords(c.text);
    expect(generated.length).toBeGreaterThan(5);
    const { wrong } = disagreements(generated);
    expect(wrong).toEqual([]);
    // The rule fires on some generated record and not on others: the comparison covered both sides.
    const verdicts = generated.map(({ record }) => c.evaluator.matches(record));
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });

  test('the base of the generated records matches no exact rule, so a hit comes from the selection', () => {
    const hits = exact.filter((c) => c.evaluator.matches(baseRecord()) || c.compiled!.matches(envelopeOf(baseRecord())));
    expect(hits.map((c) => c.file)).toEqual([]);
  });
});
