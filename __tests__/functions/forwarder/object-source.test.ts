import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { SourceError } from '../../../functions/forwarder/errors';
import { checksumModeFor, logObjectS3Options, S3ObjectSource } from '../../../functions/forwarder/object-source';
import { LatentS3 } from '../../../tools/bench/latent-s3';

const GZ_KEY = 'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/12/01/f.json.gz';
const PLAIN_KEY = 'logs/f.json';

describe('S3ObjectSource, against an S3 stand-in that answers checksums as S3 does', () => {
  let root: string;
  let s3: LatentS3;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'object-source-'));
    for (const key of [GZ_KEY, PLAIN_KEY]) put(key, `body of ${key}`);
    s3 = await LatentS3.start({ root, parameterValue: 'unused', firstByteMs: 0 });
  });

  afterAll(async () => {
    await s3.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Written with a fixed modification time, so a rewrite keeps the stand-in's stored checksum. */
  function put(key: string, body: string): void {
    const file = join(root, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    const when = new Date('2026-12-01T00:00:00Z');
    utimesSync(file, when, when);
  }

  const source = (options: S3ClientConfig = logObjectS3Options({})) =>
    new S3ObjectSource(new S3Client({ ...options, endpoint: s3.endpoint, forcePathStyle: true, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }));

  async function read(src: S3ObjectSource, key: string): Promise<string> {
    const opened = await src.open({ bucket: 'trail', key });
    const parts: Buffer[] = [];
    for await (const chunk of opened.body) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts).toString();
  }

  test("checksumModeFor: gzipped keys carry their own check; others ask for S3's checksum", () => {
    expect(checksumModeFor(GZ_KEY)).toBeUndefined();
    expect(checksumModeFor(GZ_KEY.toUpperCase())).toBeUndefined();
    expect(checksumModeFor(PLAIN_KEY)).toBe('ENABLED');
    expect(checksumModeFor('AWSLogs/x.json.gz.tmp')).toBe('ENABLED');
  });

  test('logObjectS3Options: AWS_RESPONSE_CHECKSUM_VALIDATION in the environment wins', () => {
    expect(logObjectS3Options({})).toEqual({ responseChecksumValidation: 'WHEN_REQUIRED' });
    expect(logObjectS3Options({ AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_SUPPORTED' })).toEqual({});
  });

  test("a .gz key is requested without S3's checksum (gzip's trailer checks what is read from it)", async () => {
    const before = s3.checksumRequests;
    expect(await read(source(), GZ_KEY)).toBe(`body of ${GZ_KEY}`);
    expect(s3.checksumRequests).toBe(before);
  });

  test("any other object is checked against S3's checksum, and a mismatch fails its stream", async () => {
    const before = s3.checksumRequests;
    expect(await read(source(), PLAIN_KEY)).toBe(`body of ${PLAIN_KEY}`);
    expect(s3.checksumRequests).toBe(before + 1);
    const key = 'logs/changed.json';
    put(key, 'first body');
    // Read once: the stand-in stores the checksum, as S3 does with the object.
    expect(await read(source(), key)).toBe('first body');
    put(key, 'other body');
    await expect(read(source(), key)).rejects.toThrow(/checksum mismatch/i);
  });

  test("with the SDK's default client options, every object's checksum is checked", async () => {
    const before = s3.checksumRequests;
    expect(await read(source({}), GZ_KEY)).toBe(`body of ${GZ_KEY}`);
    expect(s3.checksumRequests).toBe(before + 1);
  });

  test("AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_SUPPORTED (forwarder.s3Checksums: all) has .gz objects checked too", async () => {
    const saved = process.env.AWS_RESPONSE_CHECKSUM_VALIDATION;
    process.env.AWS_RESPONSE_CHECKSUM_VALIDATION = 'WHEN_SUPPORTED';
    try {
      const before = s3.checksumRequests;
      expect(await read(source(logObjectS3Options()), GZ_KEY)).toBe(`body of ${GZ_KEY}`);
      expect(s3.checksumRequests).toBe(before + 1);
    } finally {
      if (saved === undefined) delete process.env.AWS_RESPONSE_CHECKSUM_VALIDATION;
      else process.env.AWS_RESPONSE_CHECKSUM_VALIDATION = saved;
    }
  });

  test('opens with a signal each resolve the middleware stack once per concurrent open, not per object (cacheMiddleware)', async () => {
    const resolutions = jest.spyOn(GetObjectCommand.prototype, 'resolveMiddleware');
    try {
      const src = source({ ...logObjectS3Options({}), cacheMiddleware: true });
      const readWith = async (key: string) => {
        const opened = await src.open({ bucket: 'trail', key }, { signal: new AbortController().signal });
        const parts: Buffer[] = [];
        for await (const chunk of opened.body) parts.push(Buffer.from(chunk));
        return Buffer.concat(parts).toString();
      };
      for (let i = 0; i < 5; i++) expect(await readWith(i % 2 ? GZ_KEY : PLAIN_KEY)).toBe(`body of ${i % 2 ? GZ_KEY : PLAIN_KEY}`);
      expect(resolutions).toHaveBeenCalledTimes(1);
      expect(await Promise.all([readWith(GZ_KEY), readWith(PLAIN_KEY), readWith(GZ_KEY)])).toEqual([`body of ${GZ_KEY}`, `body of ${PLAIN_KEY}`, `body of ${GZ_KEY}`]);
      expect(resolutions.mock.calls.length).toBeLessThanOrEqual(3);
      // An aborted open rejects as before, and its handler is not reused.
      const aborted = new AbortController();
      aborted.abort(new Error('given up'));
      await expect(src.open({ bucket: 'trail', key: GZ_KEY }, { signal: aborted.signal })).rejects.toBeInstanceOf(SourceError);
      expect(await readWith(GZ_KEY)).toBe(`body of ${GZ_KEY}`);
    } finally {
      resolutions.mockRestore();
    }
  });

  test('a missing object is a SourceError naming the object, with what to do', async () => {
    const err = await source().open({ bucket: 'trail', key: 'AWSLogs/missing.json.gz' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/s3:\/\/trail\/AWSLogs\/missing\.json\.gz: .*does not exist/);
  });
});
