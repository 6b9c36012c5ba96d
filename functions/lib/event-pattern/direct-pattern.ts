/**
 * A pattern matched by reading each of its fields straight off a parsed JSON event (`event.a.b`), with no walk of
 * the event and nothing allocated per event: the forwarder tests every record against its Sigma rules. The full
 * matcher (compilePattern) stays the definition; this one answers only where both must agree, and says
 * `undefined` where only the walk decides:
 * - an array on a field's path before its last segment (arrays of objects carry event-ruler's array-consistent
 *   matching), or an object inside an array at the field;
 * - a key with dots that also reaches a field (`{"userIdentity.type": ...}`: keys are joined with dots before
 *   they are compared).
 */
import { acceptsValue, type FieldCondition } from './field-condition';
import { InvalidPatternError, type PatternProblem } from './invalid-pattern-error';
import { expandBranches } from './rule-branches';
import type { LeafValue } from './types';

export interface DirectPattern {
  /** compilePattern(pattern).matches(event) for a JSON object event, or undefined when the full walk must decide. */
  matches(event: Record<string, unknown>): boolean | undefined;
  /**
   * The pattern on events whose only leaf at each path of `known` (dot-joined) is its value: true or false when
   * those leaves decide it, else the pattern of what is left to read (the conditions on `known` are gone).
   */
  given(known: ReadonlyMap<string, LeafValue>): boolean | DirectPattern;
}

interface DirectField {
  readonly segments: readonly string[];
  /** Per segment but the last, the keys with dots (that segment joined with the following ones) that reach the field too. */
  readonly dottedKeys: readonly (readonly string[])[];
  readonly condition: FieldCondition;
}

/**
 * Compiles `pattern` (throwing InvalidPatternError as compilePattern does), or returns undefined when a field's path
 * cannot be read directly: an empty segment, or a name that plain objects inherit (`constructor`, `__proto__`).
 */
export function compileDirectPattern(pattern: unknown): DirectPattern | undefined {
  const problems: PatternProblem[] = [];
  const branches = expandBranches(pattern, problems);
  if (problems.length > 0) throw new InvalidPatternError(problems);
  const fields = branches.map((branch) => [...branch.values()].map(directField));
  if (fields.some((branch) => branch.some((field) => field === undefined))) return undefined;
  return new DirectEventPattern(fields as DirectField[][]);
}

function directField(condition: FieldCondition): DirectField | undefined {
  const segments = condition.path.split('.');
  if (segments.some((segment) => segment === '' || segment in Object.prototype)) return undefined;
  const last = segments.length - 1;
  const dottedKeys = Array.from({ length: last }, (_, i) => Array.from({ length: last - i }, (__, j) => segments.slice(i, i + j + 2).join('.')));
  return { segments, dottedKeys, condition };
}

class DirectEventPattern implements DirectPattern {
  constructor(private readonly branches: readonly (readonly DirectField[])[]) {}

  // One loop over branches and fields, not a call per branch: fewer functions for V8 to optimize in a fresh process.
  matches(event: Record<string, unknown>): boolean | undefined {
    let undecided = false;
    branches: for (const branch of this.branches) {
      let branchUndecided = false;
      for (const field of branch) {
        // A field that fails on the direct read fails on the walk too: the branch fails.
        const verdict = fieldVerdict(field, event);
        if (verdict === false) continue branches;
        if (verdict === undefined) branchUndecided = true;
      }
      if (!branchUndecided) return true;
      undecided = true;
    }
    return undecided ? undefined : false;
  }

  given(known: ReadonlyMap<string, LeafValue>): boolean | DirectPattern {
    const left: DirectField[][] = [];
    branches: for (const branch of this.branches) {
      const rest: DirectField[] = [];
      for (const field of branch) {
        const { path } = field.condition;
        if (!known.has(path)) rest.push(field);
        else if (!acceptsValue(field.condition, known.get(path)!)) continue branches;
      }
      if (rest.length === 0) return true;
      left.push(rest);
    }
    return left.length === 0 ? false : new DirectEventPattern(left);
  }
}

function fieldVerdict(field: DirectField, event: Record<string, unknown>): boolean | undefined {
  const { segments, dottedKeys, condition } = field;
  const last = segments.length - 1;
  let node: Record<string, unknown> = event;
  for (let i = 0; i < last; i++) {
    const dotted = dottedKeys[i]!;
    for (let k = 0; k < dotted.length; k++) if (node[dotted[k]!] !== undefined) return undefined;
    const child = node[segments[i]!];
    if (child === null || typeof child !== 'object') return condition.absentOk;
    if (Array.isArray(child)) return undefined;
    node = child as Record<string, unknown>;
  }
  // The value at the field: a leaf, an array of leaves (crushed), or nothing (an object has no leaf here).
  const value = node[segments[last]!];
  if (value === undefined) return condition.absentOk;
  if (value === null || typeof value !== 'object') return acceptsValue(condition, value as LeafValue);
  if (!Array.isArray(value)) return condition.absentOk;
  const found = arrayVerdict(condition, value);
  return found === NO_LEAF ? condition.absentOk : found;
}

const NO_LEAF = 'no leaf';

function arrayVerdict(condition: FieldCondition, values: readonly unknown[]): boolean | undefined | typeof NO_LEAF {
  let result: boolean | typeof NO_LEAF = NO_LEAF;
  for (const value of values) {
    if (value === undefined) continue;
    if (value !== null && typeof value === 'object') {
      if (!Array.isArray(value)) return undefined;
      const inner = arrayVerdict(condition, value);
      if (inner === true || inner === undefined) return inner;
      if (inner === false) result = false;
    } else if (acceptsValue(condition, value as LeafValue)) {
      return true;
    } else {
      result = false;
    }
  }
  return result;
}
