import { OBJECT_FIELDS, SINGLE_VALUE_FIELDS } from './cloudtrail-fields';
import { UnsupportedError, type Literal, type Match, type Part } from './literals';

/** The value list of one pattern field and where it is not exactly the Sigma literal. */
export interface FieldValues {
  readonly values: readonly unknown[];
  readonly approximations: readonly string[];
}

/**
 * Any value that is not null: every string, every number (each is > 0 or <= 0) and both booleans. A Sigma value
 * of only wildcards matches the text of any of them.
 */
export const ANY_VALUE: readonly unknown[] = [{ wildcard: '*' }, { numeric: ['>', 0] }, { numeric: ['<=', 0] }, true, false];

/** A text match as EventBridge can say it: one of four shapes over literal text. */
type Shape =
  | { readonly kind: 'exact' | 'prefix' | 'suffix'; readonly text: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'wildcard'; readonly segments: readonly string[] };

const hasCasedLetters = (text: string): boolean => text.toLowerCase() !== text.toUpperCase();
const escapeWildcard = (text: string): string => text.replace(/[\\*]/g, '\\$&');

/** `?` becomes `*` (noted by the caller); runs of stars become one, as EventBridge forbids `**`. */
function shapeOf(parts: readonly Part[]): Shape {
  const segments: string[] = [''];
  for (const part of parts) {
    if (part.kind === 'text') segments[segments.length - 1] += part.text;
    else if (segments[segments.length - 1] !== '' || segments.length === 1) segments.push('');
  }
  // A leading star leaves ['', ...]; collapsing made every middle segment non-empty.
  if (segments.length === 1) return { kind: 'exact', text: segments[0]! };
  if (segments.every((s) => s === '')) return { kind: 'any' };
  if (segments.length === 2 && segments[1] === '') return { kind: 'prefix', text: segments[0]! };
  if (segments.length === 2 && segments[0] === '') return { kind: 'suffix', text: segments[1]! };
  return { kind: 'wildcard', segments };
}

/** The numbers and booleans whose JSON text is `text` (Sigma compares every value as a string). */
function nonStringTwins(text: string, cased: boolean): unknown[] {
  const same = (a: string) => (cased ? a === text : a.toLowerCase() === text.toLowerCase());
  const twins: unknown[] = [];
  if (same('true')) twins.push(true);
  if (same('false')) twins.push(false);
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text) && same(String(Number(text)))) twins.push(Number(text));
  return twins;
}

/** Whether a prefix, suffix or wildcard could match the text of a number or a boolean. */
function mayMatchNonString(shape: Shape, cased: boolean): boolean {
  if (shape.kind === 'any' || shape.kind === 'exact') return false;
  const literal = shape.kind === 'wildcard' ? shape.segments.join('') : shape.text;
  if ((cased ? /^[-+.\de]*$/ : /^[-+.\deE]*$/).test(literal)) return true;
  const regex = new RegExp(`^${(shape.kind === 'wildcard' ? shape.segments : shape.kind === 'prefix' ? [shape.text, ''] : ['', shape.text]).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, cased ? '' : 'i');
  return regex.test('true') || regex.test('false');
}

function describe(literal: Literal): string {
  return literal.at;
}

/** One positive text match as pattern values, with what is not exact about it. */
function positiveText(match: Extract<Match, { kind: 'text' }>, literal: Literal, notes: string[]): unknown[] {
  if (match.parts.some((p) => p.kind === 'one')) notes.push(`${describe(literal)}: \`?\` (one character) becomes \`*\`, as EventBridge wildcards have no single-character form (over-matches)`);
  const shape = shapeOf(match.parts);
  if (mayMatchNonString(shape, match.cased)) notes.push(`${describe(literal)}: the value could match the text of a number or true/false, which EventBridge prefix/suffix/wildcard matching does not see (under-matches)`);
  const ignoreCase = !match.cased;
  switch (shape.kind) {
    case 'any':
      return [...ANY_VALUE];
    case 'exact':
      return [ignoreCase ? { 'equals-ignore-case': shape.text } : shape.text, ...nonStringTwins(shape.text, match.cased)];
    case 'prefix':
    case 'suffix':
      return [{ [shape.kind]: ignoreCase ? { 'equals-ignore-case': shape.text } : shape.text }];
    case 'wildcard':
      if (ignoreCase && shape.segments.some(hasCasedLetters)) {
        notes.push(`${describe(literal)}: EventBridge wildcards are case-sensitive and Sigma matches ignoring case, so a value in another case is missed (under-matches)`);
      }
      return [{ wildcard: shape.segments.map(escapeWildcard).join('*') }];
  }
}

/** The value list of a positive literal. */
function positiveValues(literal: Literal, notes: string[]): unknown[] {
  return literal.matches.flatMap((match): unknown[] => {
    switch (match.kind) {
      case 'null':
        if (!SINGLE_VALUE_FIELDS.has(literal.field)) {
          notes.push(`${describe(literal)}: null of a field that may hold a list: EventBridge's null matches when any element is null, and Sigma's when the field is missing or null (over-matches)`);
        }
        return [null, { exists: false }];
      case 'exists':
        notes.push(`${describe(literal)}: EventBridge sees only leaf values, so \`|exists\` misses a field that holds an object or an empty list`);
        return [{ exists: match.present }];
      case 'cidr': {
        // EventBridge takes IPv4 masks up to /31: one IPv4 address (a /32, or written bare) is its plain text.
        // An IPv6 /32 is a network like any other.
        const [address = '', prefix] = match.block.split('/');
        if (!address.includes(':') && (prefix === undefined || prefix === '32')) return [address];
        return [{ cidr: match.block }];
      }
      case 'numeric':
        notes.push(`${describe(literal)}: EventBridge compares JSON numbers only, so a number written as a string is missed (under-matches)`);
        return [{ numeric: [match.operator, match.value] }];
      case 'text':
        return positiveText(match, literal, notes);
    }
  });
}

/** The `anything-but` of a negated literal's text matches, or undefined when one of them matches every value. */
function anythingBut(texts: Extract<Match, { kind: 'text' }>[], literal: Literal, notes: string[]): unknown | undefined {
  const shapes = texts.map((match) => ({ match, shape: shapeOf(match.parts) }));
  if (shapes.some(({ shape }) => shape.kind === 'any')) return undefined;
  for (const { match, shape } of shapes) {
    if (match.parts.some((p) => p.kind === 'one')) notes.push(`${describe(literal)}: \`?\` becomes \`*\` in the excluded value, as EventBridge wildcards have no single-character form (under-matches)`);
    if (mayMatchNonString(shape, match.cased) || (shape.kind === 'exact' && nonStringTwins(shape.text, match.cased).length > 0)) {
      notes.push(`${describe(literal)}: \`not\` of a value that is also the text of a number or true/false: anything-but cannot exclude both at once (over-matches)`);
    }
  }
  const kinds = new Set(shapes.map(({ match, shape }) => (shape.kind === 'exact' ? `exact-${match.cased}` : shape.kind)));
  const [kind] = kinds;
  if (kinds.size === 1 && kind === 'exact-false') return { 'anything-but': { 'equals-ignore-case': shapes.map(({ shape }) => (shape as { text: string }).text) } };
  if (kinds.size === 1 && kind === 'exact-true') return { 'anything-but': shapes.map(({ shape }) => (shape as { text: string }).text) };
  // Several kinds, or prefix/suffix/wildcard: one anything-but of wildcards says them all, case-sensitively.
  if (shapes.some(({ match, shape }) => !match.cased && shape.kind !== 'exact' && hasCasedLetters(wildcardOf(shape).replace(/\\./g, '')))) {
    notes.push(`${describe(literal)}: EventBridge's anything-but prefix/suffix/wildcard is case-sensitive, so \`not\` lets through a value that differs only in case (over-matches)`);
  } else if (shapes.some(({ match, shape }) => !match.cased && shape.kind === 'exact' && hasCasedLetters(shape.text))) {
    notes.push(`${describe(literal)}: \`not\` of exact and wildcard values together becomes one case-sensitive anything-but wildcard (over-matches)`);
  }
  if (kinds.size === 1 && (kind === 'prefix' || kind === 'suffix')) return { 'anything-but': { [kind]: shapes.map(({ shape }) => (shape as { text: string }).text) } };
  return { 'anything-but': { wildcard: shapes.map(({ shape }) => wildcardOf(shape)) } };
}

function wildcardOf(shape: Shape): string {
  switch (shape.kind) {
    case 'exact':
      return escapeWildcard(shape.text);
    case 'prefix':
      return `${escapeWildcard(shape.text)}*`;
    case 'suffix':
      return `*${escapeWildcard(shape.text)}`;
    case 'any':
      return '*';
    case 'wildcard':
      return shape.segments.map(escapeWildcard).join('*');
  }
}

/** The value list of a negated literal: the field is missing, or (one value) it does not match. */
function negatedValues(literal: Literal, notes: string[]): unknown[] {
  const [first] = literal.matches;
  if (first?.kind === 'null') return [...ANY_VALUE];
  if (first?.kind === 'exists') return [{ exists: !first.present }];
  const other = literal.matches.find((m) => m.kind !== 'text');
  if (other !== undefined) throw new UnsupportedError(literal.at, `\`not\` of a ${other.kind} match on ${literal.field}: EventBridge has no negated form of it`);
  if (!SINGLE_VALUE_FIELDS.has(literal.field)) {
    notes.push(`${describe(literal)}: \`not\` becomes anything-but, which matches a list when any element differs, and Sigma's \`not\` needs every element to differ; ${literal.field} is not a single-value CloudTrail field (over-matches)`);
  }
  const excluded = anythingBut(literal.matches as Extract<Match, { kind: 'text' }>[], literal, notes);
  return excluded === undefined ? [null, { exists: false }] : [excluded, { exists: false }];
}

/** The pattern values of one literal, with where they are not exactly the Sigma semantics. */
export function fieldValues(literal: Literal): FieldValues {
  const notes: string[] = [];
  if (OBJECT_FIELDS.has(literal.field)) {
    notes.push(`${describe(literal)}: ${literal.field} holds an object in CloudTrail records and EventBridge matches leaf values only, so what the rule says of the object as a whole does not carry over`);
  }
  const values = literal.negated ? negatedValues(literal, notes) : positiveValues(literal, notes);
  return { values, approximations: notes };
}
