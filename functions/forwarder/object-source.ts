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

export class S3ObjectSource implements ObjectSource {
  constructor(private readonly s3: Pick<S3Client, 'send'>) {}

  async open(location: ObjectLocation): Promise<OpenedObject> {
    try {
      const res = await this.s3.send(
        new GetObjectCommand({ Bucket: location.bucket, Key: location.key, VersionId: location.versionId }),
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
