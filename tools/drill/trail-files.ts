/**
 * CloudTrail log files for the drills: real records from ../shared/data/cloudtrail, given fresh
 * eventIDs from a seeded generator and fixed times (so a run is reproducible and the sink can tell
 * every record apart), in files of a chosen size under the CloudTrail key layout, gzipped at CloudTrail's level.
 */
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { CLOUDTRAIL_GZIP_LEVEL, loadSampleRecords } from '../bench/generate';

export const DRILL_BUCKET = 'drill-trail';
export const DRILL_ACCOUNT = '111111111111';
export const DRILL_REGION = 'us-east-1';
export const SHARED_CLOUDTRAIL_DIR = resolve(__dirname, '..', '..', '..', 'shared', 'data', 'cloudtrail');
/**
 * The drills' files are dated here, not now, so that one seed gives the same bytes on every run
 * (a corrupted gzip breaks at the same record). Older than 24 h, the records are restamped by the
 * forwarder (its documented staleRecords default), which changes no count.
 */
export const DRILL_EPOCH = new Date(Date.UTC(2026, 11, 1, 12, 0, 0));

export interface TrailFile {
  readonly bucket: string;
  readonly key: string;
  /** The object's bytes as stored (gzipped unless a drill made it otherwise). */
  readonly body: Buffer;
  /** eventID of every record, by record index. */
  readonly ids: readonly string[];
  readonly uncompressedBytes: number;
}

export { seededRandom } from '../lib/seeded-random';

/** A UUID-shaped id from the generator (CloudTrail's eventIDs are UUIDs). */
export function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

let samples: Record<string, unknown>[] | undefined;
/** The shared records (loaded once); a clear error when ../shared/data is missing. */
export function sampleRecords(): readonly Record<string, unknown>[] {
  samples ??= loadSampleRecords(SHARED_CLOUDTRAIL_DIR);
  if (samples.length === 0) throw new Error(`${SHARED_CLOUDTRAIL_DIR} holds no CloudTrail records`);
  return samples;
}

/** The key CloudTrail writes a log file under, for a file called `name` (unique per drill). */
export function trailKey(name: string, at: Date): string {
  const iso = at.toISOString();
  const [yyyy, mm, dd] = iso.slice(0, 10).split('-');
  const stamp = iso.replace(/[-:]/g, '').slice(0, 13) + 'Z';
  return `AWSLogs/${DRILL_ACCOUNT}/CloudTrail/${DRILL_REGION}/${yyyy}/${mm}/${dd}/${DRILL_ACCOUNT}_CloudTrail_${DRILL_REGION}_${stamp}_${name}.json.gz`;
}

/** Real records, round-robin from the samples, with fresh eventIDs and times just before `now`, up to about `targetBytes` of JSON. */
export function makeRecords(targetBytes: number, random: () => number, now = DRILL_EPOCH.getTime()): Record<string, unknown>[] {
  const pool = sampleRecords();
  const out: Record<string, unknown>[] = [];
  const offset = Math.floor(random() * pool.length);
  for (let bytes = 0; bytes < targetBytes; ) {
    const record = { ...pool[(offset + out.length) % pool.length], eventID: seededUuid(random), eventTime: new Date(now - out.length * 10).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    bytes += JSON.stringify(record).length + 1;
    out.push(record);
  }
  return out;
}

/** The `{"Records":[...]}` document of raw record texts (a drill may pass bytes that are not valid JSON or UTF-8). */
export function recordsDocument(records: readonly (Record<string, unknown> | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from('{"Records":[')];
  records.forEach((record, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(Buffer.isBuffer(record) ? record : Buffer.from(JSON.stringify(record)));
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

/** A gzipped CloudTrail log file of the given records. `ids` must list the eventID of each record. */
export function trailFile(name: string, records: readonly (Record<string, unknown> | Buffer)[], ids: readonly string[], at = DRILL_EPOCH): TrailFile {
  const document = recordsDocument(records);
  return { bucket: DRILL_BUCKET, key: trailKey(name, at), body: gzipSync(document, { level: CLOUDTRAIL_GZIP_LEVEL }), ids, uncompressedBytes: document.length };
}

/** A log file of about `targetBytes` (uncompressed) of real records. */
export function sizedTrailFile(name: string, targetBytes: number, random: () => number): TrailFile {
  const records = makeRecords(targetBytes, random);
  return trailFile(name, records, records.map((r) => String(r.eventID)));
}
