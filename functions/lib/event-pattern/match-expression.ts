import { ipInRange, parseCidr } from './ip-address';
import { inNumericRange, parseNumericRange } from './numeric-range';
import type { LeafValue, ValueTest } from './types';
import { parseWildcard, wildcardMatches, type WildcardSegments } from './wildcard';

/** A compiled `{ "operator": ... }` element of a field's value list. */
export type MatchExpression =
  | { readonly kind: 'test'; readonly test: ValueTest; readonly wildcards: readonly WildcardSegments[] }
  | { readonly kind: 'exists'; readonly present: boolean };

/** Why a match expression is invalid; `at` extends the element's path (`.anything-but.prefix`). */
export interface ExpressionProblem {
  readonly at: string;
  readonly reason: string;
}

const ONE_KEY = 'Only one key allowed in match expression';
const ANYTHING_BUT_VALUE = 'Value of anything-but must be an array or single string/number value.';

const isString = (value: LeafValue): value is string => typeof value === 'string';
const lower = (text: string): string => text.toLowerCase();

function test(fn: ValueTest, wildcards: readonly WildcardSegments[] = []): MatchExpression {
  return { kind: 'test', test: fn, wildcards };
}

function problem(reason: string, at = ''): ExpressionProblem {
  return { at, reason };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Compiles one operator object, e.g. `{ "prefix": "us-" }`, as EventBridge's rule compiler does. */
export function compileMatchExpression(expression: Record<string, unknown>): MatchExpression | ExpressionProblem {
  const keys = Object.keys(expression);
  if (keys.length === 0) return problem('Match expression name not found');
  if (keys.length > 1) return problem(ONE_KEY, `.${keys[1]}`);
  const operator = keys[0]!;
  const operand = expression[operator];
  const at = `.${operator}`;
  switch (operator) {
    case 'exactly':
      if (typeof operand !== 'string') return problem('exact match pattern must be a string', at);
      return test((value) => value === operand);
    case 'prefix':
    case 'suffix':
      return compileAffix(operator, operand, at);
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') return problem('equals-ignore-case match pattern must be a string', at);
      const wanted = lower(operand);
      return test((value) => isString(value) && lower(value) === wanted);
    }
    case 'wildcard': {
      if (typeof operand !== 'string') return problem('wildcard match pattern must be a string', at);
      const segments = parseWildcard(operand);
      if (typeof segments === 'string') return problem(segments, at);
      return test((value) => isString(value) && wildcardMatches(segments, value), [segments]);
    }
    case 'numeric': {
      const range = parseNumericRange(operand);
      if (typeof range === 'string') return problem(range, at);
      return test((value) => typeof value === 'number' && inNumericRange(range, value));
    }
    case 'cidr': {
      // EventBridge's own wording for a non-string cidr really is the prefix message.
      if (typeof operand !== 'string') return problem('prefix match pattern must be a string', at);
      const range = parseCidr(operand);
      if (typeof range === 'string') return problem(range, at);
      return test((value) => isString(value) && ipInRange(range, value));
    }
    case 'exists':
      if (typeof operand !== 'boolean') return problem('exists match pattern must be either true or false.', at);
      return { kind: 'exists', present: operand };
    case 'anything-but':
      return compileAnythingBut(operand, at);
    default:
      return problem(`Unrecognized match type ${operator}`, at);
  }
}

/** `prefix` / `suffix`, either a string or `{ "equals-ignore-case": string }`. */
function compileAffix(operator: 'prefix' | 'suffix', operand: unknown, at: string): MatchExpression | ExpressionProblem {
  const name = operator === 'prefix' ? 'Prefix' : 'Suffix';
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length === 0) return problem(`${name} expression name not found`, at);
    if (keys[0] !== 'equals-ignore-case') return problem(`Unsupported ${operator} pattern: ${keys[0]}`, `${at}.${keys[0]}`);
    if (keys.length > 1) return problem(ONE_KEY, `${at}.${keys[1]}`);
    const text = operand['equals-ignore-case'];
    if (typeof text !== 'string') return problem('equals-ignore-case match pattern must be a string', `${at}.equals-ignore-case`);
    const wanted = lower(text);
    return operator === 'prefix'
      ? test((value) => isString(value) && lower(value).startsWith(wanted))
      : test((value) => isString(value) && lower(value).endsWith(wanted));
  }
  if (typeof operand !== 'string') return problem(`${operator} match pattern must be a string`, at);
  return operator === 'prefix'
    ? test((value) => isString(value) && value.startsWith(operand))
    : test((value) => isString(value) && value.endsWith(operand));
}

/**
 * `anything-but` matches every present value (null included, any type) that the excluded values do not match.
 * Forms: a string or number, a list of only strings or only numbers, or `{prefix|suffix|equals-ignore-case|wildcard}`
 * with a string or a list of strings.
 */
function compileAnythingBut(operand: unknown, at: string): MatchExpression | ExpressionProblem {
  if (isPlainObject(operand)) return compileAnythingButOf(operand, at);
  if (Array.isArray(operand)) {
    const strings = operand.every((item) => typeof item === 'string');
    const numbers = operand.every((item) => typeof item === 'number');
    const unsupported = operand.findIndex((item) => typeof item !== 'string' && typeof item !== 'number');
    if (unsupported >= 0) return problem('Inside anything but list, start|null|boolean is not supported.', `${at}[${unsupported}]`);
    if (operand.length === 0 || (!strings && !numbers)) {
      return problem('Inside anything but list, either all values are number or string, mixed type is not supported', at);
    }
    const excluded = new Set<LeafValue>(operand as (string | number)[]);
    return test((value) => !excluded.has(value));
  }
  if (typeof operand === 'string' || typeof operand === 'number') return test((value) => value !== operand);
  return problem(ANYTHING_BUT_VALUE, at);
}

function compileAnythingButOf(operand: Record<string, unknown>, at: string): MatchExpression | ExpressionProblem {
  const keys = Object.keys(operand);
  if (keys.length === 0) return problem('Anything-But expression name not found', at);
  const inner = keys[0]!;
  const innerAt = `${at}.${inner}`;
  if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(inner)) {
    return problem(`Unsupported anything-but pattern: ${inner}`, innerAt);
  }
  if (keys.length > 1) return problem(ONE_KEY, `${at}.${keys[1]}`);
  const value = operand[inner];
  if (!Array.isArray(value) && typeof value !== 'string' && typeof value !== 'number') return problem(ANYTHING_BUT_VALUE, innerAt);
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const wrongType =
    inner === 'equals-ignore-case'
      ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
      : inner === 'wildcard'
        ? 'wildcard match pattern must be a string'
        : 'prefix/suffix match pattern must be a string';
  const texts: string[] = [];
  for (const [index, item] of items.entries()) {
    const itemAt = Array.isArray(value) ? `${innerAt}[${index}]` : innerAt;
    if (typeof item !== 'string') return problem(wrongType, itemAt);
    if ((inner === 'prefix' || inner === 'suffix') && item === '') return problem('Null prefix/suffix not allowed', itemAt);
    texts.push(item);
  }
  switch (inner) {
    case 'prefix':
      return test((v) => !isString(v) || !texts.some((text) => v.startsWith(text)));
    case 'suffix':
      return test((v) => !isString(v) || !texts.some((text) => v.endsWith(text)));
    case 'equals-ignore-case': {
      const excluded = new Set(texts.map(lower));
      return test((v) => !isString(v) || !excluded.has(lower(v)));
    }
    default: {
      const parsed: WildcardSegments[] = [];
      for (const [index, text] of texts.entries()) {
        const segments = parseWildcard(text);
        if (typeof segments === 'string') return problem(segments, Array.isArray(value) ? `${innerAt}[${index}]` : innerAt);
        parsed.push(segments);
      }
      return test((v) => !isString(v) || !parsed.some((segments) => wildcardMatches(segments, v)), parsed);
    }
  }
}
