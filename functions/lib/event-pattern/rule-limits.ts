import { validatePattern } from './compile-pattern';

/** PutRule accepts an EventPattern of at most this many characters. */
export const MAX_PATTERN_CHARS = 4096;

/** Why PutRule would reject `pattern` as a rule's EventPattern (its syntax and its size); empty when it is valid. */
export function rulePatternProblems(pattern: unknown): string[] {
  const reasons = validatePattern(pattern);
  const length = JSON.stringify(pattern).length;
  if (length > MAX_PATTERN_CHARS) reasons.push(`the pattern is ${length} characters; EventBridge accepts at most ${MAX_PATTERN_CHARS}`);
  return reasons;
}
