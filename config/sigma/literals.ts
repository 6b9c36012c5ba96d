import type { FieldTest } from './rule';

/** A piece of a Sigma string value: literal text, `*` (any run of characters) or `?` (one character). */
export type Part = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'star' } | { readonly kind: 'one' };

/** What one value of a field test asks, after its modifiers. */
export type Match =
  | { readonly kind: 'text'; readonly parts: readonly Part[]; readonly cased: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'exists'; readonly present: boolean }
  | { readonly kind: 'cidr'; readonly block: string }
  | { readonly kind: 'numeric'; readonly operator: '<' | '<=' | '>' | '>='; readonly value: number };

/**
 * "Field `field` has a value that one of `matches` accepts", or its negation. The atoms of the boolean form a
 * rule is compiled through.
 */
export interface Literal {
  readonly field: string;
  readonly matches: readonly Match[];
  readonly negated: boolean;
  /** YAML path of the field test, for reasons. */
  readonly at: string;
}

/** A rule part EventBridge cannot express at all; the rule is `unsupported` with this reason. */
export class UnsupportedError extends Error {
  constructor(
    readonly at: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'UnsupportedError';
  }
}

const UNSUPPORTED_MODIFIERS: Readonly<Record<string, string>> = {
  re: '`|re`: EventBridge patterns have no regular expressions',
  fieldref: '`|fieldref` compares two fields of one event; an EventBridge pattern compares a field with constants only',
  expand: '`|expand` needs its placeholders replaced by a processing pipeline first, and trailbridge has none',
  neq: '`|neq`: the specification does not say whether a missing field differs; write the value in a filter and use `not` in the condition',
  windash: '`|windash` is a Windows command-line transformation, not implemented for CloudTrail',
  base64: '`|base64` is not implemented: CloudTrail fields are not base64-encoded',
  base64offset: '`|base64offset` is not implemented: CloudTrail fields are not base64-encoded',
  utf16le: '`|utf16le` is not implemented: CloudTrail records are UTF-8 JSON',
  utf16be: '`|utf16be` is not implemented: CloudTrail records are UTF-8 JSON',
  utf16: '`|utf16` is not implemented: CloudTrail records are UTF-8 JSON',
  wide: '`|wide` is not implemented: CloudTrail records are UTF-8 JSON',
  minute: '`|minute` reads part of a date; EventBridge patterns cannot',
  hour: '`|hour` reads part of a date; EventBridge patterns cannot',
  day: '`|day` reads part of a date; EventBridge patterns cannot',
  week: '`|week` reads part of a date; EventBridge patterns cannot',
  month: '`|month` reads part of a date; EventBridge patterns cannot',
  year: '`|year` reads part of a date; EventBridge patterns cannot',
};

const NUMERIC_MODIFIERS: Readonly<Record<string, '<' | '<=' | '>' | '>='>> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };

/**
 * Reads a Sigma string: `*` and `?` are wildcards; a backslash escapes `*`, `?` and itself, and stays a plain
 * backslash before anything else (specification, "Escape Character").
 */
export function parseSigmaString(value: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    const next = value[i + 1];
    if (char === '\\' && (next === '*' || next === '?' || next === '\\')) {
      text += next;
      i++;
    } else if (char === '*' || char === '?') {
      flush();
      parts.push({ kind: char === '*' ? 'star' : 'one' });
    } else {
      text += char;
    }
  }
  flush();
  return parts;
}

/** The matches of one field test's values, after `contains`/`startswith`/`endswith`/`cased`/`exists`/... */
function matchesOf(test: FieldTest): Match[] {
  const unsupported = test.modifiers.find((m) => UNSUPPORTED_MODIFIERS[m] !== undefined);
  if (unsupported !== undefined) throw new UnsupportedError(test.at, UNSUPPORTED_MODIFIERS[unsupported]!);
  const numeric = test.modifiers.find((m) => NUMERIC_MODIFIERS[m] !== undefined);
  return test.values.map((value): Match => {
    // parseSigmaRule let through one true or false only.
    if (test.modifiers.includes('exists')) return { kind: 'exists', present: value.scalar === true || value.text.toLowerCase() === 'true' };
    if (value.scalar === null) return { kind: 'null' };
    if (test.modifiers.includes('cidr')) return { kind: 'cidr', block: value.text };
    // parseSigmaRule let through networks under |cidr and numbers under |lt |lte |gt |gte only.
    if (numeric !== undefined) return { kind: 'numeric', operator: NUMERIC_MODIFIERS[numeric]!, value: value.scalar as number };
    let parts = parseSigmaString(value.text);
    const star: Part = { kind: 'star' };
    if (test.modifiers.includes('contains')) parts = [star, ...parts, star];
    else if (test.modifiers.includes('startswith')) parts = [...parts, star];
    else if (test.modifiers.includes('endswith')) parts = [star, ...parts];
    return { kind: 'text', parts, cased: test.modifiers.includes('cased') };
  });
}

/** One field test as literals that must all hold: one literal, or one per value under `|all`. */
export function literalsOf(test: FieldTest): Literal[] {
  const matches = matchesOf(test);
  const literal = (list: Match[]): Literal => ({ field: test.field, matches: list, negated: false, at: test.at });
  return test.modifiers.includes('all') ? matches.map((m) => literal([m])) : [literal(matches)];
}
