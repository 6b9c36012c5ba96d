import { readFileSync } from 'node:fs';
import { compilePattern, InvalidPatternError, validatePattern } from '../../../../functions/lib/event-pattern';
import { sharedDataPath } from '../../../support/shared-data';

interface Vector {
  label: string;
  expect: 'match' | 'nomatch' | 'exception';
  Event: Record<string, unknown>;
  EventPattern: Record<string, unknown>;
}

const readJson = (...segments: string[]): unknown => JSON.parse(readFileSync(sharedDataPath(...segments), 'utf8'));

const vectors = readJson('eventbridge', 'localstack', 'pattern-vectors.json') as Vector[];

function outcome(vector: Vector): Vector['expect'] {
  try {
    return compilePattern(vector.EventPattern).matches(vector.Event) ? 'match' : 'nomatch';
  } catch (err) {
    if (err instanceof InvalidPatternError) return 'exception';
    throw err;
  }
}

describe('the vectors recorded against EventBridge TestEventPattern', () => {
  it('are all present', () => {
    expect(vectors).toHaveLength(78);
  });

  test.each(vectors.map((vector) => [vector.label, vector] as const))('%s', (_label, vector) => {
    expect(outcome(vector)).toBe(vector.expect);
    // validatePattern must agree with compilePattern on validity.
    expect(validatePattern(vector.EventPattern).length > 0).toBe(vector.expect === 'exception');
  });
});

describe("event-ruler's big event stress case", () => {
  const bigEvent = readJson('eventbridge', 'event-ruler', 'bigEvent.json') as { detail: Record<string, any> };
  const bigEventRule = readJson('eventbridge', 'event-ruler', 'bigEventRule.json');

  it('matches the route53 rule against the 256 KB event', () => {
    expect(compilePattern(bigEventRule).matches(bigEvent)).toBe(true);
  });

  it('does not match once no single change has both the action and the record type', () => {
    const changes = bigEvent.detail.requestParameters.changeBatch.changes as { action: string; resourceRecordSet: { type: string } }[];
    // Every change keeps a matching action or a matching type, never both: only array-consistent matching tells.
    const split = structuredClone(bigEvent);
    split.detail.requestParameters.changeBatch.changes = changes.map((change, i) => ({
      ...change,
      action: i % 2 === 0 ? 'CREATE' : 'REMOVE',
      resourceRecordSet: { ...change.resourceRecordSet, type: i % 2 === 0 ? 'MX' : 'A' },
    }));
    expect(compilePattern(bigEventRule).matches(split)).toBe(false);
  });

  it('matches it fast once compiled', () => {
    const compiled = compilePattern(bigEventRule);
    const started = performance.now();
    for (let i = 0; i < 20; i++) compiled.matches(bigEvent);
    expect((performance.now() - started) / 20).toBeLessThan(50);
  });
});
