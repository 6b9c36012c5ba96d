/**
 * Field redaction: replaces the values at given paths of a parsed record with a mask.
 *
 * A path is dot-separated keys; `*` matches any key of an object or any element of an array;
 * `a[*].b` is accepted as `a.*.b` and a leading `$.` is ignored.
 */

export interface CompiledRedaction {
  readonly segments: readonly string[];
  readonly mask: string;
}

export function compileRedaction(path: string, mask: string): CompiledRedaction {
  const normalized = path.replace(/^\$\./, '').replace(/\[\*\]/g, '.*');
  return { segments: normalized.split('.').filter((s) => s !== ''), mask };
}

/** Masks every matching value in place; returns how many values were masked. */
export function applyRedactions(record: unknown, redactions: readonly CompiledRedaction[]): number {
  let count = 0;
  for (const r of redactions) count += maskAt(record, r.segments, 0, r.mask);
  return count;
}

function maskAt(node: unknown, segments: readonly string[], at: number, mask: string): number {
  if (typeof node !== 'object' || node === null) return 0;
  const segment = segments[at];
  const last = at === segments.length - 1;
  const container = node as Record<string, unknown>;
  const keys = segment === '*' ? Object.keys(container) : Object.prototype.hasOwnProperty.call(container, segment) ? [segment] : [];
  let count = 0;
  for (const key of keys) {
    if (last) {
      if (container[key] !== undefined && container[key] !== null) {
        container[key] = mask;
        count++;
      }
    } else {
      count += maskAt(container[key], segments, at + 1, mask);
    }
  }
  return count;
}
