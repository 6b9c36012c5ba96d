import { acceptsValue, type FieldCondition } from './field-condition';
import { consistentTrails, type Leaf } from './event-leaves';

/**
 * True when every field condition of one `$or`-free branch holds on the event's leaves, using leaves that are
 * consistent with each other across arrays of objects.
 */
export function branchMatches(fields: readonly FieldCondition[], leaves: ReadonlyMap<string, readonly Leaf[]>): boolean {
  let constrained: Leaf[][] | undefined;
  for (const field of fields) {
    const present = leaves.get(field.path);
    if (present === undefined) {
      if (field.absentOk) continue;
      return false;
    }
    let candidates: Leaf[] | undefined;
    let unconstrained = false;
    for (const leaf of present) {
      if (!acceptsValue(field, leaf.value)) continue;
      if (leaf.trail.length === 0) {
        unconstrained = true; // outside every array of objects: consistent with any other choice
        break;
      }
      (candidates ??= []).push(leaf);
    }
    if (unconstrained) continue;
    if (candidates === undefined) return false;
    (constrained ??= []).push(candidates);
  }
  if (constrained === undefined || constrained.length === 1) return true;
  constrained.sort((a, b) => a.length - b.length);
  return chooseConsistent(constrained, 0, []);
}

function chooseConsistent(candidates: readonly Leaf[][], field: number, chosen: Leaf[]): boolean {
  if (field === candidates.length) return true;
  for (const leaf of candidates[field]!) {
    if (!chosen.every((other) => consistentTrails(other.trail, leaf.trail))) continue;
    chosen.push(leaf);
    if (chooseConsistent(candidates, field + 1, chosen)) return true;
    chosen.pop();
  }
  return false;
}
