/** A problem in the topology file: where (JSON path) and what, with the fix. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** Formats a path as a reader writes it: accounts[1].source.bucketName. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      out += /^[A-Za-z_$][\w$]*$/.test(name) ? (out ? `.${name}` : name) : `[${JSON.stringify(name)}]`;
    }
  }
  return out || '(root)';
}

/** Thrown once with every problem found, so a user fixes a file in one pass. */
export class TopologyError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the topology\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
    this.name = 'TopologyError';
  }
}
