import { createReadStream, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { request } from 'undici';

/**
 * The two references the forwarder is measured against, on the same files in the same run.
 */

export interface ReferenceResult {
  readonly requests: number;
  readonly events: number;
  /** Uncompressed bytes of the request bodies. */
  readonly eventBytes: number;
}

/**
 * The codec floor: gunzip the input and gzip the same bytes at the forwarder's level, with
 * nothing else. A forwarder must at least do both, so none can beat it.
 */
export async function codecFloor(file: string, gzipLevel: number): Promise<ReferenceResult> {
  let bytes = 0;
  const discard = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done();
    },
  });
  await pipeline(createReadStream(file), createGunzip(), createGzip({ level: gzipLevel }), discard);
  return { requests: 0, events: 0, eventBytes: bytes };
}

/**
 * A forwarder as the peers write it: read the whole object, gunzip, JSON.parse, JSON.stringify
 * each record into an event, batch by size, gzip, send one request at a time.
 */
export async function naiveForward(file: string, url: string, token: string, maxBatchBytes: number): Promise<ReferenceResult> {
  const { Records } = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: Record<string, unknown>[] };
  let requests = 0;
  let eventBytes = 0;
  let batch: string[] = [];
  let batchBytes = 2;
  const send = async () => {
    const body = `[${batch.join(',')}]`;
    eventBytes += Buffer.byteLength(body);
    const res = await request(`${url}/api/v2/logs/ingest`, {
      method: 'POST',
      headers: { authorization: `Api-Token ${token}`, 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
      body: gzipSync(body, { level: 6 }),
    });
    await res.body.dump();
    if (res.statusCode >= 300) throw new Error(`naive reference: the sink answered ${res.statusCode}`);
    requests++;
    batch = [];
    batchBytes = 2;
  };
  for (const record of Records) {
    const event = JSON.stringify({
      content: JSON.stringify(record),
      timestamp: record.eventTime,
      'aws.service': 'cloudtrail',
      'aws.account.id': record.recipientAccountId,
      'aws.region': record.awsRegion,
    });
    const size = Buffer.byteLength(event) + 1;
    if (batch.length > 0 && (batchBytes + size > maxBatchBytes || batch.length >= 50_000)) await send();
    batch.push(event);
    batchBytes += size;
  }
  if (batch.length > 0) await send();
  return { requests, events: Records.length, eventBytes };
}
