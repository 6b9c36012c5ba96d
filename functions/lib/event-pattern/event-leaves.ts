import type { LeafValue } from './types';

/**
 * A leaf value of an event with the arrays-of-objects it sits in: pairs of (array id, element index), outermost
 * first. Arrays between the leaf and its nearest enclosing object are left out, since only the same field can be
 * inside them.
 */
export interface Leaf {
  readonly value: LeafValue;
  readonly trail: readonly number[];
}

const NO_TRAIL: readonly number[] = [];

/** Which dot-joined field paths a pattern reads, and every proper dot-prefix of them (the only paths worth walking). */
export interface FieldIndex {
  readonly paths: ReadonlySet<string>;
  readonly prefixes: ReadonlySet<string>;
}

export function indexFields(paths: Iterable<string>): FieldIndex {
  const all = new Set(paths);
  const prefixes = new Set<string>();
  for (const path of all) {
    for (let dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) prefixes.add(path.slice(0, dot));
  }
  return { paths: all, prefixes };
}

/**
 * The leaf values of `event` at the fields of `index`, keyed by dot-joined path. Keys are joined with dots before
 * they are compared, so `{"a": {"b": 1}}` and `{"a.b": 1}` both give `a.b` (event-ruler's documented behaviour).
 * Arrays are crushed: every element is a value of the field. Subtrees no pattern field reaches are not visited.
 */
export function collectLeaves(event: Record<string, unknown>, index: FieldIndex): Map<string, Leaf[]> {
  const leaves = new Map<string, Leaf[]>();
  let nextArrayId = 0;

  const visit = (node: unknown, path: string, trail: readonly number[], objectTrail: readonly number[]): void => {
    if (Array.isArray(node)) {
      const arrayId = nextArrayId++;
      for (let i = 0; i < node.length; i++) visit(node[i], path, [...trail, arrayId, i], objectTrail);
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const key in record) {
        const childPath = path === '' ? key : `${path}.${key}`;
        if (index.paths.has(childPath) || index.prefixes.has(childPath)) visit(record[key], childPath, trail, trail);
      }
    } else if (node !== undefined && index.paths.has(path)) {
      let list = leaves.get(path);
      if (list === undefined) leaves.set(path, (list = []));
      list.push({ value: node as LeafValue, trail: objectTrail.length === 0 ? NO_TRAIL : objectTrail });
    }
  };

  visit(event, '', NO_TRAIL, NO_TRAIL);
  return leaves;
}

/**
 * Two leaves may be used together only if, in every array-of-objects both sit in, they sit in the same element
 * (event-ruler's array-consistent matching: `{"employees": [{"first": "Anna", "last": "Smith"}, ...]}` does not
 * match first "Anna" with another employee's last name).
 */
export function consistentTrails(a: readonly number[], b: readonly number[]): boolean {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i += 2) {
    if (a[i] !== b[i]) return true; // the paths have parted: no further array is shared
    if (a[i + 1] !== b[i + 1]) return false;
  }
  return true;
}
