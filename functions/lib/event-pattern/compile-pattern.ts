import { collectLeaves, indexFields, type FieldIndex } from './event-leaves';
import type { FieldCondition } from './field-condition';
import { formatProblem, InvalidPatternError, type PatternProblem } from './invalid-pattern-error';
import { branchMatches } from './match-branch';
import { expandBranches } from './rule-branches';
import type { CompiledPattern } from './types';
import { MAX_WILDCARD_COMPLEXITY, TOO_COMPLEX_REASON, wildcardComplexity } from './wildcard-complexity';

class CompiledEventPattern implements CompiledPattern {
  constructor(
    private readonly branches: readonly (readonly FieldCondition[])[],
    private readonly fields: FieldIndex,
  ) {}

  matches(event: unknown): boolean {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return false;
    const leaves = collectLeaves(event as Record<string, unknown>, this.fields);
    return this.branches.some((branch) => branchMatches(branch, leaves));
  }
}

/** Compiles, collecting every problem instead of stopping at the first. */
function compile(pattern: unknown): { compiled?: CompiledPattern; problems: PatternProblem[] } {
  const problems: PatternProblem[] = [];
  const branches = expandBranches(pattern, problems);
  checkWildcardComplexity(branches.map((branch) => [...branch.values()]), problems);
  if (problems.length > 0) return { problems };
  const conditions = branches.map((branch) => [...branch.values()]);
  const fields = indexFields(conditions.flatMap((branch) => branch.map((condition) => condition.path)));
  return { compiled: new CompiledEventPattern(conditions, fields), problems };
}

/**
 * EventBridge measures wildcard complexity per field of its rule machine; wildcards of the same field in different
 * `$or` branches end up in one machine, so they are weighed together.
 */
function checkWildcardComplexity(branches: readonly (readonly FieldCondition[])[], problems: PatternProblem[]): void {
  const byPath = new Map<string, Map<string, readonly string[]>>();
  for (const branch of branches) {
    for (const condition of branch) {
      if (condition.wildcards.length === 0) continue;
      let patterns = byPath.get(condition.path);
      if (patterns === undefined) byPath.set(condition.path, (patterns = new Map()));
      for (const segments of condition.wildcards) patterns.set(segments.join('*'), segments);
    }
  }
  for (const [path, patterns] of byPath) {
    const complexity = wildcardComplexity([...patterns.values()]);
    if (complexity > MAX_WILDCARD_COMPLEXITY) problems.push({ path, reason: TOO_COMPLEX_REASON });
  }
}

/** Throws InvalidPatternError naming the path and reason, as PutRule/TestEventPattern would reject it. */
export function compilePattern(pattern: unknown): CompiledPattern {
  const { compiled, problems } = compile(pattern);
  if (compiled === undefined) throw new InvalidPatternError(problems);
  return compiled;
}

/** Empty when valid; otherwise the reasons (path: reason). */
export function validatePattern(pattern: unknown): string[] {
  return compile(pattern).problems.map(formatProblem);
}

/** Compiles `pattern` and matches one event; compile once with compilePattern when matching many. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern).matches(event);
}
