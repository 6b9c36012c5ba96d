import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Symbolic links followed before giving up, as Linux does (ELOOP). */
const MAX_LINKS = 40;

/**
 * The file that a write to `path` replaces: `path` itself, or for a symbolic link the file at
 * the end of its links, whether that file exists yet or not (a write through a link to a file
 * not yet created creates it there). A file renamed over it keeps the links pointing to it, and
 * a file created to test the path is removed there, not by removing the link.
 */
export function writeTarget(path: string): string {
  let current = path;
  for (let followed = 0; followed <= MAX_LINKS; followed++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      // Nothing there (or not readable): a write creates the file here, or fails with its own error.
      return current;
    }
    if (!isLink) return current;
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw Object.assign(new Error(`${path}: more than ${MAX_LINKS} symbolic links`), { code: 'ELOOP' });
}
