import { readFileSync } from 'node:fs';
import { LOCK_FILE, missingOptionalDependencies, platformEntry } from '../../tools/lock-optional-deps';

test('package-lock.json holds every optional dependency it names, so `npm ci` accepts it', () => {
  const missing = missingOptionalDependencies(JSON.parse(readFileSync(LOCK_FILE, 'utf8')).packages);
  if (missing.length > 0) {
    throw new Error(`package-lock.json lacks ${missing.map((m) => m.key).join(', ')}: npm ci will refuse it; run \`npx tsx tools/lock-optional-deps.ts\` and commit the lock`);
  }
});

test('platform entries carry os, cpu and libc from the package name', () => {
  expect(platformEntry('@unrs/resolver-binding-linux-arm-musleabihf', '1.13.0')).toEqual({ version: '1.13.0', cpu: ['arm'], dev: true, libc: ['musl'], optional: true, os: ['linux'] });
  expect(platformEntry('@unrs/resolver-binding-win32-x64-msvc', '1.13.0')).toEqual({ version: '1.13.0', cpu: ['x64'], dev: true, optional: true, os: ['win32'] });
  expect(platformEntry('@unrs/resolver-binding-android-arm-eabi', '1.13.0')).toMatchObject({ cpu: ['arm'], os: ['android'] });
  expect(() => platformEntry('left-pad', '1.0.0')).toThrow(/not a platform-specific package name/);
});
