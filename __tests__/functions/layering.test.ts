import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * House rule (DESIGN.md): functions are bundled on their own and run in Lambda, so they never
 * import cdktf or constructs, nor the project's synth-time code (stacks/, config/, tools/).
 */
const ROOT = resolve(__dirname, '../..');
const FUNCTIONS = join(ROOT, 'functions');
const FORBIDDEN_PACKAGES = /^(cdktf|cdktf-cli|constructs|@cdktf\/.*)$/;
const FORBIDDEN_DIRS = ['stacks', 'config', 'tools'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier of a file: static imports and re-exports, `import()` and `require()`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s+['"]([^'"]+)['"]/gm];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** Why a specifier in `file` breaks the rule, or undefined. */
function violation(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) {
    const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
    return FORBIDDEN_PACKAGES.test(pkg) || FORBIDDEN_PACKAGES.test(specifier) ? `imports the synth-time package ${specifier}` : undefined;
  }
  const top = relative(ROOT, resolve(dirname(file), specifier)).split(sep)[0];
  return FORBIDDEN_DIRS.includes(top) ? `imports ${top}/ (${specifier})` : undefined;
}

describe('functions layering', () => {
  it('finds the specifiers of every import form', () => {
    const source = `import { a } from './a';\nexport * from "../b";\nconst c = require('c');\nconst d = await import('./d');\nimport './e';`;
    expect(specifiers(source).sort()).toEqual(['../b', './a', './d', './e', 'c']);
  });

  it('tells a forbidden import from an allowed one', () => {
    const file = join(FUNCTIONS, 'forwarder', 'handler.ts');
    expect(violation(file, 'cdktf')).toMatch(/synth-time package cdktf/);
    expect(violation(file, '@cdktf/provider-aws/lib/s3-bucket')).toMatch(/synth-time package/);
    expect(violation(file, 'constructs')).toMatch(/synth-time package/);
    expect(violation(file, '../../stacks/constructs/bundle')).toMatch(/imports stacks\//);
    expect(violation(file, '../../config/naming')).toMatch(/imports config\//);
    expect(violation(file, '../../tools/lib/cli')).toMatch(/imports tools\//);
    expect(violation(file, '../lib/logger')).toBeUndefined();
    expect(violation(file, '@aws-sdk/client-s3')).toBeUndefined();
    expect(violation(file, 'undici/lib/dispatcher/pool')).toBeUndefined();
  });

  it('no function imports cdktf, constructs, stacks/, config/ or tools/', () => {
    const files = sourceFiles(FUNCTIONS);
    // Every function folder is scanned, not only the forwarder's.
    for (const fn of ['forwarder', 'notifier', 'bucket-logger', 'responder', 'lib']) {
      expect(files.some((f) => relative(FUNCTIONS, f).startsWith(`${fn}${sep}`))).toBe(true);
    }
    const problems = files.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8')).flatMap((spec) => {
        const why = violation(file, spec);
        return why ? [`${relative(ROOT, file)}: ${why}`] : [];
      }),
    );
    expect(problems).toEqual([]);
  });
});
