import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { RESPONDER_CLIENT_CONFIG, responderClients, sdkSourceClients } from '../../../functions/responder/clients';
import { errorCode, isRetryable } from '../../../functions/responder/errors';
import { SilentServer, startSilentServer } from '../forwarder/support/silent-server';
import { testConfig } from './support/records';

type Configured = { config: { requestHandler?: unknown } };

/** The resolved options of a client's HTTP handler (the SDK resolves them lazily). */
async function handlerOptions(client: unknown): Promise<Record<string, unknown>> {
  const handler = (client as Configured).config.requestHandler as { configProvider?: Promise<Record<string, unknown>> };
  return (await handler.configProvider) ?? {};
}

const credentials = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 't', expiration: new Date(Date.now() + 900_000) });

describe('the responder\'s AWS clients', () => {
  let server: SilentServer;
  beforeAll(async () => {
    server = await startSilentServer();
  });
  afterAll(() => server.close());

  it('every client (STS, SNS, evidence S3, and S3, IAM, EC2 in the source account) has timeouts that throw', async () => {
    const own = responderClients(testConfig('enforce'), 'us-east-1');
    const source = sdkSourceClients('us-east-1', credentials);
    for (const client of [own.sts, own.sns, own.evidenceS3, source.s3, source.iam, source.ec2]) {
      expect(await handlerOptions(client)).toMatchObject({ connectionTimeout: expect.any(Number), requestTimeout: expect.any(Number), throwOnRequestTimeout: true });
    }
  });

  it('a service that never answers fails the call in bounded time with a retryable error, well inside the function timeout', async () => {
    // The responder's config, with a short request timeout for the test: its attempts and the SDK's backoff.
    const s3 = new S3Client({
      ...RESPONDER_CLIENT_CONFIG,
      requestHandler: { ...(RESPONDER_CLIENT_CONFIG.requestHandler as object), requestTimeout: 200 },
      endpoint: server.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const started = Date.now();
    const settled = await Promise.race([
      s3.send(new GetBucketPolicyCommand({ Bucket: 'b' })).then(() => 'answered', (err: unknown) => err),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 8_000).unref()),
    ]);
    s3.destroy();
    expect(settled).toBeInstanceOf(Error);
    expect(['TimeoutError', 'ETIMEDOUT']).toContain(errorCode(settled));
    expect(isRetryable(settled)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 15_000);
});
