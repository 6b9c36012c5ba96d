import { compileFieldCondition, type FieldCondition } from './field-condition';
import type { PatternProblem } from './invalid-pattern-error';

/** One `$or`-free alternative of a pattern: field conditions that must all hold, keyed by dot-joined path. */
export type Branch = Map<string, FieldCondition>;

export const OR_KEYWORD = '$or';

/** Operator names that cannot be field names inside `$or` (event-ruler's RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case', 'date-after', 'date-on-or-after',
  'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range', 'ip-address-not-in-range',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function joinJsonPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * Expands a pattern into its branches, as event-ruler's JsonRuleCompiler does: fields are AND-ed; each `$or`
 * forks every branch built so far into one per alternative, and later fields join every branch. Problems are
 * appended to `problems` and compilation goes on, so that all of them are reported at once.
 */
export function expandBranches(pattern: unknown, problems: PatternProblem[]): Branch[] {
  const branches: Branch[] = [];
  if (!isPlainObject(pattern)) {
    problems.push({ path: '', reason: 'Filter is not an object' });
    return branches;
  }
  addObject(branches, pattern, '', '', false, problems);
  return branches;
}

function addObject(
  branches: Branch[],
  object: Record<string, unknown>,
  jsonPath: string,
  fieldPath: string,
  insideOr: boolean,
  problems: PatternProblem[],
): void {
  const keys = Object.keys(object);
  if (keys.length === 0) problems.push({ path: jsonPath, reason: 'Empty objects are not allowed' });
  for (const key of keys) {
    const value = object[key];
    const at = joinJsonPath(jsonPath, key);
    // "$or" followed by an array of objects is the OR primitive; otherwise it stays an ordinary field name
    // (event-ruler keeps legacy patterns that used "$or" as a key working).
    if (key === OR_KEYWORD && Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) {
      addOr(branches, value, at, fieldPath, problems);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      problems.push({ path: at, reason: `${key} is Ruler reserved fieldName which cannot be used inside ${OR_KEYWORD}.` });
      continue;
    }
    const childField = fieldPath === '' ? key : `${fieldPath}.${key}`;
    if (isPlainObject(value)) {
      addObject(branches, value, at, childField, insideOr, problems);
    } else if (Array.isArray(value)) {
      const condition = compileFieldCondition(value, at, childField, problems);
      if (condition === undefined) continue;
      if (branches.length === 0) branches.push(new Map());
      // The same path twice (`"a.b"` and `"a": {"b"}`): the later one wins, as in event-ruler.
      for (const branch of branches) branch.set(childField, condition);
    } else {
      problems.push({ path: at, reason: `"${key}" must be an object or an array` });
    }
  }
}

function addOr(
  branches: Branch[],
  alternatives: Record<string, unknown>[],
  jsonPath: string,
  fieldPath: string,
  problems: PatternProblem[],
): void {
  if (alternatives.length < 2) {
    problems.push({ path: jsonPath, reason: `There must have at least 2 Objects in ${OR_KEYWORD} relationship.` });
    return;
  }
  const before = branches.map((branch) => new Map(branch));
  branches.length = 0;
  alternatives.forEach((alternative, index) => {
    const forked = before.length === 0 ? [new Map()] : before.map((branch) => new Map(branch));
    addObject(forked, alternative, `${jsonPath}[${index}]`, fieldPath, true, problems);
    branches.push(...forked);
  });
}
