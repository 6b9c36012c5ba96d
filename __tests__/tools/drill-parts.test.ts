import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AttachUserPolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetObjectCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { restTicketedFrom, secretsAbsent } from '../../tools/drill/checks';
import { Drill, DrillRow, rowOf } from '../../tools/drill/drill';
import { tally, takenBetween, ticketedIds } from '../../tools/drill/ledger';
import { selectDrills } from '../../tools/drill/registry';
import { markdownTable, README_BEGIN, README_END, replaceReadmeSection, DrillRun } from '../../tools/drill/report';
import { seededRandom, seededUuid, TrailFile } from '../../tools/drill/trail-files';
import { S3StandIn } from '../../tools/lib/s3-stand-in';
import { SsmStandIn } from '../../tools/lib/ssm-stand-in';
import { awsCallOf, ThrottlingProxy } from '../../tools/lib/throttling-proxy';
import { actionId, writeCounts } from '../../tools/drill/drills/responder-throttled';
import { createTicket, ReplayTicket } from '../../functions/forwarder/tickets';

const file = (key: string, n: number): TrailFile => ({ bucket: 'b', key, body: Buffer.alloc(0), ids: Array.from({ length: n }, (_, i) => `${key}-${i}`), uncompressedBytes: 0 });
const ticket = (key: string, ranges: { from: number; to: number | null }[], reason = 'r'): ReplayTicket => createTicket({ bucket: 'b', key, ranges, reason, attempt: 1, now: 0 })[0];

describe('ledger', () => {
  const f = file('k', 6);

  test('counts once, twice, lost; a record named by a standing ticket is not lost', () => {
    const deliveries = new Map([['k-0', 1], ['k-1', 2], ['k-2', 1], ['other', 1]]);
    const ledger = tally({ expected: f.ids, deliveries, ticketed: new Set(['k-2', 'k-3', 'k-4']), replayed: new Set(['k-2']), standing: new Set(['k-4', 'k-5']) });
    expect(ledger).toMatchObject({ records: 6, deliveredOnce: 2, duplicated: 1, lost: 1, ticketed: 3, replayed: 1, unexpected: 1, maxDeliveries: 2 });
    expect(ledger.lostIds).toEqual(['k-3']);
  });

  test('ticket ranges resolve to ids, open-ended ones to the end of the file', () => {
    const ids = ticketedIds([ticket('k', [{ from: 0, to: 2 }, { from: 4, to: null }])], new Map([['k', f]]));
    expect([...ids]).toEqual(['k-0', 'k-1', 'k-4', 'k-5']);
    expect(() => ticketedIds([ticket('nope', [{ from: 0, to: 1 }])], new Map([['k', f]]))).toThrow(/names b\/nope, which no drill file holds/);
  });

  test('takenBetween lists the ids whose count grew', () => {
    expect([...takenBetween(new Map([['a', 1], ['b', 1]]), new Map([['a', 1], ['b', 2], ['c', 1]]))]).toEqual(['b', 'c']);
  });
});

describe('checks', () => {
  const f = file('k', 10);
  const taken = (n: number) => new Map(f.ids.slice(0, n).map((id) => [id, 1] as const));

  test('the rest ticketed from the first record not taken passes; a gap or an overlap fails', () => {
    expect(restTicketedFrom('x', f, [ticket('k', [{ from: 4, to: null }])], taken(4), true).ok).toBe(true);
    expect(restTicketedFrom('x', f, [ticket('k', [{ from: 5, to: null }])], taken(4), true)).toMatchObject({ ok: false, detail: expect.stringMatching(/before it 4 of 5/) });
    expect(restTicketedFrom('x', f, [ticket('k', [{ from: 3, to: null }])], taken(4), true)).toMatchObject({ ok: false, detail: expect.stringMatching(/from it 1 taken/) });
    expect(restTicketedFrom('x', f, [], taken(4), true)).toMatchObject({ ok: false, detail: expect.stringMatching(/0 open-ended/) });
  });

  test('records of a failed batch before the rest count as accounted for', () => {
    const tickets = [ticket('k', [{ from: 2, to: 4 }]), ticket('k', [{ from: 6, to: null }])];
    const deliveries = new Map([...taken(2), ['k-4', 1], ['k-5', 1]]);
    expect(restTicketedFrom('x', f, tickets, deliveries, true).ok).toBe(true);
  });

  test('a secret anywhere in the texts fails the scan; an empty scan fails too', () => {
    expect(secretsAbsent('x', ['dt0c01.SECRET'], ['{"a":"ok"}']).ok).toBe(true);
    expect(secretsAbsent('x', ['dt0c01.SECRET'], ['{"a":"ok"}', 'Api-Token dt0c01.SECRET']).ok).toBe(false);
    expect(secretsAbsent('x', ['dt0c01.SECRET'], ['']).ok).toBe(false);
  });
});

describe('seeded generator', () => {
  test('the same seed gives the same ids; another seed others', () => {
    const ids = (seed: number) => {
      const random = seededRandom(seed);
      return [seededUuid(random), seededUuid(random)];
    };
    expect(ids(7)).toEqual(ids(7));
    expect(ids(7)).not.toEqual(ids(8));
    expect(ids(7)[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('registry and report', () => {
  const drill: Drill = { name: 'd', title: 't', run: async () => { throw new Error('unused'); } };

  test('--only names drills; an unknown name lists the known ones', () => {
    expect(selectDrills('killed-mid-file').map((d) => d.name)).toEqual(['killed-mid-file']);
    expect(() => selectDrills('nope')).toThrow(/--only nope: no such drill; the drills are killed-mid-file, dynatrace-down/);
  });

  test('a row fails on a loss, on duplicates beyond the bound, on any failed check', () => {
    const ledger = tally({ expected: ['a', 'b'], deliveries: new Map([['a', 1], ['b', 2]]), ticketed: new Set(), replayed: new Set() });
    expect(rowOf(1, drill, { ledger, checks: [], duplicateBound: { records: 1, why: 'w' } }, 1).result).toBe('pass');
    expect(rowOf(1, drill, { ledger, checks: [] }, 1).result).toBe('FAIL');
    expect(rowOf(1, drill, { ledger, checks: [{ name: 'c', ok: false }], duplicateBound: { records: 1, why: 'w' } }, 1).result).toBe('FAIL');
    const lost = tally({ expected: ['a', 'b'], deliveries: new Map([['a', 1]]), ticketed: new Set(), replayed: new Set() });
    expect(rowOf(1, drill, { ledger: lost, checks: [] }, 1).result).toBe('FAIL');
  });

  test('the README section is replaced between its markers, and only there', () => {
    const ledger = tally({ expected: ['a'], deliveries: new Map([['a', 1]]), ticketed: new Set(), replayed: new Set() });
    const row: DrillRow = rowOf(3, drill, { ledger, checks: [] }, 1);
    const run: DrillRun = { startedAt: '2026-12-01T00:00:00Z', quick: false, seed: 1, complete: true, seconds: 12, machine: 'm', rows: [row] };
    const readme = `# x\n\n## Reliability\n\n${README_BEGIN}\nold\n${README_END}\n\n## Next\n`;
    const out = replaceReadmeSection(readme, run);
    expect(out).toContain('| 3. d | 1 | 1 | 0 | 0 | 0 | 0 | pass |');
    expect(out).not.toContain('old');
    expect(out.endsWith(`${README_END}\n\n## Next\n`)).toBe(true);
    expect(markdownTable([row]).split('\n')[0]).toBe('| drill | records | delivered once | duplicated | lost | ticketed | replayed | result |');
    expect(() => replaceReadmeSection('# no markers', run)).toThrow(/README.md has no drill section/);
  });
});

describe('stand-ins', () => {
  const config = (endpoint: string) => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

  test('S3: a reset after N bytes breaks the body stream; SlowDown outlasts the SDK retries; a truncated object is short', async () => {
    const s3Stand = await S3StandIn.start();
    const s3 = new S3Client({ ...config(s3Stand.endpoint), forcePathStyle: true });
    try {
      const body = Buffer.alloc(200_000, 7);
      s3Stand.put('b', 'AWSLogs/k.json.gz', body, [{ resetAfterBytes: 1000 }, { truncateAtBytes: 500 }]);
      const broken = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'AWSLogs/k.json.gz' }));
      await expect((async () => {
        let bytes = 0;
        for await (const chunk of broken.Body as AsyncIterable<Uint8Array>) bytes += chunk.length;
        return bytes;
      })()).rejects.toThrow();
      const short = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'AWSLogs/k.json.gz' }));
      expect((await short.Body!.transformToByteArray()).length).toBe(500);
      const whole = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'AWSLogs/k.json.gz' }));
      expect((await whole.Body!.transformToByteArray()).length).toBe(200_000);

      s3Stand.put('b', 'slow', body, Array.from({ length: 4 }, () => ({ slowDown: true as const })));
      await expect(s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'slow' }))).rejects.toMatchObject({ name: 'SlowDown' });
      expect(s3Stand.getsOf('b', 'slow')).toBe(3);
    } finally {
      s3.destroy();
      await s3Stand.close();
    }
  });

  test('SSM: throttling is retried by the SDK; missing and KMS-denied are errors by name', async () => {
    const ssmStand = await SsmStandIn.start();
    const ssm = new SSMClient(config(ssmStand.endpoint));
    const get = () => ssm.send(new GetParameterCommand({ Name: '/p', WithDecryption: true }));
    try {
      ssmStand.set('/p', 'value-1');
      ssmStand.script({ throttle: true });
      expect((await get()).Parameter?.Value).toBe('value-1');
      expect(ssmStand.calls).toBe(2);
      ssmStand.failing = { kmsDenied: true };
      await expect(get()).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringMatching(/kms:Decrypt/) });
      ssmStand.failing = undefined;
      ssmStand.set('/p', undefined);
      await expect(get()).rejects.toMatchObject({ name: 'ParameterNotFound' });
    } finally {
      ssm.destroy();
      await ssmStand.close();
    }
  });
});

describe('throttling proxy (drill 8)', () => {
  const auth = (service: string) => `AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`;

  test('names a call by service, operation and resources: S3 subresources, query Actions, EC2 resource ids', () => {
    expect(awsCallOf('PUT', '/my-bucket?policy', auth('s3'), '')).toEqual({ service: 's3', operation: 'PutBucketPolicy', resources: ['my-bucket'] });
    expect(awsCallOf('GET', '/my-bucket?publicAccessBlock=', auth('s3'), '')).toEqual({ service: 's3', operation: 'GetPublicAccessBlock', resources: ['my-bucket'] });
    expect(awsCallOf('POST', '/', auth('iam'), 'Action=AttachUserPolicy&Version=2010-05-08&UserName=alice&PolicyArn=arn%3Aaws%3Aiam%3A%3A1%3Apolicy%2Fp')).toEqual({ service: 'iam', operation: 'AttachUserPolicy', resources: ['alice'] });
    expect(awsCallOf('POST', '/', auth('ec2'), 'Action=CreateTags&ResourceId.1=i-1&Tag.1.Key=Owner&Tag.1.Value=x')).toEqual({ service: 'ec2', operation: 'CreateTags', resources: ['i-1'] });
    expect(awsCallOf('POST', '/', auth('ec2'), 'Action=DescribeInstances&Filter.1.Name=tag-key&Filter.1.Value.1=Owner&Filter.2.Name=instance-id&Filter.2.Value.1=i-1&Filter.2.Value.2=i-2')).toEqual({ service: 'ec2', operation: 'DescribeInstances', resources: ['i-1', 'i-2'] });
  });

  test('counts only the writes, by action', () => {
    const put = { service: 's3', operation: 'PutBucketPolicy', resources: ['b'] };
    const read = { service: 's3', operation: 'GetBucketPolicy', resources: ['b'] };
    expect(actionId(put)).toBe('s3:PutBucketPolicy b');
    expect([...writeCounts([put, read, put])]).toEqual([['s3:PutBucketPolicy b', 2]]);
  });

  test('throttles as S3, IAM and EC2 do (the SDK names the code); a throttled call never reaches the emulator', async () => {
    const reached: string[] = [];
    const upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        reached.push(`${req.method} ${req.url} ${body}`);
        const action = new URLSearchParams(body).get('Action');
        if (!action) return void res.writeHead(204).end();
        res.writeHead(200, { 'content-type': 'text/xml' }).end(`<${action}Response><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata><return>true</return></${action}Response>`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const proxy = await ThrottlingProxy.start(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    const config = { endpoint: proxy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const iam = new IAMClient(config);
    const ec2 = new EC2Client(config);
    try {
      proxy.throttle({ service: 'iam', operation: 'AttachUserPolicy', resource: 'alice', times: 1 });
      await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: 'arn:aws:iam::111111111111:policy/p' }));
      expect(proxy.throttled.map((c) => c.operation)).toEqual(['AttachUserPolicy']);
      expect(proxy.done.map(actionId)).toEqual(['iam:AttachUserPolicy alice']);

      proxy.throttle({ service: 's3', operation: 'PutBucketPolicy' });
      await expect(s3.send(new PutBucketPolicyCommand({ Bucket: 'b', Policy: '{}' }))).rejects.toMatchObject({ name: 'SlowDown' });
      proxy.throttle({ service: 'ec2', operation: 'CreateTags', resource: 'i-2', after: 1 });
      await ec2.send(new CreateTagsCommand({ Resources: ['i-2'], Tags: [{ Key: 'Owner', Value: 'x' }] }));
      await expect(ec2.send(new CreateTagsCommand({ Resources: ['i-2'], Tags: [{ Key: 'Owner', Value: 'x' }] }))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
      expect(proxy.throttled.filter((c) => c.service === 's3')).toHaveLength(3);
      expect(reached.filter((r) => r.startsWith('PUT'))).toEqual([]);
      expect(proxy.done.map(actionId)).toEqual(['iam:AttachUserPolicy alice', 'ec2:CreateTags i-2']);

      proxy.clearThrottles();
      await s3.send(new PutBucketPolicyCommand({ Bucket: 'b', Policy: '{}' }));
      expect(proxy.done.map(actionId).at(-1)).toBe('s3:PutBucketPolicy b');
    } finally {
      [s3, iam, ec2].forEach((c) => c.destroy());
      await proxy.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  }, 30_000);
});
