import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedZip, inputsDigest, recipeDigest, storeZip } from '../../../stacks/constructs/bundle-cache';

describe('bundle cache: a function zip reused while what it was built from is unchanged', () => {
  let root: string;
  let zipPath: string;
  const recipe = recipeDigest(['0.28.2', '{"minify":true}']);
  const zip = Buffer.from('PK-zip-bytes');
  const inputs = ['functions/f/handler.ts', 'functions/lib/util.ts', 'node_modules/dep/index.js'];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
    for (const input of inputs) {
      mkdirSync(join(root, input, '..'), { recursive: true });
      writeFileSync(join(root, input), `// ${input}\n`);
    }
    zipPath = join(root, '.gen', 'functions', 'f.zip');
    storeZip(root, zipPath, recipe, inputs, zip);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('the same recipe and inputs give the stored zip back', () => {
    expect(Buffer.from(cachedZip(root, zipPath, recipe)!)).toEqual(zip);
  });

  test('another recipe (esbuild version, options, bundling code, lock file) is a miss', () => {
    expect(cachedZip(root, zipPath, recipeDigest(['0.28.3', '{"minify":true}']))).toBeUndefined();
  });

  test('an input whose contents changed, or that is gone, is a miss', () => {
    writeFileSync(join(root, 'functions/lib/util.ts'), '// edited\n');
    expect(cachedZip(root, zipPath, recipe)).toBeUndefined();
    rmSync(join(root, 'functions/lib/util.ts'));
    expect(cachedZip(root, zipPath, recipe)).toBeUndefined();
  });

  test('a new file beside one of the project\'s inputs is a miss (an import may now resolve to it)', () => {
    writeFileSync(join(root, 'functions/lib/util.js'), '// shadows util.ts?\n');
    expect(cachedZip(root, zipPath, recipe)).toBeUndefined();
  });

  test('a zip replaced or half written is a miss', () => {
    writeFileSync(zipPath, 'PK-zip-by');
    expect(cachedZip(root, zipPath, recipe)).toBeUndefined();
  });

  test('no record, or an unreadable one, is a miss', () => {
    writeFileSync(zipPath.replace(/\.zip$/, '.inputs.json'), '{"recipe":');
    expect(cachedZip(root, zipPath, recipe)).toBeUndefined();
    rmSync(zipPath.replace(/\.zip$/, '.inputs.json'));
    expect(cachedZip(root, zipPath, recipe)).toBeUndefined();
  });

  test('the inputs digest follows contents, not modification times', () => {
    const before = inputsDigest(root, inputs);
    writeFileSync(join(root, 'functions/f/handler.ts'), '// functions/f/handler.ts\n');
    expect(inputsDigest(root, inputs)).toBe(before);
    expect(inputsDigest(root, [...inputs, 'functions/f/missing.ts'])).toBeUndefined();
  });

  test('bundleFunction in a new process reuses the zip without running esbuild', () => {
    type Bundle = typeof import('../../../stacks/constructs/bundle');
    let first: ReturnType<Bundle['bundleFunction']> | undefined;
    jest.isolateModules(() => {
      first = (require('../../../stacks/constructs/bundle') as Bundle).bundleFunction('bucket-logger');
    });
    jest.isolateModules(() => {
      jest.doMock('esbuild', () => ({ ...jest.requireActual('esbuild'), buildSync: () => { throw new Error('esbuild ran'); } }));
      const second = (require('../../../stacks/constructs/bundle') as Bundle).bundleFunction('bucket-logger');
      expect(second).toEqual(first);
    });
    expect(first?.zipBytes).toBeGreaterThan(0);
  });
});
