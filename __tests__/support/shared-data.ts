import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The shared test data folder: `../shared/data` beside the repository root. */
const SHARED_DATA_ROOT = resolve(__dirname, '..', '..', '..', 'shared', 'data');

/**
 * Absolute path of a file or folder under `../shared/data`. Throws when it is missing, so a test that needs the
 * shared data fails with a clear message instead of skipping silently.
 */
export function sharedDataPath(...segments: string[]): string {
  const path = join(SHARED_DATA_ROOT, ...segments);
  if (!existsSync(path)) {
    throw new Error(
      `../shared/data/${segments.join('/')} is missing: the tests need the shared test data beside the repository (see ../shared/data/README.md)`,
    );
  }
  return path;
}
