import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** A problem with an input file or record: the message names the file and, when known, the record index. */
export class SimulateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulateInputError';
  }
}

/** JSON.parse for input text; `where` names the file (and line) in the error. */
export function parseInputJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SimulateInputError(`${where}: not valid JSON (${(err as Error).message})`);
  }
}

/** The records of one CloudTrail file, in file order. */
export interface CloudTrailFile {
  readonly file: string;
  readonly records: readonly Record<string, unknown>[];
}

const CLOUDTRAIL_FILE = /\.json(\.gz)?$/;

/** The files named by `paths`, directories walked recursively for `.json` and `.json.gz` files, in name order. */
export function listCloudTrailFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const visit = (path: string, named: boolean): void => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (err) {
      throw new SimulateInputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    if (isDirectory) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry), false);
    } else if (named || CLOUDTRAIL_FILE.test(path)) {
      files.push(path);
    }
  };
  for (const path of paths) visit(path, true);
  return files;
}

/**
 * Reads a CloudTrail log file: `{"Records": [...]}` as CloudTrail delivers it, or a bare array of records;
 * gzip is recognised by its magic bytes (1f 8b), whatever the file is called.
 */
export function readCloudTrailFile(file: string): CloudTrailFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new SimulateInputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return { file, records: parseCloudTrail(file, bytes) };
}

/** Parses the bytes of a CloudTrail file; `file` only names it in error messages. */
export function parseCloudTrail(file: string, bytes: Uint8Array): Record<string, unknown>[] {
  let text: string;
  try {
    text = Buffer.from(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (err) {
    throw new SimulateInputError(`${file}: not a valid gzip file (${(err as Error).message})`);
  }
  const document = parseInputJson(text, file);
  const records = Array.isArray(document)
    ? document
    : typeof document === 'object' && document !== null && Array.isArray((document as { Records?: unknown }).Records)
      ? (document as { Records: unknown[] }).Records
      : undefined;
  if (records === undefined) {
    throw new SimulateInputError(`${file}: expected a CloudTrail log file ({"Records": [...]}) or an array of records`);
  }
  records.forEach((record, index) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new SimulateInputError(`${file} record ${index}: a CloudTrail record must be a JSON object, got ${JSON.stringify(record)?.slice(0, 60)}`);
    }
  });
  return records as Record<string, unknown>[];
}
