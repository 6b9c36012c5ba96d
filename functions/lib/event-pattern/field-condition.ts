import { looksLikeIpAddress, ipInRange, singleAddressRange } from './ip-address';
import type { PatternProblem } from './invalid-pattern-error';
import { compileMatchExpression } from './match-expression';
import type { LeafValue, ValueTest } from './types';
import type { WildcardSegments } from './wildcard';

/**
 * What one field of a pattern asks of the event: the field (a dot-joined path) must have a leaf value that one of
 * the value matchers accepts, or, when `absentOk`, may have no leaf value at all (`{"exists": false}`).
 */
export interface FieldCondition {
  readonly path: string;
  readonly absentOk: boolean;
  /** Exact values, looked up in one step instead of testing each listed value. */
  readonly exactValues: ReadonlySet<LeafValue>;
  readonly tests: readonly ValueTest[];
  /** Wildcard patterns of this field, for the complexity limit. */
  readonly wildcards: readonly WildcardSegments[];
}

/** True when `value`, a leaf at the condition's path, satisfies one of its value matchers. */
export function acceptsValue(condition: FieldCondition, value: LeafValue): boolean {
  if (condition.exactValues.has(value)) return true;
  for (const test of condition.tests) if (test(value)) return true;
  return false;
}

/**
 * Compiles a field's value list (`["a", {"prefix": "b"}, 3]`); problems are appended to `problems`.
 * @param jsonPath where the list sits in the pattern, for messages (`detail.state`)
 * @param path the dot-joined event field it applies to
 */
export function compileFieldCondition(
  values: readonly unknown[],
  jsonPath: string,
  path: string,
  problems: PatternProblem[],
): FieldCondition | undefined {
  if (values.length === 0) {
    problems.push({ path: jsonPath, reason: 'Empty arrays are not allowed' });
    return undefined;
  }
  const exactValues = new Set<LeafValue>();
  const tests: ValueTest[] = [];
  const wildcards: WildcardSegments[] = [];
  let absentOk = false;
  let valid = true;
  values.forEach((value, index) => {
    const at = `${jsonPath}[${index}]`;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      exactValues.add(value);
      // event-ruler turns a string that is an IP literal into an address match: "10.0.0.1" also matches "10.000.0.1".
      const address = typeof value === 'string' && looksLikeIpAddress(value) ? singleAddressRange(value) : undefined;
      if (address !== undefined) tests.push((leaf) => typeof leaf === 'string' && ipInRange(address, leaf));
      return;
    }
    if (Array.isArray(value) || typeof value !== 'object') {
      problems.push({ path: at, reason: 'Match value must be String, number, true, false, or null' });
      valid = false;
      return;
    }
    const expression = compileMatchExpression(value as Record<string, unknown>);
    if ('reason' in expression) {
      problems.push({ path: `${at}${expression.at}`, reason: expression.reason });
      valid = false;
    } else if (expression.kind === 'exists') {
      if (expression.present) tests.push(() => true);
      else absentOk = true;
    } else {
      tests.push(expression.test);
      wildcards.push(...expression.wildcards);
    }
  });
  return valid ? { path, absentOk, exactValues, tests, wildcards } : undefined;
}
