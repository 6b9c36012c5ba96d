import { defaultRules } from '../../../functions/forwarder/rules';
import { IngestClient } from '../../../functions/forwarder/ingest-client';
import { forwardObjects } from '../../../functions/forwarder/pipeline';
import { StaticTokenProvider } from '../../../functions/forwarder/token';
import { DEFAULT_RETRY_POLICY } from '../../../functions/forwarder/retry-policy';
import { FakeIngestServer } from '../../../tools/lib/fake-ingest-server';
import { cloudTrailKey, freshen, logFile, MemorySource, stratusRecords } from './support/cloudtrail';

const BUCKET = 'trail-archive-test';

describe('forwardObjects', () => {
  let server: FakeIngestServer;
  beforeEach(async () => {
    server = await FakeIngestServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('delivers every record of a real CloudTrail file exactly once', async () => {
    const now = Date.now();
    const records = freshen(stratusRecords(), now);
    const key = cloudTrailKey();
    const source = new MemorySource().put(BUCKET, key, logFile(records));
    const sender = new IngestClient({ environmentUrl: server.url, tokens: new StaticTokenProvider(server.token), policy: DEFAULT_RETRY_POLICY });
    const result = await forwardObjects([{ bucket: BUCKET, key }], { source, sender, rules: defaultRules(), forwarder: 'test' });
    await sender.close();
    expect(result.stats).toMatchObject({ files: 1, records: records.length, sent: records.length, failed: 0 });
    expect(server.idCounts.size).toBe(records.length);
    expect(server.duplicates()).toEqual([]);
    expect(result.tickets).toEqual([]);
  });
});
