import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Crc64Nvme } from '@aws-sdk/checksums/crc';

/**
 * A stand-in for S3 as a Lambda sees it, for the fleet benchmark: `GET /<bucket>/<key>` (path
 * style, as the SDK addresses an IP endpoint) answers the file `<root>/<key>` after a first-byte
 * latency, then streams it no faster than a per-connection bandwidth cap. Asked for the checksum
 * (`x-amz-checksum-mode: ENABLED`, the SDK's default on every GetObject), it answers with the
 * object's full-object CRC64NVME, as S3 does for objects stored since December 2024, and the SDK
 * checks the body against it; the forwarder asks only for keys not ending in `.gz`
 * (functions/forwarder/object-source.ts). It also answers SSM's GetParameter (the Dynatrace
 * token), so the bundled forwarder needs no emulator; nothing else.
 */

/** S3 GetObject's time to first byte from Lambda in the same region: tens of ms. */
export const DEFAULT_FIRST_BYTE_MS = 30;
/** One S3 connection's throughput from Lambda, as commonly measured: tens of MB/s. */
export const DEFAULT_BYTES_PER_S_PER_CONNECTION = 50 * 1024 * 1024;
/** Bytes written per step of the bandwidth cap; small, so the pace is even. */
const PACE_BYTES = 64 * 1024;

export interface LatentS3Options {
  /** Files are served from here, by key; the bucket in the path is not checked. */
  readonly root: string;
  /** The SSM parameter value returned for any name. */
  readonly parameterValue: string;
  /** @default DEFAULT_FIRST_BYTE_MS */
  readonly firstByteMs?: number;
  /** @default DEFAULT_BYTES_PER_S_PER_CONNECTION */
  readonly bytesPerSecond?: number;
}

export class LatentS3 {
  /** GetObject requests answered (any status). */
  getObjects = 0;
  /** GetObject requests that asked for the object's checksum. */
  checksumRequests = 0;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(options: LatentS3Options): Promise<LatentS3> {
    const firstByteMs = options.firstByteMs ?? DEFAULT_FIRST_BYTE_MS;
    const bytesPerSecond = options.bytesPerSecond ?? DEFAULT_BYTES_PER_S_PER_CONNECTION;
    let s3: LatentS3 | undefined;
    const checksums = new ChecksumCache();
    const server = createServer((req, res) => {
      const target = req.headers['x-amz-target'];
      if (req.method === 'POST' && typeof target === 'string' && target.startsWith('AmazonSSM.')) {
        answerSsm(req, res, target, options.parameterValue);
      } else if (req.method === 'GET') {
        s3!.getObjects++;
        if (req.headers['x-amz-checksum-mode'] === 'ENABLED') s3!.checksumRequests++;
        serveObject(req, res, options.root, firstByteMs, bytesPerSecond, checksums).catch((err: Error) => {
          if (!res.headersSent) res.writeHead(500).end(String(err));
          else res.destroy(err);
        });
      } else {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`the bench's S3 stand-in answers GetObject and SSM GetParameter, not ${req.method} ${req.url}`);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    s3 = new LatentS3(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return s3;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function answerSsm(req: IncomingMessage, res: ServerResponse, target: string, value: string): void {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    if (target !== 'AmazonSSM.GetParameter') {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'InvalidAction', message: `${target} is not answered` }));
      return;
    }
    const { Name } = JSON.parse(body) as { Name: string };
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ Parameter: { Name, Type: 'SecureString', Value: value, Version: 1 } }));
  });
}

async function serveObject(req: IncomingMessage, res: ServerResponse, root: string, firstByteMs: number, bytesPerSecond: number, checksums: ChecksumCache): Promise<void> {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://s3').pathname);
  const key = path.split('/').slice(2).join('/');
  const file = normalize(join(root, key));
  await sleep(firstByteMs);
  const info = file.startsWith(root + sep) ? await stat(file).catch(() => undefined) : undefined;
  if (!info?.isFile()) {
    res.writeHead(404, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${key}</Key></Error>`);
    return;
  }
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'content-length': info.size, etag: `"${info.size.toString(16)}"`, 'last-modified': info.mtime.toUTCString() };
  if (req.headers['x-amz-checksum-mode'] === 'ENABLED') {
    headers['x-amz-checksum-crc64nvme'] = await checksums.of(file, info);
    headers['x-amz-checksum-type'] = 'FULL_OBJECT';
  }
  res.writeHead(200, headers);
  const started = performance.now();
  let sent = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: PACE_BYTES })) {
    // The cap: byte n leaves no earlier than n / bytesPerSecond after the first.
    const due = started + (sent / bytesPerSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sent += (chunk as Buffer).length;
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

/**
 * Each file's CRC64NVME, base64 as S3 sends it, computed on its first request and kept, as S3 keeps
 * it with the object. A file is computed again when its size or modification time changes; a
 * rewrite that keeps both keeps the old checksum, which is how the tests serve a body that does
 * not match it.
 */
class ChecksumCache {
  private readonly byFile = new Map<string, { version: string; checksum: Promise<string> }>();

  of(file: string, info: { size: number; mtimeMs: number }): Promise<string> {
    const version = `${info.size}:${info.mtimeMs}`;
    const known = this.byFile.get(file);
    if (known && known.version === version) return known.checksum;
    const checksum = crc64NvmeOfFile(file);
    this.byFile.set(file, { version, checksum });
    // A failed read is not kept: the next request tries again.
    checksum.catch(() => this.byFile.get(file)?.checksum === checksum && this.byFile.delete(file));
    return checksum;
  }
}

export async function crc64NvmeOfFile(file: string): Promise<string> {
  const crc = new Crc64Nvme();
  for await (const chunk of createReadStream(file)) crc.update(chunk as Buffer);
  return Buffer.from(await crc.digest()).toString('base64');
}
