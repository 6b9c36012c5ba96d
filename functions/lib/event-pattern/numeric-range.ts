/** A numeric match: `["=", 5]`, `[">", 0]`, `[">=", 0, "<", 10]`, `["<=", 5]`. */
export interface NumericRange {
  readonly lowest: number;
  readonly lowestIncluded: boolean;
  readonly highest: number;
  readonly highestIncluded: boolean;
}

/** True when `value` lies in `range`; numbers are compared as numbers (300, 300.0 and 3e2 are equal). */
export function inNumericRange(range: NumericRange, value: number): boolean {
  const aboveLowest = range.lowestIncluded ? value >= range.lowest : value > range.lowest;
  const belowHighest = range.highestIncluded ? value <= range.highest : value < range.highest;
  return aboveLowest && belowHighest;
}

const TOO_MANY = 'Too many elements in numeric expression';

/** Parses the array of a `numeric` match, or returns EventBridge's reason for rejecting it. */
export function parseNumericRange(terms: unknown): NumericRange | string {
  if (!Array.isArray(terms)) return 'Value of numeric must be an array.';
  const [operator, operand] = terms as unknown[];
  if (typeof operator !== 'string') {
    return `Invalid member in numeric match: ${terms.length === 0 ? '(empty array)' : JSON.stringify(operator)}`;
  }
  const numeric = typeof operand === 'number';
  const value = operand as number;
  switch (operator) {
    case '=':
      if (!numeric) return 'Value of equals must be numeric';
      if (terms.length > 2) return TOO_MANY;
      return { lowest: value, lowestIncluded: true, highest: value, highestIncluded: true };
    case '<':
    case '<=':
      if (!numeric) return `Value of ${operator} must be numeric`;
      if (terms.length > 2) return TOO_MANY;
      return { lowest: -Infinity, lowestIncluded: false, highest: value, highestIncluded: operator === '<=' };
    case '>':
    case '>=': {
      if (!numeric) return `Value of ${operator} must be numeric`;
      const lower = { lowest: value, lowestIncluded: operator === '>=' };
      if (terms.length === 2) return { ...lower, highest: Infinity, highestIncluded: false };
      return completeRange(lower, terms.slice(2));
    }
    default:
      return `Unrecognized numeric range operator: ${operator}`;
  }
}

function completeRange(lower: Pick<NumericRange, 'lowest' | 'lowestIncluded'>, rest: unknown[]): NumericRange | string {
  const [operator, operand] = rest;
  if (typeof operator !== 'string') return `Bad value in numeric range: ${JSON.stringify(operator)}`;
  if (operator !== '<' && operator !== '<=') return `Bad numeric range operator: ${operator}`;
  if (typeof operand !== 'number') return `Value of ${operator} must be numeric`;
  if (rest.length > 2) return 'Too many terms in numeric range expression';
  if (!(lower.lowest < operand)) return 'Bottom must be less than top';
  return { ...lower, highest: operand, highestIncluded: operator === '<=' };
}
