/**
 * Real CloudTrail log files for tests, built from the shared data as the data README says:
 * records grouped into `{"Records":[...]}` files, gzipped, keyed as CloudTrail keys them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { sharedDataPath } from '../../../support/shared-data';
import { ObjectLocation, ObjectSource, OpenedObject } from '../../../../functions/forwarder/object-source';
import { SourceError } from '../../../../functions/forwarder/errors';

export type CloudTrailRecord = Record<string, unknown>;

let stratusCache: CloudTrailRecord[] | undefined;
let pantherCache: CloudTrailRecord[] | undefined;

/** The 310 records of stratus-red-team (35 bare-array files), in file order. */
export function stratusRecords(): CloudTrailRecord[] {
  if (!stratusCache) {
    const dir = sharedDataPath('cloudtrail', 'stratus-red-team');
    stratusCache = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .flatMap((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as CloudTrailRecord[]);
  }
  return structuredClone(stratusCache);
}

/** The 461 panther records (the `log` of each test case): edge cases of userIdentity and errors. */
export function pantherRecords(): CloudTrailRecord[] {
  if (!pantherCache) {
    const cases = JSON.parse(readFileSync(sharedDataPath('cloudtrail', 'panther', 'records.json'), 'utf8')) as { log: CloudTrailRecord }[];
    pantherCache = cases.map((c) => c.log);
  }
  return structuredClone(pantherCache);
}

/** A stratus file as it is on disk (a bare array), for the CLI. */
export function stratusFilePath(name = 'aws.defense-evasion.cloudtrail-stop.json'): string {
  return sharedDataPath('cloudtrail', 'stratus-red-team', name);
}

/** `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<stamp>_<16 chars>.json.gz` */
export function cloudTrailKey(opts: { account?: string; region?: string; org?: string; prefix?: string; kind?: 'CloudTrail' | 'CloudTrail-Insight' | 'CloudTrail-Digest'; date?: Date; suffix?: string } = {}): string {
  const account = opts.account ?? '111122223333';
  const region = opts.region ?? 'eu-central-1';
  const kind = opts.kind ?? 'CloudTrail';
  const d = opts.date ?? new Date(Date.UTC(2024, 4, 17, 9, 35));
  const p2 = (n: number) => String(n).padStart(2, '0');
  const ymd = `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}`;
  const stamp = `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}T${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}Z`;
  const file = `${account}_${kind}_${region}_${stamp}_${opts.suffix ?? 'AbCdEfGh12345678'}.json.gz`;
  return [opts.prefix, 'AWSLogs', opts.org, account, kind, region, ymd, file].filter(Boolean).join('/');
}

/** A CloudTrail log file body: `{"Records":[...]}`, gzipped unless told otherwise. */
export function logFile(records: readonly unknown[], opts: { gzip?: boolean } = {}): Buffer {
  const json = Buffer.from(JSON.stringify({ Records: records }));
  return opts.gzip === false ? json : gzipSync(json, { level: 6 });
}

/** Records with fresh event times (so they are not restamped), unique eventIDs. */
export function freshen(records: CloudTrailRecord[], now: number): CloudTrailRecord[] {
  return records.map((r, i) => ({ ...r, eventTime: new Date(now - 60_000 - i).toISOString().replace(/\.\d{3}Z$/, 'Z'), eventID: `test-${i}` }));
}

/**
 * An in-memory object store that streams each object in small chunks (so records and gzip
 * members cross chunk boundaries), and fails named keys the way S3 does.
 */
export class MemorySource implements ObjectSource {
  readonly objects = new Map<string, Buffer>();
  readonly errors = new Map<string, string>();
  readonly opened: ObjectLocation[] = [];
  constructor(private readonly chunkBytes = 4096) {}

  put(bucket: string, key: string, body: Buffer): this {
    this.objects.set(`${bucket}/${key}`, body);
    return this;
  }

  async open(location: ObjectLocation): Promise<OpenedObject> {
    this.opened.push(location);
    const id = `${location.bucket}/${location.key}`;
    const error = this.errors.get(id);
    if (error) throw new SourceError(error, { bucket: location.bucket, key: location.key, code: error });
    const body = this.objects.get(id);
    if (!body) throw new SourceError('the object does not exist', { bucket: location.bucket, key: location.key, code: 'NoSuchKey' });
    const chunkBytes = this.chunkBytes;
    return {
      versionId: location.versionId ?? 'v1',
      body: (async function* () {
        for (let i = 0; i < body.length; i += chunkBytes) yield body.subarray(i, i + chunkBytes);
      })(),
    };
  }
}
