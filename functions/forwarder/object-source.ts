/**
 * Where objects are read from: S3 (the Lambda, the replay command) or local files (the CLI).
 * Both give a byte stream; errors become {@link SourceError}s that name the object.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { GetObjectCommand, GetObjectCommandOutput, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { SourceError } from './errors';
import { StallWatch } from './stall-watch';

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
  /**
   * Fails the read of the body under way, and every later one, with `error`, and releases the
   * stream: the pipeline's deadline, which must not wait for a stalled body. @default - none
   */
  readonly abort?: (error: Error) => void;
}

export interface OpenOptions {
  /**
   * Fires when the object is given up before its open answered (the invocation's deadline came, or
   * an object read ahead was discarded): the request stops at once, its retries with it, and the
   * open rejects. The caller has ticketed the object already; the rejection only releases it.
   * @default - the open runs its course (its own timeouts and retries)
   */
  readonly signal?: AbortSignal;
}

export interface ObjectSource {
  /** Opens the object for streaming. Rejects with a {@link SourceError}. */
  open(location: ObjectLocation, options?: OpenOptions): Promise<OpenedObject>;
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

/** A TCP connection to S3 that is not up by then fails the attempt (the SDK tries again). */
export const S3_CONNECTION_TIMEOUT_MS = 1_000;

/**
 * A GetObject attempt whose response headers have not come by then fails, and the SDK tries again
 * (3 attempts, with its backoff): S3 answers in tens of ms, rarely in more than a second. In this
 * SDK (`@smithy/node-http-handler` 4.x) `requestTimeout` runs from the request to the response
 * headers and is cleared then, so it does not touch the body; without `throwOnRequestTimeout` it
 * only warns. The handler's `socketTimeout` is left unset on purpose: it counts any silence of the
 * socket, the body's included, and would destroy the streams read ahead or held back, which sit
 * idle on purpose (./stall-watch.ts).
 */
export const S3_FIRST_BYTE_TIMEOUT_MS = 5_000;

/**
 * A body that sends no byte for this long while the forwarder waits for one fails its object, as
 * any broken stream does (./stall-watch.ts): the rest of the object is ticketed and the run goes
 * on. Only waits count, never a stream nobody is reading.
 */
export const S3_BODY_STALL_TIMEOUT_MS = 10_000;

/** The timeouts of the S3 client that reads log objects (with {@link logObjectS3Options}). */
export const LOG_OBJECT_S3_TIMEOUTS: Pick<S3ClientConfig, 'requestHandler'> = {
  requestHandler: { connectionTimeout: S3_CONNECTION_TIMEOUT_MS, requestTimeout: S3_FIRST_BYTE_TIMEOUT_MS, throwOnRequestTimeout: true },
};

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

export interface S3ObjectSourceOptions {
  /** A read of a body that waits this long without a byte fails the object. @default S3_BODY_STALL_TIMEOUT_MS */
  readonly stallTimeoutMs?: number;
}

export class S3ObjectSource implements ObjectSource {
  private readonly stalls: StallWatch;

  /**
   * @param s3 built with {@link logObjectS3Options} and {@link LOG_OBJECT_S3_TIMEOUTS}; with
   * the SDK's defaults every object's checksum is checked, and a GetObject whose headers never
   * come waits for ever.
   */
  constructor(
    s3: Pick<S3Client, 'send'>,
    options: S3ObjectSourceOptions = {},
  ) {
    this.stalls = new StallWatch(options.stallTimeoutMs ?? S3_BODY_STALL_TIMEOUT_MS);
    this.getObjects = new SignalledGetObjects(s3);
  }

  private readonly getObjects: SignalledGetObjects;

  async open(location: ObjectLocation, options: OpenOptions = {}): Promise<OpenedObject> {
    try {
      // The signal reaches the request of every attempt and the SDK's backoff between them.
      const res = await this.getObjects.send(
        new GetObjectCommand({ Bucket: location.bucket, Key: location.key, VersionId: location.versionId, ChecksumMode: checksumModeFor(location.key) }),
        options.signal,
      );
      if (!res.Body) throw new Error('GetObject returned no body');
      const body = this.stalls.watch(res.Body as AsyncIterable<Uint8Array> & { destroy?: (error?: Error) => unknown });
      return {
        body,
        versionId: res.VersionId ?? location.versionId,
        contentLength: res.ContentLength,
        abort: (error) => body.abort(error),
      };
    } catch (err) {
      const name = (err as { name?: string }).name ?? 'Error';
      const hint = S3_HINTS[name] ?? `GetObject failed: ${name}: ${(err as Error).message}`;
      throw new SourceError(hint, { bucket: location.bucket, key: location.key, code: name }, { cause: err });
    }
  }
}

type ResolvedGetObject = (command: GetObjectCommand) => Promise<{ output: GetObjectCommandOutput }>;
interface HandlerSlot {
  readonly relay: AbortController;
  readonly handler: ResolvedGetObject;
}

/**
 * GetObject with an abort signal, through middleware stacks resolved once, not per object. The
 * SDK caches a command's resolved stack (`cacheMiddleware`) only for a send without options, and
 * the signal is one: every GetObject resolved and sorted the whole stack again (~0.2 ms of CPU per
 * object). Here a resolved handler is bound to a relay signal of its own (the SDK hands that signal
 * to every attempt's request and to the backoff between attempts, as it does the one given to
 * `send`); a GetObject takes a free handler, its signal's abort is relayed until its request is
 * over (the response body closed, or the send failed), and the handler goes back to the pool,
 * unless its relay fired: then it is dropped. So at most as many stacks are resolved as GetObjects
 * run at once. A client without the SDK's internals (a test's fake) gets `send` with the signal.
 */
class SignalledGetObjects {
  private readonly free: HandlerSlot[] = [];
  private readonly client?: Pick<S3Client, 'middlewareStack' | 'config'>;

  constructor(private readonly s3: Pick<S3Client, 'send'>) {
    const client = s3 as Partial<S3Client>;
    if (client.middlewareStack && client.config?.cacheMiddleware === true) this.client = client as S3Client;
  }

  async send(command: GetObjectCommand, signal: AbortSignal | undefined): Promise<GetObjectCommandOutput> {
    if (!this.client || !signal || typeof command.resolveMiddleware !== 'function') return this.s3.send(command, { abortSignal: signal });
    const slot = this.free.pop() ?? this.slot(command);
    const relay = () => slot.relay.abort(signal.reason);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      signal.removeEventListener('abort', relay);
      if (!slot.relay.signal.aborted) this.free.push(slot);
    };
    if (signal.aborted) relay();
    else signal.addEventListener('abort', relay, { once: true });
    try {
      const { output } = await slot.handler(command);
      const body = output.Body as { once?: (event: 'close', listener: () => void) => unknown; destroyed?: boolean } | undefined;
      // The request's abort listener lives until the body is closed, as with the signal itself.
      if (body && typeof body.once === 'function' && !body.destroyed) body.once('close', release);
      else release();
      return output;
    } catch (err) {
      release();
      throw err;
    }
  }

  private slot(command: GetObjectCommand): HandlerSlot {
    const relay = new AbortController();
    const handler = command.resolveMiddleware(this.client!.middlewareStack, this.client!.config, { abortSignal: relay.signal }) as unknown as ResolvedGetObject;
    return { relay, handler };
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
