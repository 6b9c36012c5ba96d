import { readFileSync } from 'node:fs';
import { handler, logBucketCreation } from '../../../functions/bucket-logger/handler';
import { Logger } from '../../../functions/lib/logger';
import { sharedDataPath } from '../../support/shared-data';

const custodian = (file: string) => JSON.parse(readFileSync(sharedDataPath('eventbridge', 'cloud-custodian', file), 'utf8'));

function capture(): { logger: Logger; lines: () => Record<string, any>[] } {
  const written: string[] = [];
  const logger = new Logger({ service: 'bucket-logger', write: (line) => written.push(line), clock: () => Date.parse('2026-01-01T00:00:00Z') });
  return { logger, lines: () => written.map((l) => JSON.parse(l)) };
}

test('writes one structured JSON line with account, region, bucket name and creator', () => {
  const { logger, lines } = capture();
  logBucketCreation(custodian('event-cloud-trail-create-bucket.json'), logger);
  expect(lines()).toEqual([
    expect.objectContaining({
      level: 'INFO',
      service: 'bucket-logger',
      message: 'S3 bucket created',
      account: '619193117841',
      region: 'us-west-2',
      bucketName: 'custodian-create-bucket-v4',
      creator: expect.objectContaining({ type: 'Root', arn: 'arn:aws:iam::619193117841:root' }),
    }),
  ]);
});

test('logs a skipped event as a warning with the reason and does not throw', () => {
  const { logger, lines } = capture();
  const result = logBucketCreation(custodian('event-cloud-trail-create-distribution.json'), logger);
  expect(result.kind).toBe('skipped');
  expect(lines()).toEqual([expect.objectContaining({ level: 'WARN', message: 'event skipped', reason: 'not an S3 CreateBucket call (cloudfront.amazonaws.com CreateDistribution)' })]);
});

test('the Lambda handler writes to stdout with the request id and returns the result', async () => {
  const writes: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    writes.push(String(chunk));
    return true;
  });
  try {
    const result = await handler(custodian('event-cloud-trail-s3.json'), { awsRequestId: 'req-1' });
    expect(result).toMatchObject({ kind: 'created', bucket: { bucketName: 'cwe-test' } });
  } finally {
    spy.mockRestore();
  }
  expect(writes.map((w) => JSON.parse(w))).toEqual([expect.objectContaining({ message: 'S3 bucket created', requestId: 'req-1', bucketName: 'cwe-test', account: '101010101111' })]);
});
