import type { WildcardSegments } from './wildcard';

/**
 * EventBridge rejects a rule whose wildcard patterns on one field could keep more than this many wildcard-pattern
 * states alive at once ("Rule is too complex"). The figure is not documented; it is calibrated on rejections
 * recorded against real AWS: `*:*:*:*:*:event-bus/*` is refused, four `*.ext` patterns pass, four
 * `* /datasync/*.ext` patterns are refused and two pass.
 */
export const MAX_WILDCARD_COMPLEXITY = 10;

/** Stop exploring after this many distinct state sets; real patterns need far fewer. */
const MAX_EXPLORED_STATE_SETS = 20_000;

export const TOO_COMPLEX_REASON =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

const STAR = -1;

/**
 * The most wildcard-pattern states an input string can keep active at once, following aws/event-ruler's
 * MachineComplexityEvaluator: each pattern is a byte machine over `"value"` in which a star is its own state
 * (looping on every character) entered from the state before it; a state before a star also counts its star state
 * when that is not already active. Stops counting once above `limit`.
 */
export function wildcardComplexity(patterns: readonly WildcardSegments[], limit = MAX_WILDCARD_COMPLEXITY): number {
  if (patterns.length === 0) return 0;
  const tokens = patterns.map(toTokens);
  // State ids: pattern k, position p (before token p) is 2 * (offset[k] + p); its star state is that id + 1.
  const offsets: number[] = [];
  let total = 0;
  for (const t of tokens) {
    offsets.push(total);
    total += t.length + 1;
  }
  const alphabet = new Set<number>();
  for (const t of tokens) for (const token of t) if (token !== STAR) alphabet.add(token);
  const symbols = [...alphabet, STAR]; // STAR here stands for any character no pattern names

  const decode = (id: number): { k: number; p: number; star: boolean } => {
    const base = id >> 1;
    let k = 0;
    while (k + 1 < offsets.length && offsets[k + 1]! <= base) k++;
    return { k, p: base - offsets[k]!, star: (id & 1) === 1 };
  };

  const step = (active: readonly number[], symbol: number): number[] => {
    const next = new Set<number>();
    for (const id of active) {
      const { k, p, star } = decode(id);
      const t = tokens[k]!;
      const literalAt = (q: number): boolean => symbol !== STAR && t[q] === symbol;
      if (star || t[p] === STAR) {
        next.add(2 * (offsets[k]! + p) + 1);
        if (literalAt(p + 1)) next.add(2 * (offsets[k]! + p + 2));
      } else if (p < t.length && literalAt(p)) {
        next.add(2 * (offsets[k]! + p + 1));
      }
    }
    return [...next].sort((a, b) => a - b);
  };

  const weigh = (active: readonly number[]): number => {
    const set = new Set(active);
    let weight = 0;
    for (const id of active) {
      weight++;
      const { k, p, star } = decode(id);
      if (!star && tokens[k]![p] === STAR && !set.has(id + 1)) weight++;
    }
    return weight;
  };

  const start = tokens.map((_, k) => 2 * offsets[k]!);
  const seen = new Set<string>();
  const pending: number[][] = [start];
  let maximum = 0;
  while (pending.length > 0 && seen.size < MAX_EXPLORED_STATE_SETS) {
    const active = pending.pop()!;
    for (const symbol of symbols) {
      const next = step(active, symbol);
      if (next.length === 0) continue;
      const weight = weigh(next);
      if (weight > limit) return weight;
      maximum = Math.max(maximum, weight);
      const key = next.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        pending.push(next);
      }
    }
  }
  return maximum;
}

/** Character codes of `"segment0*segment1..."`: event-ruler matches string values with their quotes. */
function toTokens(segments: WildcardSegments): number[] {
  const tokens = [34];
  segments.forEach((segment, i) => {
    if (i > 0) tokens.push(STAR);
    for (let c = 0; c < segment.length; c++) tokens.push(segment.charCodeAt(c));
  });
  tokens.push(34);
  return tokens;
}
