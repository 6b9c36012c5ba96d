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

/**
 * Which dot-joined field paths a pattern reads, as a tree of their segments: walking an event follows only the keys
 * the tree has, without building the dot-joined path of every key it visits.
 */
export interface FieldIndex {
  readonly root: FieldNode;
}

interface FieldNode {
  /** The dot-joined path when a pattern reads the field that ends here. */
  path?: string;
  readonly children: Map<string, FieldNode>;
}

export function indexFields(paths: Iterable<string>): FieldIndex {
  const root: FieldNode = { children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const segment of path.split('.')) {
      let child = node.children.get(segment);
      if (child === undefined) node.children.set(segment, (child = { children: new Map() }));
      node = child;
    }
    node.path = path;
  }
  return { root };
}

/** The node of `key` below `node`; a key with dots (`{"a.b": 1}`) descends one level per segment. */
function childOf(node: FieldNode, key: string): FieldNode | undefined {
  const child = node.children.get(key);
  if (child !== undefined || !key.includes('.')) return child;
  let current: FieldNode | undefined = node;
  for (const segment of key.split('.')) {
    current = current.children.get(segment);
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * The leaf values of `event` at the fields of `index`, keyed by dot-joined path. Keys are joined with dots before
 * they are compared, so `{"a": {"b": 1}}` and `{"a.b": 1}` both give `a.b` (event-ruler's documented behaviour).
 * Arrays are crushed: every element is a value of the field. Subtrees no pattern field reaches are not visited.
 */
export function collectLeaves(event: Record<string, unknown>, index: FieldIndex): Map<string, Leaf[]> {
  const leaves = new Map<string, Leaf[]>();
  let nextArrayId = 0;

  const visit = (value: unknown, node: FieldNode, trail: readonly number[], objectTrail: readonly number[]): void => {
    if (Array.isArray(value)) {
      const arrayId = nextArrayId++;
      for (let i = 0; i < value.length; i++) visit(value[i], node, [...trail, arrayId, i], objectTrail);
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        const child = childOf(node, key);
        if (child !== undefined) visit(record[key], child, trail, trail);
      }
    } else if (value !== undefined && node.path !== undefined) {
      let list = leaves.get(node.path);
      if (list === undefined) leaves.set(node.path, (list = []));
      list.push({ value: value as LeafValue, trail: objectTrail.length === 0 ? NO_TRAIL : objectTrail });
    }
  };

  if (index.root.children.size > 0) visit(event, index.root, NO_TRAIL, NO_TRAIL);
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
