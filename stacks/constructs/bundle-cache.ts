import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A function's zip kept between synths, content-addressed: esbuild took 3-6 s of every synth (the
 * SDK-heavy forwarder and responder), whatever the topology. A cached zip is used only when the
 * recipe (esbuild version, build options, the bundling code, the lock file, tsconfig) is the same
 * and every file esbuild read for it (its metafile's inputs) has the same contents; a new or
 * removed file beside one of the project's own inputs also counts, since it can change what an
 * import resolves to (dependencies' files change with the lock file). Any doubt means a rebuild:
 * the zip is deterministic, so a rebuild gives the same bytes for the same sources.
 */
export interface BundleRecord {
  /** Digest of what the build did not read from disk: esbuild version, options, bundling code, lock file. */
  readonly recipe: string;
  /** Every file esbuild read, relative to the project root, sorted. */
  readonly inputs: readonly string[];
  readonly inputsDigest: string;
  /** Hex sha256 of the zip, checked on every hit (a half-written or replaced zip is a miss). */
  readonly zipSha256: string;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The recipe's digest: the parts given, in order (each already deterministic text or bytes). */
export function recipeDigest(parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(sha256(part));
  return hash.digest('hex');
}

/**
 * The inputs' contents (and the listing of each project directory holding one), as one digest;
 * undefined when an input is gone.
 */
export function inputsDigest(root: string, inputs: readonly string[]): string | undefined {
  const hash = createHash('sha256');
  for (const input of inputs) {
    const file = join(root, input);
    if (!existsSync(file)) return undefined;
    hash.update(`${input}\0${sha256(readFileSync(file))}\n`);
  }
  const ownDirectories = [...new Set(inputs.filter((i) => !i.startsWith('node_modules/')).map(dirname))].sort();
  for (const dir of ownDirectories) hash.update(`${dir}/\0${readdirSync(join(root, dir)).sort().join('\0')}\n`);
  return hash.digest('hex');
}

const recordPath = (zipPath: string) => zipPath.replace(/\.zip$/, '.inputs.json');

/** The cached zip at `zipPath` when its record matches the recipe and the inputs as they are now. */
export function cachedZip(root: string, zipPath: string, recipe: string): Uint8Array | undefined {
  let record: BundleRecord;
  try {
    record = JSON.parse(readFileSync(recordPath(zipPath), 'utf8')) as BundleRecord;
  } catch {
    return undefined;
  }
  if (record.recipe !== recipe || !existsSync(zipPath)) return undefined;
  if (inputsDigest(root, record.inputs) !== record.inputsDigest) return undefined;
  const zip = readFileSync(zipPath);
  return sha256(zip) === record.zipSha256 ? zip : undefined;
}

/**
 * Writes the zip, then its record, each through a rename: a synth running beside this one reads
 * the old pair, the new pair or a mismatch (a miss), never half a file.
 */
export function storeZip(root: string, zipPath: string, recipe: string, inputs: readonly string[], zip: Uint8Array): void {
  const sorted = [...inputs].sort();
  const digest = inputsDigest(root, sorted);
  mkdirSync(dirname(zipPath), { recursive: true });
  writeAtomically(zipPath, zip);
  // An input that vanished while building: keep the zip for this synth, cache nothing.
  if (digest === undefined) return;
  const record: BundleRecord = { recipe, inputs: sorted, inputsDigest: digest, zipSha256: sha256(zip) };
  writeAtomically(recordPath(zipPath), `${JSON.stringify(record)}\n`);
}

function writeAtomically(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}
