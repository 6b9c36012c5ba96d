import type { ConditionAst } from './condition';
import { literalsOf, UnsupportedError, type Literal } from './literals';
import type { Selection } from './rule';

/** A rule's detection as a boolean expression over literals. */
export type Expression =
  | { readonly kind: 'literal'; readonly literal: Literal }
  | { readonly kind: 'and' | 'or'; readonly items: readonly Expression[] }
  | { readonly kind: 'not'; readonly item: Expression };

/** A conjunction of literals; a rule is an OR of terms (disjunctive normal form). */
export type Term = readonly Literal[];

/** Beyond this many alternatives a pattern's `$or` grows past what a reviewer reads (and EventBridge's limits). */
export const MAX_ALTERNATIVES = 64;

function selectionExpression(name: string, selection: Selection): Expression {
  if (selection.kind === 'keywords') {
    throw new UnsupportedError(selection.at, `${name} is a keyword search over the whole event; an EventBridge pattern matches named fields only`);
  }
  const maps = selection.maps.map((map): Expression => ({
    kind: 'and',
    items: map.flatMap((test) => literalsOf(test)).map((literal) => ({ kind: 'literal', literal })),
  }));
  return maps.length === 1 ? maps[0]! : { kind: 'or', items: maps };
}

/** The expression of the rule's conditions (a list of conditions is OR-ed), search identifiers replaced by their selections. */
export function detectionExpression(conditions: readonly ConditionAst[], selections: ReadonlyMap<string, Selection>): Expression {
  const resolve = (ast: ConditionAst): Expression => {
    switch (ast.kind) {
      case 'ref':
        return selectionExpression(ast.name, selections.get(ast.name)!);
      case 'not':
        return { kind: 'not', item: resolve(ast.item) };
      default:
        return { kind: ast.kind, items: ast.items.map(resolve) };
    }
  };
  const items = conditions.map(resolve);
  return items.length === 1 ? items[0]! : { kind: 'or', items };
}

const keyOf = (literal: Literal): string => JSON.stringify([literal.field, literal.matches, literal.negated]);
const opposite = (literal: Literal): Literal => ({ ...literal, negated: !literal.negated });

/**
 * The disjunctive normal form: `not` pushed down to the literals (De Morgan), then AND distributed over OR.
 * Terms holding a literal and its negation are dropped (they never hold), as are terms that a smaller one
 * implies. Throws UnsupportedError past MAX_ALTERNATIVES.
 */
export function toTerms(expression: Expression, at = 'detection.condition'): Term[] {
  const walk = (node: Expression, negate: boolean): Literal[][] => {
    if (node.kind === 'literal') return [[negate ? opposite(node.literal) : node.literal]];
    if (node.kind === 'not') return walk(node.item, !negate);
    const parts = node.items.map((item) => walk(item, negate));
    const conjunction = (node.kind === 'and') !== negate;
    const terms = conjunction
      ? parts.reduce<Literal[][]>((acc, part) => acc.flatMap((left) => part.map((right) => [...left, ...right])), [[]])
      : parts.flat();
    if (terms.length > MAX_ALTERNATIVES) {
      throw new UnsupportedError(at, `the condition has more than ${MAX_ALTERNATIVES} alternatives once written as an OR of ANDs`);
    }
    return terms;
  };
  return simplify(walk(expression, false));
}

function simplify(terms: Literal[][]): Term[] {
  const unique = terms.flatMap((term) => {
    const byKey = new Map(term.map((literal) => [keyOf(literal), literal]));
    const contradictory = [...byKey.values()].some((literal) => byKey.has(keyOf(opposite(literal))));
    return contradictory ? [] : [{ keys: new Set(byKey.keys()), literals: [...byKey.values()] }];
  });
  const kept = unique.filter(
    (term, i) =>
      !unique.some((other, j) => {
        if (j === i || other.keys.size > term.keys.size || ![...other.keys].every((k) => term.keys.has(k))) return false;
        // Of two equal terms keep the first.
        return other.keys.size < term.keys.size || j < i;
      }),
  );
  return kept.map((term) => term.literals);
}

export { keyOf as literalKey };
