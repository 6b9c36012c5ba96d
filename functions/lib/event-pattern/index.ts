export { compilePattern, matchesPattern, validatePattern } from './compile-pattern';
export { compileDirectPattern, type DirectPattern } from './direct-pattern';
export { InvalidPatternError, formatProblem, type PatternProblem } from './invalid-pattern-error';
export type { CompiledPattern, EventPattern, LeafValue } from './types';
export { MAX_PATTERN_CHARS, rulePatternProblems } from './rule-limits';
