import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

/** CloudTrail compresses its log files at gzip's default level. */
export const CLOUDTRAIL_GZIP_LEVEL = 6;
export const BENCH_ACCOUNT = '111111111111';
export const BENCH_REGION = 'us-east-1';

export interface GeneratedFile {
  /** Absolute path; the part from AWSLogs/ on is a real CloudTrail key. */
  readonly path: string;
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  readonly records: number;
}

/** Real records from ../shared/data/cloudtrail: every Stratus Red Team file and the Panther `log` entries. */
export function loadSampleRecords(cloudtrailDir: string): Record<string, unknown>[] {
  if (!existsSync(cloudtrailDir)) {
    throw new Error(`${cloudtrailDir} is missing: the benchmark draws its records from the shared test data (see ../shared/data/README.md)`);
  }
  const records: Record<string, unknown>[] = [];
  const stratus = join(cloudtrailDir, 'stratus-red-team');
  for (const file of readdirSync(stratus).filter((f) => f.endsWith('.json')).sort()) {
    records.push(...(JSON.parse(readFileSync(join(stratus, file), 'utf8')) as Record<string, unknown>[]));
  }
  for (const entry of JSON.parse(readFileSync(join(cloudtrailDir, 'panther', 'records.json'), 'utf8')) as { log?: unknown }[]) {
    if (entry.log && typeof entry.log === 'object') records.push(entry.log as Record<string, unknown>);
  }
  return records;
}

export interface GenerateOptions {
  /** Epoch ms the event times are drawn back from. @default Date.now() */
  readonly now?: number;
  /** The file's key under `dir`. @default - a CloudTrail key of BENCH_ACCOUNT in BENCH_REGION, named by the size */
  readonly key?: string;
  /** The sample the first record is drawn from, so small files of one run differ. @default 0 */
  readonly firstSample?: number;
}

/** `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDD>T<HHMM>Z_<tag>.json.gz` */
export function cloudTrailKey(account: string, region: string, at: number, tag: string): string {
  const [date, time] = new Date(at).toISOString().split('T');
  const [year, month, day] = date.split('-');
  const stamp = `${year}${month}${day}T${time.slice(0, 2)}${time.slice(3, 5)}Z`;
  return ['AWSLogs', account, 'CloudTrail', region, year, month, day, `${account}_CloudTrail_${region}_${stamp}_${tag}.json.gz`].join('/');
}

/**
 * Writes a gzipped CloudTrail log file of about `targetBytes` uncompressed, streaming: records
 * are drawn round-robin from the samples with fresh eventIDs and recent eventTimes (within the
 * last hour, so Dynatrace's 24 h limit does not apply), as CloudTrail writes them.
 */
export async function generateCloudTrailFile(dir: string, targetBytes: number, samples: readonly Record<string, unknown>[], options: GenerateOptions = {}): Promise<GeneratedFile> {
  const now = options.now ?? Date.now();
  const midnight = Math.floor(now / 86_400_000) * 86_400_000;
  const key = options.key ?? cloudTrailKey(BENCH_ACCOUNT, BENCH_REGION, midnight, `bench${String(targetBytes).padStart(11, '0')}`);
  const path = join(dir, key);
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;

  const gzip = createGzip({ level: CLOUDTRAIL_GZIP_LEVEL });
  const out = createWriteStream(partial);
  gzip.pipe(out);
  let written = 0;
  let records = 0;
  const write = async (text: string) => {
    written += Buffer.byteLength(text);
    if (!gzip.write(text)) await once(gzip, 'drain');
  };
  await write('{"Records":[');
  while (written < targetBytes) {
    const sample = samples[(records + (options.firstSample ?? 0)) % samples.length];
    const record = { ...sample, eventID: randomUUID(), eventTime: new Date(now - ((records * 7919) % 3_600_000)).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    await write((records > 0 ? ',' : '') + JSON.stringify(record));
    records++;
  }
  await write(']}');
  gzip.end();
  await once(out, 'close');
  renameSync(partial, path);
  return { path, uncompressedBytes: written, compressedBytes: statSync(path).size, records };
}
