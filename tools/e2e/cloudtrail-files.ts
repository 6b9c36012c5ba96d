import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../../config/paths';

/** Real CloudTrail records (Stratus Red Team detonations) beside the repository. */
export const SHARED_CLOUDTRAIL_DIR = join(PROJECT_ROOT, '..', 'shared', 'data', 'cloudtrail', 'stratus-red-team');

export interface CloudTrailObject {
  readonly bucket: string;
  /** The key as CloudTrail writes it: AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>. */
  readonly key: string;
  /** The gzipped {"Records":[...]} document. */
  readonly body: Buffer;
  readonly records: readonly Record<string, any>[];
  readonly accountId: string;
  readonly region: string;
  readonly sourceFile: string;
}

/**
 * CloudTrail log files built from the shared records: each file's records in the delivery format
 * (gzipped `{"Records": [...]}`), under the key layout of the given account and region, named as
 * CloudTrail names them.
 */
export function cloudTrailObjects(options: {
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly files: number;
}): CloudTrailObject[] {
  const sources = readdirSync(SHARED_CLOUDTRAIL_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .slice(0, options.files);
  if (sources.length < options.files) throw new Error(`${SHARED_CLOUDTRAIL_DIR} holds ${sources.length} record files; the e2e needs ${options.files}`);
  return sources.map((file, i) => {
    const parsed = JSON.parse(readFileSync(join(SHARED_CLOUDTRAIL_DIR, file), 'utf8'));
    const records: Record<string, any>[] = Array.isArray(parsed) ? parsed : parsed.Records;
    const region = options.regions[i % options.regions.length];
    const time = new Date(Date.UTC(2024, 6, 30, 12, 5 * i));
    const stamp = time.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
    const unique = createHash('sha256').update(file).digest('hex').slice(0, 16).toUpperCase();
    const [yyyy, mm, dd] = time.toISOString().slice(0, 10).split('-');
    const key = `${options.keyPrefix}CloudTrail/${region}/${yyyy}/${mm}/${dd}/${options.accountId}_CloudTrail_${region}_${stamp}_${unique}.json.gz`;
    return {
      bucket: options.bucket,
      key,
      body: gzipSync(Buffer.from(JSON.stringify({ Records: records }))),
      records,
      accountId: options.accountId,
      region,
      sourceFile: file,
    };
  });
}
