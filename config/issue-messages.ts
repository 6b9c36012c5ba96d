import { z } from 'zod';

/**
 * House-style messages for zod's own issues: the value received, what is allowed, and the fix
 * (the caller puts the JSON path in front). Passed to `safeParse` as the per-parse error map, so
 * it words every issue a schema did not word itself; a schema's own `error:` wins.
 */
export const houseStyleErrorMap: z.core.$ZodErrorMap = (issue) => houseStyleMessage(issue);

const SCHEMA_FILE = 'schema/topology.schema.json';

/**
 * The final message of an issue. A schema's own wording often states only the rule ("a rule name
 * uses lowercase letters, ..."); the value received goes in front when the message lacks it.
 */
export function issueMessage(issue: z.core.$ZodIssue): string {
  const input = issue.input;
  const primitive = typeof input === 'string' || typeof input === 'number' || typeof input === 'boolean';
  if (!primitive || issue.message.includes(JSON.stringify(input))) return issue.message;
  return `${show(input)} is not allowed: ${issue.message}`;
}

export function houseStyleMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return invalidType(issue.expected, issue.input);
    case 'too_small':
    case 'too_big':
      return outOfRange(issue.origin, issue.input, rangeOf(issue));
    case 'invalid_value':
      return `${show(issue.input)} is not allowed; use ${oneOf(issue.values)}${closest(issue.input, issue.values.map(String))}`;
    case 'unrecognized_keys':
      return unknownKeys(issue.keys, allowedKeys(issue));
    case 'invalid_union':
      return noMatchingForm(issue);
    case 'invalid_format':
      return issue.format === 'regex'
        ? `${show(issue.input)} does not have the form this option needs (${issue.pattern}); see its description in ${SCHEMA_FILE}`
        : `${show(issue.input)} is not a valid ${issue.format}; write ${/^[aeiou]/.test(issue.format) ? 'an' : 'a'} ${issue.format} (see the option's description in ${SCHEMA_FILE})`;
    case 'not_multiple_of':
      return `${show(issue.input)} is not a multiple of ${issue.divisor}; use a multiple of ${issue.divisor}`;
    case 'invalid_key':
      return `key ${show(issue.input)} is not allowed here; see the keys this option takes in ${SCHEMA_FILE}`;
    case 'invalid_element':
      return `${show(issue.input)} holds an element that is not allowed; see the option's description in ${SCHEMA_FILE}`;
    default:
      return `${show(issue.input)} is not allowed here; see the option's description in ${SCHEMA_FILE}`;
  }
}

function invalidType(expected: string, input: unknown): string {
  const wanted = typePhrase(expected);
  if (input === undefined) return `is required and missing; add it (${wanted}; see its description in ${SCHEMA_FILE})`;
  return `${show(input)} is ${kindOf(input)}, but this option takes ${wanted}; ${typeFix(expected, input)}`;
}

function typeFix(expected: string, input: unknown): string {
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) return `write it in double quotes: "${String(input)}"`;
  if ((expected === 'number' || expected === 'int') && typeof input === 'string' && input.trim() !== '' && Number.isFinite(Number(input))) {
    return `write it without quotes: ${Number(input)}`;
  }
  if (expected === 'int' && typeof input === 'number') return `write a whole number, such as ${Math.round(input)}`;
  if (expected === 'boolean' && (input === 'true' || input === 'false')) return `write it without quotes: ${input}`;
  if (expected === 'array' && !Array.isArray(input)) return `write it as a list: [${show(input)}]`;
  return `write ${wantedExample(expected)}`;
}

function typePhrase(expected: string): string {
  const phrases: Record<string, string> = {
    string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'an object', record: 'an object',
  };
  return phrases[expected] ?? expected;
}

function wantedExample(expected: string): string {
  const examples: Record<string, string> = { string: 'a string in double quotes', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list: [ ... ]', object: 'an object: { ... }', record: 'an object: { ... }' };
  return examples[expected] ?? typePhrase(expected);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a number' : 'a fractional number';
  return { string: 'a string', boolean: 'a boolean', object: 'an object' }[typeof value as string] ?? typeof value;
}

/** A bound of the range a schema allows; whole-number bounds are made inclusive. */
interface Bound {
  readonly value: number;
  readonly inclusive: boolean;
}

/** The range a schema allows, from all its checks (a too_small issue knows only its own bound). */
interface Range {
  readonly min?: Bound;
  readonly max?: Bound;
}

function rangeOf(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig>): Range {
  // A check's issue carries the check as `inst` and the schema holding it as `schema`.
  const schema = (issue as { schema?: unknown }).schema ?? issue.inst;
  const whole = issue.origin !== 'number' || isWholeNumberSchema(schema);
  const bound = (value: unknown, inclusive: boolean | undefined, direction: 1 | -1): Bound =>
    inclusive !== false ? { value: Number(value), inclusive: true } : whole ? { value: Number(value) + direction, inclusive: true } : { value: Number(value), inclusive: false };
  let min: Bound | undefined;
  let max: Bound | undefined;
  for (const check of checksOf(schema)) {
    const def = check._zod.def as { check: string; value?: unknown; inclusive?: boolean; minimum?: number; maximum?: number; length?: number };
    if (def.check === 'greater_than') min = bound(def.value, def.inclusive, 1);
    if (def.check === 'less_than') max = bound(def.value, def.inclusive, -1);
    if (def.check === 'min_length' || def.check === 'min_size') min = bound(def.minimum, true, 1);
    if (def.check === 'max_length' || def.check === 'max_size') max = bound(def.maximum, true, -1);
    if (def.check === 'length_equals' || def.check === 'size_equals') min = max = bound(def.length, true, 1);
  }
  // Without the schema (a check used alone), the issue's own bound is all there is.
  if (issue.code === 'too_small' && !min) min = bound(issue.minimum, issue.inclusive, 1);
  if (issue.code === 'too_big' && !max) max = bound(issue.maximum, issue.inclusive, -1);
  return { min, max };
}

function checksOf(inst: unknown): z.core.$ZodCheck[] {
  const schema = inst as { _zod?: { def?: { checks?: z.core.$ZodCheck[] } } } | undefined;
  return schema?._zod?.def?.checks ?? [];
}

function isWholeNumberSchema(inst: unknown): boolean {
  return checksOf(inst).some((c) => {
    const def = c._zod.def as { check: string; format?: string };
    return def.check === 'number_format' && /int/.test(String(def.format));
  });
}

/** `1 to 10`, `at least 1`, `above 0`, `exactly 3`. */
function rangePhrase({ min, max }: Range): string {
  const low = min && (min.inclusive ? `at least ${min.value}` : `above ${min.value}`);
  const high = max && (max.inclusive ? `at most ${max.value}` : `below ${max.value}`);
  if (min && max && min.inclusive && max.inclusive) return min.value === max.value ? `exactly ${min.value}` : `${min.value} to ${max.value}`;
  return [low, high].filter(Boolean).join(' and ');
}

function outOfRange(origin: string, input: unknown, range: Range): string {
  const allowed = rangePhrase(range);
  if (origin === 'array' || origin === 'set') {
    const n = Array.isArray(input) ? input.length : 0;
    const items = (range.max ?? range.min)?.value === 1 ? 'item' : 'items';
    return n === 0 ? `[] is empty; list ${allowed} ${items} here` : `the list has ${n} item${n === 1 ? '' : 's'}; list ${allowed} ${items}`;
  }
  if (origin === 'string') {
    const n = typeof input === 'string' ? input.length : 0;
    return `${show(input)} is ${n} character${n === 1 ? '' : 's'} long; use ${allowed} characters`;
  }
  return `${show(input)} is out of range; use ${/^\d/.test(allowed) ? `a number from ${allowed}` : `a number ${allowed.replace(/^(at least|at most)/, 'of $1')}`}`;
}

function allowedKeys(issue: z.core.$ZodRawIssue): string[] {
  const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape).filter((k) => !k.startsWith('$')) : [];
}

function unknownKeys(keys: readonly string[], allowed: readonly string[]): string {
  const names = keys.map((k) => `${JSON.stringify(k)}${closest(k, allowed)}`).join(', ');
  const list = allowed.length > 0 ? `; the keys allowed here are ${allowed.join(', ')}` : `; see ${SCHEMA_FILE} for the keys allowed here`;
  return `unknown key${keys.length > 1 ? 's' : ''} ${names}${list}: check the spelling or remove ${keys.length > 1 ? 'them' : 'it'}`;
}

function noMatchingForm(issue: z.core.$ZodRawIssue<z.core.$ZodIssueInvalidUnion>): string {
  const discriminatorValues = (issue as { options?: unknown }).options;
  if (issue.discriminator && Array.isArray(discriminatorValues)) {
    const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
    return `${show(value)} is not a known ${issue.discriminator}; use ${oneOf(discriminatorValues)}${closest(value, discriminatorValues.map(String))}`;
  }
  const options = ((issue.inst as { _zod?: { def?: { options?: unknown[] } } } | undefined)?._zod?.def?.options ?? []).map(formOf);
  return `${show(issue.input)} matches none of the forms this option takes; use ${options.length > 0 ? options.join(' or ') : `one of those in ${SCHEMA_FILE}`}`;
}

/** A union member as a reader would name it: `false`, `an object (keys a, b)`, `a string`. */
function formOf(option: unknown): string {
  const def = (option as { _zod?: { def?: { type?: string; values?: unknown[]; shape?: Record<string, unknown> } } })._zod?.def;
  if (!def) return 'another form';
  if (def.type === 'literal') return (def.values ?? []).map((v) => JSON.stringify(v)).join(' or ');
  if (def.type === 'object') return `an object (keys ${Object.keys(def.shape ?? {}).join(', ')})`;
  return typePhrase(def.type ?? 'another form');
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`;
}

/** ` (did you mean "x"?)` for a near miss (a typo: at most 2 edits, or a third of the length), else ''. */
function closest(value: unknown, candidates: readonly string[]): string {
  if (typeof value !== 'string' || value === '') return '';
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance > 0 && bestDistance <= Math.max(2, Math.floor(value.length / 3)) ? ` (did you mean ${JSON.stringify(best)}?)` : '';
}

function editDistance(a: string, b: string): number {
  // Damerau-Levenshtein (optimal string alignment): a swap of neighbours (regoins) is one edit, as a typist makes it.
  let twoBack: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j], twoBack[j - 2] + 1);
    }
    [twoBack, previous] = [previous, current];
  }
  return previous[b.length];
}

/** A value as the user wrote it, shortened. */
function show(value: unknown): string {
  if (value === undefined) return '(nothing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
