/** One reason a pattern is invalid, with the JSON path of the offending part (`detail.eventName[0]`). */
export interface PatternProblem {
  readonly path: string;
  readonly reason: string;
}

/** Formats a problem as `path: reason`; the root of the pattern is shown as `(pattern)`. */
export function formatProblem(problem: PatternProblem): string {
  return `${problem.path === '' ? '(pattern)' : problem.path}: ${problem.reason}`;
}

/**
 * Thrown when an event pattern would be rejected by PutRule / TestEventPattern.
 * `reason` is EventBridge's own wording where it is known; `path` names the part of the pattern.
 */
export class InvalidPatternError extends Error {
  readonly reason: string;
  readonly path: string;
  /** Every problem found; the first one is also `reason` and `path`. */
  readonly problems: readonly PatternProblem[];

  constructor(problems: readonly PatternProblem[]) {
    const [first] = problems;
    if (first === undefined) throw new TypeError('InvalidPatternError needs at least one problem');
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1).map(formatProblem).join('; ')})` : '';
    super(`Event pattern is not valid: ${formatProblem(first)}${more}`);
    this.name = 'InvalidPatternError';
    this.reason = first.reason;
    this.path = first.path;
    this.problems = problems;
  }
}
