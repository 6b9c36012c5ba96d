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

/** Many patterns matched against one event with one walk of it (the forwarder's Sigma rules on every record). */
export interface CompiledPatternSet {
  /** The positions, ascending, of the patterns among `candidates` (positions into the compiled list) that match `event`. */
  matching(event: unknown, candidates: readonly number[]): number[];
}

/**
 * Compiles every pattern (throwing InvalidPatternError for the first invalid one, naming its position); the
 * event's leaves are collected once for the fields of all of them, then each candidate's branches are tested.
 */
const MAX_CACHED_INDEXES = 4096;

export function compilePatternSet(patterns: readonly unknown[]): CompiledPatternSet {
  const compiled = patterns.map((pattern, position) => {
    const { problems } = compile(pattern);
    if (problems.length > 0) throw new InvalidPatternError(problems.map((p) => ({ ...p, path: `[${position}]${p.path === '' ? '' : `.${p.path}`}` })));
    return expandBranches(pattern, []).map((branch) => [...branch.values()]);
  });
  const pathsOf = (position: number) => compiled[position]!.flatMap((branch) => branch.map((condition) => condition.path));
  // The event is walked for the fields of the candidates only, not of every pattern: a record that is a candidate
  // for one rule should not pay for the fields of the other 33. Few distinct candidate lists occur, so each one's
  // index is built once (up to a bound, so a document of many rules cannot grow the cache without limit).
  const indexes = new Map<string, FieldIndex>();
  const indexFor = (candidates: readonly number[]): FieldIndex => {
    const key = candidates.join(',');
    let index = indexes.get(key);
    if (index === undefined) {
      index = indexFields(candidates.flatMap(pathsOf));
      if (indexes.size < MAX_CACHED_INDEXES) indexes.set(key, index);
    }
    return index;
  };
  return {
    matching(event, candidates) {
      if (candidates.length === 0 || typeof event !== 'object' || event === null || Array.isArray(event)) return [];
      const leaves = collectLeaves(event as Record<string, unknown>, indexFor(candidates));
      return candidates.filter((position) => compiled[position]!.some((branch) => branchMatches(branch, leaves)));
    },
  };
}
