import { compilePattern, compilePatternSet, InvalidPatternError } from '../../../../functions/lib/event-pattern';
import { sharedSigmaTagRules } from '../../../../tools/bench/sigma-bench';
import { pantherRecords, stratusRecords } from '../../forwarder/support/cloudtrail';

describe('compilePatternSet', () => {
  const patterns: Record<string, unknown>[] = [
    ...sharedSigmaTagRules().map((r) => r.pattern),
    { resources: { type: ['AWS::S3::Bucket'], ARN: [{ prefix: 'arn:aws:s3:::' }] } },
    { userIdentity: { invokedBy: [{ exists: false }] }, $or: [{ errorCode: [{ exists: true }] }, { readOnly: [false] }] },
  ];
  const set = compilePatternSet(patterns);
  const one = patterns.map((p) => compilePattern(p));
  const everyPosition = patterns.map((_, i) => i);

  test('matches exactly the patterns compilePattern matches, on every shared CloudTrail record', () => {
    const records = [...stratusRecords(), ...pantherRecords()];
    let hits = 0;
    for (const record of records) {
      const expected = everyPosition.filter((i) => one[i]!.matches(record));
      hits += expected.length;
      expect(set.matching(record, everyPosition)).toEqual(expected);
    }
    expect(hits).toBeGreaterThan(100);
  });

  test('tests only the candidates it is given', () => {
    const record = stratusRecords().find((r) => r.eventName === 'StopLogging')!;
    const matching = set.matching(record, everyPosition);
    expect(matching.length).toBeGreaterThan(0);
    expect(set.matching(record, everyPosition.filter((i) => !matching.includes(i)))).toEqual([]);
    expect(set.matching(record, [])).toEqual([]);
  });

  test('each single candidate, walked for its own fields only, matches as compilePattern does (dotted keys included)', () => {
    const records = [...stratusRecords().slice(0, 200), { 'userIdentity.type': 'Root', eventType: 'AwsApiCall' }];
    let hits = 0;
    for (const record of records) {
      for (const i of everyPosition) {
        const expected = one[i]!.matches(record) ? [i] : [];
        hits += expected.length;
        expect(set.matching(record, [i])).toEqual(expected);
      }
    }
    expect(hits).toBeGreaterThan(10);
  });

  test('names the position of an invalid pattern', () => {
    expect(() => compilePatternSet([{ a: ['x'] }, { b: [{ prefix: 1 }] }])).toThrow(InvalidPatternError);
    expect(() => compilePatternSet([{ a: ['x'] }, { b: [{ prefix: 1 }] }])).toThrow(/\[1\]\.b\[0\]\.prefix: prefix match pattern must be a string/);
  });
});
