import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/paths';

/**
 * `npx tsx tools/lock-optional-deps.ts`: records in package-lock.json the platform-specific optional
 * dependencies that npm left out. When the registry lacks a platform's build (here: the non-Linux
 * bindings of unrs-resolver, a jest dependency), `npm install` silently omits it from the lock and
 * `npm ci` then refuses the lock as out of sync. An entry with its `os`/`cpu`/`libc` lets `npm ci`
 * skip the package on other platforms without fetching it.
 */
export const LOCK_FILE = join(PROJECT_ROOT, 'package-lock.json');

type LockEntry = Record<string, unknown> & { optionalDependencies?: Record<string, string> };

const PLATFORM_SUFFIX = /-(android|darwin|freebsd|linux|openharmony|win32)-([a-z0-9]+?)(?:-(eabi|gnueabihf|musleabihf|gnu|musl|msvc))?$/;

/** The optional dependencies some lock entry names but the lock does not hold. */
export function missingOptionalDependencies(packages: Record<string, LockEntry>): { key: string; version: string }[] {
  const missing: { key: string; version: string }[] = [];
  for (const entry of Object.values(packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const key = `node_modules/${name}`;
      if (!(key in packages) && !missing.some((m) => m.key === key)) missing.push({ key, version });
    }
  }
  return missing;
}

export function platformEntry(name: string, version: string): LockEntry {
  const m = PLATFORM_SUFFIX.exec(name);
  if (!m) throw new Error(`${name}: not a platform-specific package name; add it to the lock with npm install on a machine whose registry has it`);
  const [, os, cpu, abi] = m;
  const libc = os === 'linux' && abi ? (abi.startsWith('musl') ? ['musl'] : ['glibc']) : undefined;
  return { version, cpu: [cpu], dev: true, ...(libc ? { libc } : {}), optional: true, os: [os] };
}

if (require.main === module) {
  const lock = JSON.parse(readFileSync(LOCK_FILE, 'utf8'));
  const missing = missingOptionalDependencies(lock.packages);
  for (const { key, version } of missing) lock.packages[key] = platformEntry(key.slice('node_modules/'.length), version);
  writeFileSync(LOCK_FILE, `${JSON.stringify(lock, null, 2)}\n`);
  process.stdout.write(`added ${missing.length} entries: ${missing.map((m) => m.key).join(', ') || '(none)'}\n`);
}
