/**
 * Wildcard patterns (`"arn:aws:s3:::*-logs/*"`): `*` matches any run of characters, `\*` a literal star and `\\`
 * a literal backslash. Consecutive stars and any other escape are invalid, as in aws/event-ruler.
 */

/** A wildcard pattern split at its unescaped stars: `a*b*c` is ['a', 'b', 'c']; no star is one segment. */
export type WildcardSegments = readonly string[];

/** Splits a wildcard pattern into literal segments, or returns EventBridge's reason for rejecting it. */
export function parseWildcard(pattern: string): WildcardSegments | string {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*') {
      // EventBridge reports the position of the second star (a 0-based index into the UTF-8 bytes).
      if (pattern[i + 1] === '*') return `Consecutive wildcard characters at pos ${utf8Length(pattern.slice(0, i + 1))}`;
      segments.push(current);
      current = '';
    } else if (char === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') return `Invalid escape character at pos ${utf8Length(pattern.slice(0, i))}`;
      current += next;
      i++;
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Whether `value` matches the wildcard segments. Star-only patterns need no backtracking: the first and last
 * segments are anchored, and taking each middle segment at its leftmost occurrence never loses a match.
 */
export function wildcardMatches(segments: WildcardSegments, value: string): boolean {
  const last = segments.length - 1;
  const first = segments[0]!;
  if (last === 0) return value === first;
  const final = segments[last]!;
  if (value.length < first.length + final.length || !value.startsWith(first) || !value.endsWith(final)) return false;
  const end = value.length - final.length;
  let position = first.length;
  for (let i = 1; i < last; i++) {
    const segment = segments[i]!;
    const found = value.indexOf(segment, position);
    if (found < 0 || found + segment.length > end) return false;
    position = found + segment.length;
  }
  return true;
}
