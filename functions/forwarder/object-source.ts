/**
 * Where objects are read from: S3 (the Lambda, the replay command) or local files (the CLI).
 * Both give a byte stream; errors become {@link SourceError}s that name the object.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SourceError } from './errors';

export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

export interface OpenedObject {
  readonly body: AsyncIterable<Uint8Array>;
  /** The version actually read (for tickets), when the store has versions. */
  readonly versionId?: string;
  readonly contentLength?: number;
}

export interface ObjectSource {
  /** Opens the object for streaming. Rejects with a {@link SourceError}. */
  open(location: ObjectLocation): Promise<OpenedObject>;
}

/** S3 error names an operator can act on, with the action to take. */
const S3_HINTS: Record<string, string> = {
  NoSuchKey: 'the object does not exist (deleted, or the key was not decoded as expected)',
  NoSuchVersion: 'the object version does not exist',
  NoSuchBucket: 'the bucket does not exist',
  AccessDenied: 'access denied: the function role needs s3:GetObject (and s3:GetObjectVersion) on the bucket and kms:Decrypt on its key',
  InvalidObjectState: 'the object is archived and must be restored first',
};

/**
 * The S3 client options for reading log objects: S3's checksum is asked for only where it adds a
 * check (see {@link checksumModeFor}). The SDK's default (`WHEN_SUPPORTED`) asks for it on every
 * GetObject, and S3 has one for every object stored since December 2024 (CRC64NVME, unless the
 * upload brought another), which the SDK recomputes over the body in JavaScript: ~2 % of the
 * forwarder's CPU on the bench's fleet (README, Performance). `AWS_RESPONSE_CHECKSUM_VALIDATION`
 * set in the environment wins (`WHEN_SUPPORTED`, which `forwarder.s3Checksums: "all"` sets: every
 * object checked, `.gz` ones included).
 */
export function logObjectS3Options(env: NodeJS.ProcessEnv = process.env): { responseChecksumValidation?: 'WHEN_REQUIRED' } {
  return env.AWS_RESPONSE_CHECKSUM_VALIDATION ? {} : { responseChecksumValidation: 'WHEN_REQUIRED' };
}

/**
 * `ENABLED` unless the key ends in `.gz`. A gzipped object carries its own check of what is read
 * from it: zlib verifies the trailer's CRC-32 and length of the decompressed content, and the
 * object fails as corrupt gzip otherwise (object-reader.ts). S3's CRC64NVME covers the stored
 * (compressed) bytes and fails only at the end of the body, after its records were read: for
 * accidental corruption, which is all either catches (TLS guards the wire), it adds little. The
 * reader goes by the bytes, not the key: a `.gz` key whose body is not gzip is read with neither
 * check. Other objects (plain JSON) keep S3's.
 */
export function checksumModeFor(key: string): 'ENABLED' | undefined {
  return /\.gz$/i.test(key) ? undefined : 'ENABLED';
}

export class S3ObjectSource implements ObjectSource {
  /** @param s3 built with {@link logObjectS3Options}; with the SDK's defaults every object's checksum is checked. */
  constructor(private readonly s3: Pick<S3Client, 'send'>) {}

  async open(location: ObjectLocation): Promise<OpenedObject> {
    try {
      const res = await this.s3.send(
        new GetObjectCommand({ Bucket: location.bucket, Key: location.key, VersionId: location.versionId, ChecksumMode: checksumModeFor(location.key) }),
      );
      if (!res.Body) throw new Error('GetObject returned no body');
      return {
        body: res.Body as AsyncIterable<Uint8Array>,
        versionId: res.VersionId ?? location.versionId,
        contentLength: res.ContentLength,
      };
    } catch (err) {
      const name = (err as { name?: string }).name ?? 'Error';
      const hint = S3_HINTS[name] ?? `GetObject failed: ${name}: ${(err as Error).message}`;
      throw new SourceError(hint, { bucket: location.bucket, key: location.key, code: name }, { cause: err });
    }
  }
}

/** Local files: the key is the path; the bucket is ignored. */
export class FileObjectSource implements ObjectSource {
  async open(location: ObjectLocation): Promise<OpenedObject> {
    let size: number;
    try {
      const info = await stat(location.key);
      if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      size = info.size;
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'Error';
      throw new SourceError(`cannot read the file: ${code}`, { key: location.key, code }, { cause: err });
    }
    return { body: createReadStream(location.key, { highWaterMark: 256 * 1024 }), contentLength: size };
  }
}
