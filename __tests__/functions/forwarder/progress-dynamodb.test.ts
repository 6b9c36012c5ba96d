import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoProgressStore, PROGRESS_CLIENT_CONFIG, PROGRESS_TTL_SECONDS } from '../../../functions/forwarder/progress-dynamodb';
import { MotoServer, startMoto } from '../../../tools/lib/moto';
import { describeWithTool } from '../../support/required-tools';
import { SilentServer, startSilentServer } from './support/silent-server';

describeWithTool('moto_server', 'DynamoProgressStore on moto', () => {
  let moto: MotoServer;
  let client: DynamoDBClient;
  const table = 'progress-test';
  const now = 1_800_000_000_000;

  beforeAll(async () => {
    moto = await startMoto();
    client = new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await client.send(new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'object', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'object', KeyType: 'HASH' }] }));
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('loads 0 for an unknown object, keeps only rising watermarks, and sets the TTL', async () => {
    const store = new DynamoProgressStore(client, table, () => now);
    expect(await store.load('b/k')).toBe(0);
    await store.save('b/k', 500);
    await store.save('b/k', 300);
    expect(await store.load('b/k')).toBe(500);
    await store.save('b/k', 1500);
    expect(await store.load('b/k')).toBe(1500);
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { object: { S: 'b/k' } } }));
    expect(Number(Item?.expiresAt?.N)).toBe(now / 1000 + PROGRESS_TTL_SECONDS);
  });

  it('throws what is not a lost race (a missing table), for the caller to count', async () => {
    const store = new DynamoProgressStore(client, 'no-such-table', () => now);
    await expect(store.save('b/k', 1)).rejects.toThrow();
  });
});

describe('the progress client of the forwarder', () => {
  let server: SilentServer;
  beforeAll(async () => {
    server = await startSilentServer();
  });
  afterAll(() => server.close());

  it('gives up on a DynamoDB that never answers, within its attempts of requestTimeout', async () => {
    const client = new DynamoDBClient({ ...PROGRESS_CLIENT_CONFIG, endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const store = new DynamoProgressStore(client, 'progress');
    const started = Date.now();
    const settled = await Promise.race([
      store.load('b/k').then(
        () => 'loaded',
        (err: Error) => err.name,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000).unref()),
    ]);
    client.destroy();
    expect(settled).toBe('TimeoutError');
    // 2 attempts of 2 s, and the SDK's backoff between them.
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 20_000);
});
