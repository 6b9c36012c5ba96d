import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { crc64NvmeOfFile, LatentS3 } from '../../../tools/bench/latent-s3';

/** The fleet's S3 stand-in answers GetObject as S3 does, checksum included, so the SDK works as hard as in a Lambda. */
describe('LatentS3', () => {
  let root: string;
  let s3: LatentS3;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'latent-s3-'));
    writeFileSync(join(root, 'a.json.gz'), Buffer.from('the object body, any bytes'));
    s3 = await LatentS3.start({ root, parameterValue: 'token', firstByteMs: 0 });
  });

  afterAll(async () => {
    await s3.close();
    rmSync(root, { recursive: true, force: true });
  });

  const client = (options: { responseChecksumValidation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' } = {}) =>
    new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, ...options });

  test("computes CRC64NVME as the SDK does (the CRC64/NVME check value of '123456789')", async () => {
    writeFileSync(join(root, 'check'), '123456789');
    // 0xae8b14860a799888, the check value of the CRC-64/NVME catalogue entry.
    expect(Buffer.from(await crc64NvmeOfFile(join(root, 'check')), 'base64').toString('hex')).toBe('ae8b14860a799888');
  });

  test("answers the SDK's default GetObject with the full-object checksum, which the SDK checks", async () => {
    const before = s3.checksumRequests;
    const res = await client().send(new GetObjectCommand({ Bucket: 'b', Key: 'a.json.gz' }));
    expect(await res.Body!.transformToString()).toBe('the object body, any bytes');
    expect(res.ChecksumCRC64NVME).toBe(await crc64NvmeOfFile(join(root, 'a.json.gz')));
    expect(res.ChecksumType).toBe('FULL_OBJECT');
    expect(s3.checksumRequests).toBe(before + 1);
  });

  test('a body that does not match the stored checksum fails in the SDK, so the check really runs', async () => {
    const file = join(root, 'changed.json.gz');
    // The same size and modification time: the stand-in keeps the first version's checksum.
    const when = new Date('2026-01-01T00:00:00Z');
    writeFileSync(file, 'first version');
    utimesSync(file, when, when);
    // Read once: the stand-in stores the checksum, as S3 does with the object.
    await (await client().send(new GetObjectCommand({ Bucket: 'b', Key: 'changed.json.gz' }))).Body!.transformToString();
    writeFileSync(file, 'other version');
    utimesSync(file, when, when);
    const res = await client().send(new GetObjectCommand({ Bucket: 'b', Key: 'changed.json.gz' }));
    await expect(res.Body!.transformToString()).rejects.toThrow(/checksum mismatch/i);
  });

  test('without a checksum asked for, none is sent', async () => {
    const before = s3.checksumRequests;
    const res = await client({ responseChecksumValidation: 'WHEN_REQUIRED' }).send(new GetObjectCommand({ Bucket: 'b', Key: 'a.json.gz' }));
    expect(await res.Body!.transformToString()).toBe('the object body, any bytes');
    expect(res.ChecksumCRC64NVME).toBeUndefined();
    expect(s3.checksumRequests).toBe(before);
  });

  test('a missing key is NoSuchKey', async () => {
    await expect(client().send(new GetObjectCommand({ Bucket: 'b', Key: 'missing' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});
