import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileDirectPattern, compilePattern, InvalidPatternError } from '../../../../functions/lib/event-pattern';
import { sharedSigmaTagRules } from '../../../../tools/bench/sigma-bench';
import { generatedRecords } from '../../../support/sigma-records';
import { sharedDataPath } from '../../../support/shared-data';
import { pantherRecords, stratusRecords } from '../../forwarder/support/cloudtrail';

const sigmaPatterns = sharedSigmaTagRules().map((r) => r.pattern);
const otherPatterns: Record<string, unknown>[] = [
  { resources: { type: ['AWS::S3::Bucket'], ARN: [{ prefix: 'arn:aws:s3:::' }] } },
  { userIdentity: { invokedBy: [{ exists: false }] }, $or: [{ errorCode: [{ exists: true }] }, { readOnly: [false] }] },
  { 'userIdentity.sessionContext': { sessionIssuer: { type: ['Role'] } }, requestParameters: { bucketName: [{ 'anything-but': 'x' }] } },
  { a: [1, null], 'a.b': ['x'] },
];

/** The verdict of the direct read, or 'walk' when it leaves the event to the full matcher. */
function directVerdicts(pattern: unknown, records: readonly Record<string, unknown>[]): (boolean | 'walk')[] {
  const direct = compileDirectPattern(pattern)!;
  return records.map((record) => direct.matches(record) ?? 'walk');
}

describe('compileDirectPattern', () => {
  const sharedRecords = [...stratusRecords(), ...pantherRecords()];
  const rulesDir = sharedDataPath('sigma', 'rules');
  const generated = readdirSync(rulesDir).flatMap((file) => generatedRecords(readFileSync(join(rulesDir, file), 'utf8')).map((g) => g.record));

  test('agrees with compilePattern wherever it decides, on every shared CloudTrail record and every record generated from the shared Sigma rules', () => {
    const records = [...sharedRecords, ...generated];
    let hits = 0;
    let walked = 0;
    for (const pattern of [...sigmaPatterns, ...otherPatterns]) {
      const full = compilePattern(pattern);
      const expected = records.map((record) => full.matches(record));
      const verdicts = directVerdicts(pattern, records);
      hits += expected.filter(Boolean).length;
      walked += verdicts.filter((v) => v === 'walk').length;
      expect(verdicts.map((v, i) => (v === 'walk' ? expected[i] : v))).toEqual(expected);
    }
    expect(hits).toBeGreaterThan(500);
    // resources is an array of objects in CloudTrail: its pattern goes to the walk.
    expect(walked).toBeGreaterThan(0);
  });

  test('decides every shared record and generated record for the Sigma rules (the forwarder never walks them there)', () => {
    const records = [...sharedRecords, ...generated];
    expect(sigmaPatterns.length).toBeGreaterThan(30);
    for (const pattern of sigmaPatterns) expect(directVerdicts(pattern, records).filter((v) => v === 'walk')).toEqual([]);
  });

  test('leaves to the walk a key with dots on a field, and an array of objects on its path; agrees where it decides', () => {
    const pattern = { userIdentity: { type: [{ 'equals-ignore-case': 'Root' }] }, eventName: ['ListBuckets'] };
    const records: Record<string, unknown>[] = [
      { 'userIdentity.type': 'Root', userIdentity: { type: 'IAMUser' }, eventName: 'ListBuckets' },
      { userIdentity: [{ type: 'Root' }], eventName: 'ListBuckets' },
      { userIdentity: { type: ['IAMUser', ['root']] }, eventName: ['x', 'ListBuckets'] },
      { userIdentity: { type: ['IAMUser', { type: 'Root' }] }, eventName: 'ListBuckets' },
      { userIdentity: { type: { Root: true } }, eventName: 'ListBuckets' },
      { userIdentity: null, eventName: 'ListBuckets' },
      { userIdentity: 'Root', eventName: 'ListBuckets' },
      { userIdentity: { type: 'Root' }, eventName: 'listbuckets' },
    ];
    const full = compilePattern(pattern);
    expect(directVerdicts(pattern, records)).toEqual(['walk', 'walk', true, 'walk', false, false, false, false]);
    expect(records.map((r) => full.matches(r))).toEqual([true, true, true, false, false, false, false, false]);
  });

  test('reads a dotted pattern key as the nested path, and lets a deeper dotted key of the event go to the walk', () => {
    const pattern = { 'a.b': { c: [{ exists: false }] } };
    const full = compilePattern(pattern);
    const records = [{ a: { b: { c: 1 } } }, { a: { b: {} } }, { a: { 'b.c': 1 } }, { 'a.b.c': 1 }, { a: { b: { c: [] } } }];
    expect(directVerdicts(pattern, records)).toEqual([false, true, 'walk', 'walk', true]);
    expect(records.map((r) => full.matches(r))).toEqual([false, true, false, false, true]);
  });

  test('given the only leaf of some fields, decides what they decide and leaves the rest to read, as compilePattern matches', () => {
    const known = ['eventSource', 'eventName', 'userIdentity.type'];
    const records = [...sharedRecords, ...generated].filter((r) => typeof r.eventSource === 'string' && typeof r.eventName === 'string' && typeof (r.userIdentity as Record<string, unknown> | undefined)?.type === 'string');
    expect(records.length).toBeGreaterThan(500);
    let decided = 0;
    let hits = 0;
    for (const pattern of [...sigmaPatterns, ...otherPatterns]) {
      const full = compilePattern(pattern);
      const direct = compileDirectPattern(pattern)!;
      for (const record of records) {
        const leaves = new Map(known.map((path) => [path, path.split('.').reduce<any>((node, key) => node[key], record)]));
        const rest = direct.given(leaves);
        decided += typeof rest === 'boolean' ? 1 : 0;
        const verdict = typeof rest === 'boolean' ? rest : (rest.matches(record) ?? full.matches(record));
        hits += verdict ? 1 : 0;
        expect(verdict).toBe(full.matches(record));
      }
    }
    expect(decided).toBeGreaterThan(records.length * 10);
    expect(hits).toBeGreaterThan(100);
  });

  test('is not offered for a field named like an inherited property, and refuses an invalid pattern as compilePattern does', () => {
    expect(compileDirectPattern({ constructor: ['x'] })).toBeUndefined();
    expect(compileDirectPattern({ a: { toString: ['x'] } })).toBeUndefined();
    expect(() => compileDirectPattern({ a: [{ prefix: 1 }] })).toThrow(InvalidPatternError);
  });
});
