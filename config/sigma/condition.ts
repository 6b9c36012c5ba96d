/**
 * The condition language of the Sigma specification ("Condition"): `and`, `or`, `not`, parentheses,
 * `1 of PATTERN`, `all of PATTERN` and `them`. Precedence, least to most binding: or, and, not, x of, ( ).
 */
export type ConditionAst =
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'and' | 'or'; readonly items: readonly ConditionAst[] }
  | { readonly kind: 'not'; readonly item: ConditionAst };

/** Why a condition cannot be read. */
export class ConditionError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ConditionError';
  }
}

const TOKEN = /\s*(\(|\)|[^\s()]+)/y;

function tokenize(condition: string): string[] {
  const tokens: string[] = [];
  let end = 0;
  TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = TOKEN.exec(condition)) !== null) {
    tokens.push(match[1]!);
    end = TOKEN.lastIndex;
  }
  if (condition.slice(end).trim() !== '') throw new ConditionError(`cannot read ${JSON.stringify(condition.slice(end))}`);
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', '(', ')']);

/** `unexpected "AND"`, with the fix when the token is an operator in the wrong case (the grammar's are lower case). */
function unexpected(token: string): ConditionError {
  const lower = token.toLowerCase();
  const hint = lower !== token && KEYWORDS.has(lower) ? `: operators are lower case (${lower})` : '';
  return new ConditionError(`unexpected ${JSON.stringify(token)}${hint}`);
}

/** `selection*` -> a test on names; `*` matches any run of characters, anywhere in the pattern. */
function namePattern(pattern: string): (name: string) => boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

/**
 * Parses a condition over the given search identifiers; `x of` is expanded to the identifiers it names.
 * Throws ConditionError for a syntax error, an unknown identifier, or a pattern that names none.
 */
export function parseCondition(condition: string, identifiers: readonly string[]): ConditionAst {
  if (condition.includes('|')) {
    throw new ConditionError('aggregations (`| count() ...`) were removed in Sigma 2; write a correlation rule over this rule instead (specification, "Rule Correlation")');
  }
  const tokens = tokenize(condition);
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const next = (): string => {
    const token = tokens[position++];
    if (token === undefined) throw new ConditionError('the condition ends too early');
    return token;
  };

  const parseOr = (): ConditionAst => {
    const items = [parseAnd()];
    while (peek() === 'or') {
      position++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const parseAnd = (): ConditionAst => {
    const items = [parseNot()];
    while (peek() === 'and') {
      position++;
      items.push(parseNot());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const parseNot = (): ConditionAst => {
    if (peek() !== 'not') return parsePrimary();
    position++;
    return { kind: 'not', item: parseNot() };
  };
  const parsePrimary = (): ConditionAst => {
    const token = next();
    if (token === '(') {
      const inner = parseOr();
      if (next() !== ')') throw new ConditionError('a "(" is not closed');
      return inner;
    }
    if ((token === '1' || token === 'all') && peek() === 'of') {
      position++;
      return quantified(token === '1' ? 'or' : 'and', next());
    }
    if (/^\d+$/.test(token) && peek() === 'of') throw new ConditionError(`"${token} of" is not in the specification; use "1 of" or "all of"`);
    if (KEYWORDS.has(token) || /^\d+$/.test(token)) throw unexpected(token);
    if (!identifiers.includes(token) && KEYWORDS.has(token.toLowerCase())) throw unexpected(token);
    if (!identifiers.includes(token)) throw new ConditionError(`${JSON.stringify(token)} is not a search identifier of this rule; it has ${identifiers.join(', ')}`);
    return { kind: 'ref', name: token };
  };
  const quantified = (kind: 'and' | 'or', target: string): ConditionAst => {
    if (target === '(' || target === ')' || (KEYWORDS.has(target) && target !== 'them')) throw new ConditionError(`"of" needs "them" or an identifier pattern, not ${JSON.stringify(target)}`);
    // `them` leaves out identifiers that start with an underscore, by the specification's convention.
    const test = target === 'them' ? (name: string) => !name.startsWith('_') : namePattern(target);
    const names = identifiers.filter(test);
    if (names.length === 0) throw new ConditionError(`${JSON.stringify(target)} names no search identifier of this rule; it has ${identifiers.join(', ')}`);
    const items = names.map((name): ConditionAst => ({ kind: 'ref', name }));
    return items.length === 1 ? items[0]! : { kind, items };
  };

  const ast = parseOr();
  if (position < tokens.length) throw unexpected(tokens[position]!);
  return ast;
}
