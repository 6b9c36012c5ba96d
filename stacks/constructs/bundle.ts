import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';
import { zipSync } from 'fflate';
import { PROJECT_ROOT } from '../../config/paths';
import { cachedZip, recipeDigest, storeZip } from './bundle-cache';
import { trimSourceMap } from './source-map';

/** Bundles are built here, outside cdktf.out so synth output holds only the copied assets. */
const BUILD_DIR = join(PROJECT_ROOT, '.gen', 'functions');

/** A fixed zip entry time: the same source must give the same bytes, hence the same hash. */
const ZIP_MTIME = new Date('1980-01-01T00:00:00Z');

export interface FunctionBundle {
  /** Absolute path of the deterministic zip. */
  readonly zipPath: string;
  /** base64(sha256(zip)), as Lambda's source_code_hash expects. */
  readonly sha256Base64: string;
  readonly zipBytes: number;
  /** The handler setting: index.handler. */
  readonly handler: string;
}

const cache = new Map<string, FunctionBundle>();

/**
 * Bundles functions/<name>/handler.ts with esbuild (Node 20 target, minified, external source
 * map of the project's own code) into a zip whose bytes depend only on the source, so synth stays
 * byte-identical and Terraform sees no change until the code changes. Built once per process, and
 * reused across synths while its sources are unchanged (./bundle-cache.ts).
 */
export function bundleFunction(name: string): FunctionBundle {
  const cached = cache.get(name);
  if (cached) return cached;
  const entry = join(PROJECT_ROOT, 'functions', name, 'handler.ts');
  if (!existsSync(entry)) throw new Error(`function ${name}: ${relative(PROJECT_ROOT, entry)} does not exist`);
  const outdir = join(BUILD_DIR, name);
  const zipPath = join(BUILD_DIR, `${name}.zip`);
  const options = buildOptions(entry, outdir);
  const recipe = recipeDigest([esbuildVersion, JSON.stringify(options), ...RECIPE_FILES.map((file) => readFileSync(join(PROJECT_ROOT, file)))]);
  const zip = cachedZip(PROJECT_ROOT, zipPath, recipe) ?? buildZip(name, options, zipPath, recipe);
  const bundle: FunctionBundle = {
    zipPath,
    sha256Base64: createHash('sha256').update(zip).digest('base64'),
    zipBytes: zip.byteLength,
    handler: 'index.handler',
  };
  cache.set(name, bundle);
  return bundle;
}

/**
 * Files that shape a bundle without being esbuild inputs: the code that builds and zips it, the
 * compiler settings, and the lock file (a dependency's new version may resolve to other files).
 */
const RECIPE_FILES = ['stacks/constructs/bundle.ts', 'stacks/constructs/bundle-cache.ts', 'stacks/constructs/source-map.ts', 'tsconfig.json', 'package-lock.json'];

function buildOptions(entry: string, outdir: string): BuildOptions & { write: false; metafile: true } {
  return {
    entryPoints: [entry],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    // ESM builds of the SDK and its dependencies tree-shake better than their CommonJS entries:
    // the forwarder bundle shrinks from 1.92 to 1.59 MB, and loading it from ~170 to ~126 ms.
    mainFields: ['module', 'main'],
    format: 'cjs',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    write: false,
    // The files read, for the cache; the bundle is the same with or without it.
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: PROJECT_ROOT,
  };
}

function buildZip(name: string, options: ReturnType<typeof buildOptions>, zipPath: string, recipe: string): Uint8Array {
  const outdir = join(BUILD_DIR, name);
  mkdirSync(outdir, { recursive: true });
  const result = buildSync(options);
  if (result.errors.length > 0) {
    throw new Error(`function ${name}: esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
  }
  const files: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const file of result.outputFiles) {
    const contents = file.path.endsWith('.map') ? ownCodeOnly(file.contents) : file.contents;
    files[relative(outdir, file.path)] = [contents, { mtime: ZIP_MTIME }];
  }
  const zip = zipSync(files, { level: 9, mtime: ZIP_MTIME });
  storeZip(PROJECT_ROOT, zipPath, recipe, Object.keys(result.metafile.inputs), zip);
  return zip;
}

/** Source maps for the project's code only: the bundled SDK's mappings would double the zip. */
function ownCodeOnly(mapBytes: Uint8Array): Uint8Array {
  const map = JSON.parse(Buffer.from(mapBytes).toString('utf8'));
  return Buffer.from(JSON.stringify(trimSourceMap(map, (source) => !source.includes('node_modules/'))));
}
