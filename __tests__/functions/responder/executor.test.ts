import { ALL_USERS_URI } from '../../../functions/responder/public-access';
import { respond, RetryableResponderError } from '../../../functions/responder/executor';
import { assumingRoleClients, RESPONDER_SESSION_NAME } from '../../../functions/responder/clients';
import { INSTANCE_VISIBILITY_WINDOW_MS } from '../../../functions/responder/responses/tag-instance-owner';
import { awsError, FakeClient, fakeDeps } from './support/fakes';
import { delivered, pantherRecord, stratusRecord, testConfig } from './support/records';

const publicPolicy = { Version: '2012-10-17', Statement: [{ Sid: 'Logs', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::example-bucket/*' }, { Sid: 'Anyone', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-bucket/*' }] };
const publicBucket = {
  GetBucketPolicy: () => ({ Policy: JSON.stringify(publicPolicy) }),
  GetBucketAcl: () => ({ Owner: { ID: 'o' }, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: 'o' }, Permission: 'FULL_CONTROL' }, { Grantee: { Type: 'Group', URI: ALL_USERS_URI }, Permission: 'READ' }] }),
  GetPublicAccessBlock: () => {
    throw awsError('NoSuchPublicAccessBlockConfiguration', 404);
  },
  GetBucketTagging: () => ({ TagSet: [] }),
};
const SENSITIVE = 'trailbridge-s3-bucket-policy-changed';
const RESPONSE_RULE = 'trailbridge-respond-block-public-bucket';

describe('the executor', () => {
  it('in enforce mode: reads, performs the actions in order, writes evidence, publishes "did"', async () => {
    const run = fakeDeps(testConfig('enforce'), { s3: publicBucket }, { evidence: { HeadObject: () => { throw awsError('NotFound', 404); } } });
    const result = await respond(delivered(pantherRecord(309), RESPONSE_RULE), run.deps);
    const evidence = await respond(delivered(pantherRecord(309), SENSITIVE), run.deps);
    expect(run.s3.names()).toEqual(['GetBucketPolicy', 'GetBucketAcl', 'GetPublicAccessBlock', 'GetBucketTagging', 'PutPublicAccessBlock', 'PutBucketPolicy', 'PutBucketAcl']);
    expect(JSON.parse(run.s3.calls[5]!.input.Policy as string).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['Logs']);
    expect(run.evidenceS3.names()).toEqual(['HeadObject', 'HeadObject', 'PutObject', 'PutObject']);
    expect(run.sns.calls).toHaveLength(1);
    expect(run.sns.calls[0]!.input.Message).toMatch(/\nDid:\n- s3:PutPublicAccessBlock/);
    expect([...result.responses, ...evidence.responses].map((r) => [r.response, r.done.length])).toEqual([['block-public-bucket', 3], ['audit-evidence', 2]]);
    const decision = run.lines.find((l) => l.message === 'decision' && l.response === 'block-public-bucket');
    expect(decision).toMatchObject({ mode: 'enforce', eventId: 'eb-1111', done: ['s3:PutPublicAccessBlock', 's3:PutBucketPolicy', 's3:PutBucketAcl'] });
  });

  it('in report mode: never calls a write API on the account, still writes evidence, publishes "would have done"', async () => {
    const run = fakeDeps(testConfig('report'), { s3: publicBucket, iam: { GetUser: () => ({ User: { Path: '/' } }), ListAttachedUserPolicies: () => ({ AttachedPolicies: [] }) } }, { evidence: { HeadObject: () => { throw awsError('NotFound', 404); } } });
    await respond(delivered(pantherRecord(309), RESPONSE_RULE), run.deps);
    await respond(delivered(pantherRecord(309), SENSITIVE), run.deps);
    await respond(delivered(stratusRecord('aws.persistence.iam-create-admin-user.json', 'CreateUser')), run.deps);
    expect(run.sourceWrites()).toEqual([]);
    expect(run.evidenceS3.names()).toContain('PutObject');
    expect(run.sns.calls.map((c) => c.input.Message as string).every((m) => /Would have done \(report mode: nothing was changed\)/.test(m))).toBe(true);
    expect(run.sns.calls).toHaveLength(2);
  });

  it('the decision line names every action not done and why: report mode, or a failure and what it stopped', async () => {
    const report = fakeDeps(testConfig('report'), { s3: publicBucket });
    await respond(delivered(pantherRecord(309)), report.deps);
    const reported = report.lines.find((l) => l.message === 'decision');
    expect(reported).toMatchObject({ mode: 'report', done: [] });
    expect(reported!.notDone).toEqual(['s3:PutPublicAccessBlock', 's3:PutBucketPolicy', 's3:PutBucketAcl'].map((call) => ({ call, reason: expect.stringMatching(/^report mode: /) })));

    const failing = fakeDeps(testConfig('enforce'), { s3: { ...publicBucket, PutBucketPolicy: () => { throw awsError('MalformedPolicy', 400); } } });
    await respond(delivered(pantherRecord(309)), failing.deps);
    expect(failing.lines.find((l) => l.message === 'decision')).toMatchObject({
      done: ['s3:PutPublicAccessBlock'],
      notDone: [
        { call: 's3:PutBucketPolicy', reason: 'failed (MalformedPolicy), not retried', code: 'MalformedPolicy' },
        { call: 's3:PutBucketAcl', reason: 'not attempted: s3:PutBucketPolicy failed before it' },
      ],
    });

    const enforced = fakeDeps(testConfig('enforce'), { s3: publicBucket });
    await respond(delivered(pantherRecord(309)), enforced.deps);
    expect(enforced.lines.find((l) => l.message === 'decision')).toMatchObject({ done: ['s3:PutPublicAccessBlock', 's3:PutBucketPolicy', 's3:PutBucketAcl'], notDone: [] });
  });

  it('a throttled write mid-action logs what was and was not done, and throws for the retry policy', async () => {
    const run = fakeDeps(testConfig('enforce'), { s3: { ...publicBucket, PutBucketPolicy: () => { throw awsError('SlowDown', 503, true); } } });
    await expect(respond(delivered(pantherRecord(309)), run.deps)).rejects.toBeInstanceOf(RetryableResponderError);
    const line = run.lines.find((l) => l.message === 'action failed part way, will be retried');
    expect(line).toMatchObject({ eventId: 'eb-1111', failed: 's3:PutBucketPolicy', code: 'SlowDown', done: ['s3:PutPublicAccessBlock'], notDone: ['s3:PutBucketPolicy', 's3:PutBucketAcl'] });
    // What this delivery did in the account is told now: the retry re-reads and names only what is left.
    expect(run.sns.calls).toHaveLength(1);
    const { Subject, Message } = run.sns.calls[0]!.input as { Subject: string; Message: string };
    expect(Subject).toMatch(/^trailbridge block-public-bucket did part: PutBucketPolicy in \d{12}$/);
    expect(Message).toMatch(/\nDid:\n- s3:PutPublicAccessBlock [^\n]*\n\nNot done yet:\n- s3:PutBucketPolicy [^\n]*\n- s3:PutBucketAcl [^\n]*\nRetrying: SlowDown: the event will be delivered again/);
  });

  it('after a partly throttled delivery, the retry does and tells the rest: the two alerts together name every action once', async () => {
    let policyCalls = 0;
    const s3: Record<string, (input: Record<string, unknown>) => unknown> = { ...publicBucket, PutBucketPolicy: () => { if (policyCalls++ === 0) throw awsError('SlowDown', 503, true); return {}; } };
    const run = fakeDeps(testConfig('enforce'), { s3 });
    await expect(respond(delivered(pantherRecord(309)), run.deps)).rejects.toBeInstanceOf(RetryableResponderError);
    // The account now has its public access block on; the retry reads that and leaves it.
    s3.GetPublicAccessBlock = () => ({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
    await respond(delivered(pantherRecord(309)), run.deps);
    const messages = run.sns.calls.map((c) => c.input.Message as string);
    expect(messages).toHaveLength(2);
    const section = (message: string, title: string) => [...(message.split('\n\n').find((part) => part.startsWith(title)) ?? '').matchAll(/^- (s3:\w+) /gm)].map((x) => x[1]);
    expect(messages.map((m) => section(m, 'Did:'))).toEqual([['s3:PutPublicAccessBlock'], ['s3:PutBucketPolicy', 's3:PutBucketAcl']]);
    expect(section(messages[0]!, 'Not done yet:')).toEqual(['s3:PutBucketPolicy', 's3:PutBucketAcl']);
    expect(messages[1]).not.toMatch(/Not done/);
    expect(run.sourceWrites()).toEqual(['PutPublicAccessBlock', 'PutBucketPolicy', 'PutBucketPolicy', 'PutBucketAcl']);
  });

  it('a throttled first action does nothing in the account and alerts nothing before the retry', async () => {
    const run = fakeDeps(testConfig('enforce'), { s3: { ...publicBucket, PutPublicAccessBlock: () => { throw awsError('SlowDown', 503, true); } } });
    await expect(respond(delivered(pantherRecord(309)), run.deps)).rejects.toBeInstanceOf(RetryableResponderError);
    expect(run.sns.calls).toEqual([]);
  });

  it('a second delivery re-reads, decides nothing to change, and says so without alerting', async () => {
    const fixed = { ...publicBucket, GetBucketPolicy: () => ({ Policy: JSON.stringify({ Statement: [publicPolicy.Statement[0]] }) }), GetBucketAcl: () => ({ Grants: [] }) };
    const run = fakeDeps(testConfig('enforce'), { s3: fixed });
    await respond(delivered(pantherRecord(309)), run.deps);
    expect(run.sourceWrites()).toEqual([]);
    expect(run.sns.calls).toEqual([]);
    expect(run.lines.find((l) => l.message === 'decision')).toMatchObject({ summary: 'nothing to change', nothingToDo: [expect.stringMatching(/is not public/)] });
  });

  it("ignores the responder's own calls, with the reason, touching nothing", async () => {
    const record = pantherRecord(309);
    record.userIdentity = { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/trailbridge-source-responder/trailbridge-responder' };
    const run = fakeDeps(testConfig('enforce'), { s3: publicBucket });
    const result = await respond(delivered(record), run.deps);
    expect(result.status).toBe('own-event');
    expect(run.assumed).toEqual([]);
    expect(run.lines.find((l) => l.message === 'nothing done')?.reason).toMatch(/responder itself/);
  });

  it('settles a gone user, an access denied and an unusable event with a log line and a metric, without throwing', async () => {
    const run = fakeDeps(testConfig('enforce'), { iam: { GetUser: () => { throw awsError('NoSuchEntity', 404); } }, s3: { GetBucketPolicy: () => { throw awsError('AccessDenied', 403); } } });
    await respond(delivered(stratusRecord('aws.persistence.iam-create-admin-user.json', 'CreateUser')), run.deps);
    await respond(delivered(pantherRecord(309)), run.deps);
    const refused = await respond({ rule: 'r', event: { id: 'bad-1', detail: 'nope' } }, run.deps);
    run.deps.metrics.flush();
    expect(refused).toMatchObject({ status: 'refused', eventId: 'bad-1' });
    expect(run.lines.filter((l) => l.message === 'decision').map((l) => l.problem?.kind)).toEqual(['gone', 'access-denied']);
    expect(run.lines.find((l) => l._aws)).toMatchObject({ ResourcesGone: 1, AccessDenied: 1, EventsRefused: 1 });
    expect(run.sourceWrites()).toEqual([]);
  });

  it('a source role it cannot assume is told as such, not as a read the role may not make', async () => {
    const run = fakeDeps(testConfig('enforce'), { s3: publicBucket });
    const deps = { ...run.deps, sourceClients: async () => { throw awsError('AccessDenied', 403); } };
    const result = await respond(delivered(pantherRecord(309)), deps);
    expect(result.responses[0]!.problem).toMatch(/^could not assume arn:aws:iam::\d{12}:role\/trailbridge-source-responder \(sts:AssumeRole answered AccessDenied\)/);
    expect(result.responses[0]!.problem).not.toMatch(/read permissions/);
    run.deps.metrics.flush();
    expect(run.lines.find((l) => l._aws)).toMatchObject({ AccessDenied: 1 });

    const throttled = fakeDeps(testConfig('enforce'), { s3: publicBucket });
    await expect(respond(delivered(pantherRecord(309)), { ...throttled.deps, sourceClients: async () => { throw awsError('Throttling', 400); } })).rejects.toThrow(/block-public-bucket: sts:AssumeRole failed \(Throttling\)/);
  });

  it('throws on a throttled read, after logging it', async () => {
    const run = fakeDeps(testConfig('enforce'), { ec2: { DescribeInstances: () => { throw awsError('RequestLimitExceeded', 400); } } });
    await expect(respond(delivered(pantherRecord(131)), run.deps)).rejects.toThrow(/tag-instance-owner: ec2:DescribeInstances failed \(RequestLimitExceeded\)/);
    expect(run.lines.some((l) => l.message === 'read failed, will be retried')).toBe(true);
  });

  it('retries a new instance EC2 does not show yet, within the visibility window only; then it is gone', async () => {
    const notFound = { DescribeInstances: () => ({ Reservations: [] }) };
    const launched = Date.parse('2024-12-16T18:41:07Z'); // panther 99, RunInstances
    const soon = fakeDeps(testConfig('enforce'), { ec2: notFound });
    await expect(respond(delivered(pantherRecord(99)), { ...soon.deps, clock: () => launched + 60_000 })).rejects.toThrow(RetryableResponderError);
    expect(soon.lines.find((l) => l.message === 'not visible yet, will be retried')).toMatchObject({ response: 'tag-instance-owner', problem: { kind: 'gone' } });
    soon.deps.metrics.flush();
    expect(soon.lines.find((l) => l._aws)).toMatchObject({ RetryableFailures: 1 });

    const late = fakeDeps(testConfig('enforce'), { ec2: notFound });
    const result = await respond(delivered(pantherRecord(99)), { ...late.deps, clock: () => launched + INSTANCE_VISIBILITY_WINDOW_MS });
    expect(result.responses[0]).toMatchObject({ response: 'tag-instance-owner', problem: expect.stringMatching(/not found/) });
    late.deps.metrics.flush();
    expect(late.lines.find((l) => l._aws)).toMatchObject({ ResourcesGone: 1 });
    expect([...soon.sourceWrites(), ...late.sourceWrites()]).toEqual([]);
  });

  it('one instance of an event not found: the other is tagged, the missing one is in notDone (the filter read does not fail)', async () => {
    const existing = new Set(['i-EXAMPLE56126103cb']);
    const ec2 = {
      DescribeInstances: (input: Record<string, unknown>) => {
        const [filter] = input.Filters as { Name: string; Values: string[] }[];
        if (input.InstanceIds || filter?.Name !== 'instance-id') throw new Error('expected a read by instance-id filter');
        return { Reservations: [{ Instances: filter.Values.filter((id) => existing.has(id)).map((InstanceId) => ({ InstanceId, Tags: [] })) }] };
      },
    };
    const run = fakeDeps(testConfig('enforce'), { ec2 });
    const result = await respond(delivered(pantherRecord(131)), run.deps); // StartInstances of two instances
    expect(run.ec2.calls.filter((c) => c.command === 'CreateTags').map((c) => c.input.Resources)).toEqual([['i-EXAMPLE56126103cb']]);
    expect(result.responses[0]).toMatchObject({ done: ['ec2:CreateTags'], problem: undefined });
    const line = run.lines.find((l) => l.message === 'decision');
    expect(line!.notDone).toEqual([{ call: 'ec2:CreateTags', reason: 'instance i-EXAMPLEaff4840c22 not found: terminated or never existed' }]);
    expect(run.sns.calls[0]!.input.Message).toMatch(/\nNot done:\n- ec2:CreateTags: instance i-EXAMPLEaff4840c22 not found: terminated or never existed/);

    const again = fakeDeps(testConfig('enforce'), { ec2: { DescribeInstances: () => ({ Reservations: [{ Instances: [{ InstanceId: 'i-EXAMPLE56126103cb', Tags: [{ Key: 'owner' }, { Key: 'owner-role' }, { Key: 'owner-session' }] }] }] }) } });
    await respond(delivered(pantherRecord(131)), again.deps);
    expect(again.sourceWrites()).toEqual([]);
    expect(again.sns.calls).toEqual([]);
  });

  it('an instance of a RunInstances not visible yet: the others are tagged at once, then the event is retried for it within the window', async () => {
    const record = pantherRecord(99);
    const items = (record.responseElements as { instancesSet: { items: object[] } }).instancesSet.items;
    items.push({ ...items[0], instanceId: 'i-0second0000000000' });
    const visible = { DescribeInstances: () => ({ Reservations: [{ Instances: [{ InstanceId: 'i-07d06021b0da55115', Tags: [] }] }] }) };
    const launched = Date.parse('2024-12-16T18:41:07Z');
    const soon = fakeDeps(testConfig('enforce'), { ec2: visible });
    await expect(respond(delivered(record), { ...soon.deps, clock: () => launched + 60_000 })).rejects.toThrow(/tag-instance-owner: instance i-0second0000000000 not found: EC2 may not show a new instance yet/);
    expect(soon.ec2.calls.filter((c) => c.command === 'CreateTags').map((c) => c.input.Resources)).toEqual([['i-07d06021b0da55115']]);
    expect(soon.sns.calls).toHaveLength(1);
    expect(soon.lines.find((l) => l.message === 'decision')!.notDone).toEqual([{ call: 'ec2:CreateTags', reason: expect.stringMatching(/^instance i-0second0000000000 not found: EC2 may not show a new instance yet/) }]);
    expect(soon.lines.find((l) => l.message === 'not visible yet, will be retried')).toMatchObject({ response: 'tag-instance-owner' });

    const reported = fakeDeps(testConfig('report'), { ec2: visible });
    await expect(respond(delivered(record), { ...reported.deps, clock: () => launched + 60_000 })).rejects.toThrow(RetryableResponderError);
    expect(reported.sns.calls).toEqual([]); // a retry would tell "would have done" again

    const late = fakeDeps(testConfig('enforce'), { ec2: visible });
    await respond(delivered(record), { ...late.deps, clock: () => launched + INSTANCE_VISIBILITY_WINDOW_MS });
    expect(late.lines.find((l) => l.message === 'decision')!.notDone).toEqual([{ call: 'ec2:CreateTags', reason: 'instance i-0second0000000000 not found: terminated or never existed' }]);
  });

  it('an event naming the same instance, bucket or user twice makes each call once', async () => {
    const twice = (record: Record<string, any>) => {
      record.resources = [...(record.resources ?? []), ...(record.resources ?? [])];
      const input = delivered(record) as Record<string, any>;
      input.event.resources = [...(record.resources as { ARN?: string }[]).map((r) => r.ARN), ...(record.resources as { ARN?: string }[]).map((r) => r.ARN)];
      return input;
    };
    const instance = pantherRecord(99);
    const items = (instance.responseElements as { instancesSet: { items: object[] } }).instancesSet.items;
    items.push({ ...items[0] });
    instance.resources = [{ ARN: 'arn:aws:ec2:us-west-2:123456789012:instance/i-07d06021b0da55115' }];
    const ec2 = { DescribeInstances: (input: Record<string, unknown>) => ({ Reservations: [{ Instances: (input.Filters as { Values: string[] }[])[0]!.Values.map((InstanceId) => ({ InstanceId, Tags: [] })) }] }) };
    const iam = { GetUser: () => ({ User: { Path: '/' } }), ListAttachedUserPolicies: () => ({ AttachedPolicies: [] }) };
    const run = fakeDeps(testConfig('enforce'), { s3: publicBucket, iam, ec2 });
    await respond(twice(instance), run.deps);
    await respond(twice(pantherRecord(309)), run.deps);
    await respond(twice(stratusRecord('aws.persistence.iam-create-user-login-profile.json', 'CreateLoginProfile')), run.deps);
    expect(run.ec2.calls.map((c) => [c.command, c.input.Filters ?? c.input.Resources])).toEqual([
      ['DescribeInstances', [{ Name: 'instance-id', Values: ['i-07d06021b0da55115'] }]],
      ['CreateTags', ['i-07d06021b0da55115']],
    ]);
    expect(run.sourceWrites()).toEqual(['PutPublicAccessBlock', 'PutBucketPolicy', 'PutBucketAcl', 'AttachUserPolicy', 'CreateTags']);
  });

  it('a non-retryable write failure (user deleted meanwhile) is logged, not thrown', async () => {
    const run = fakeDeps(testConfig('enforce'), { iam: { GetUser: () => ({ User: { Path: '/' } }), ListAttachedUserPolicies: () => ({ AttachedPolicies: [] }), AttachUserPolicy: () => { throw awsError('NoSuchEntity', 404); } } });
    const result = await respond(delivered(stratusRecord('aws.persistence.iam-create-user-login-profile.json', 'CreateLoginProfile')), run.deps);
    expect(result.responses[0]).toMatchObject({ planned: ['iam:AttachUserPolicy'], done: [] });
    expect(run.lines.find((l) => l.message === 'action failed part way, not retried')).toMatchObject({ code: 'NoSuchEntity', notDone: ['iam:AttachUserPolicy'] });
  });

  it('an alert after a non-retryable write failure does not say "did" for what was not done', async () => {
    const run = fakeDeps(testConfig('enforce'), { s3: { ...publicBucket, PutBucketPolicy: () => { throw awsError('MalformedPolicy', 400); } } });
    await respond(delivered(pantherRecord(309)), run.deps);
    expect(run.sourceWrites()).toEqual(['PutPublicAccessBlock', 'PutBucketPolicy']);
    const { Subject, Message } = run.sns.calls[0]!.input as { Subject: string; Message: string };
    expect(Subject).toMatch(/^trailbridge block-public-bucket did part: /);
    expect(Message).toMatch(/\nDid:\n- s3:PutPublicAccessBlock [^\n]*\n\nNot done:\n- s3:PutBucketPolicy [^\n]*\n- s3:PutBucketAcl [^\n]*\n/);
    // Why not: the reader of the alert learns which call failed and that nothing will retry it.
    expect(Message).toMatch(/\n- s3:PutBucketAcl [^\n]*\nStopped: s3:PutBucketPolicy failed \(MalformedPolicy\), not retried; the rest was not attempted\./);

    const none = fakeDeps(testConfig('enforce'), { iam: { GetUser: () => ({ User: { Path: '/' } }), ListAttachedUserPolicies: () => ({ AttachedPolicies: [] }), AttachUserPolicy: () => { throw awsError('NoSuchEntity', 404); } } });
    await respond(delivered(stratusRecord('aws.persistence.iam-create-user-login-profile.json', 'CreateLoginProfile')), none.deps);
    const failed = none.sns.calls[0]!.input as { Subject: string; Message: string };
    expect(failed.Subject).toMatch(/^trailbridge require-mfa-for-new-users failed: CreateLoginProfile in \d{12}$/);
    expect(failed.Message).not.toMatch(/Did:/);
    expect(failed.Message).toMatch(/\nNot done:\n- iam:AttachUserPolicy /);
  });

  it('two sensitive rules delivering one event at once write each evidence object once (Object Lock keeps every version)', async () => {
    const versions = new Map<string, number>();
    const evidence = {
      // Both deliveries read before either writes.
      HeadObject: () => { throw awsError('NotFound', 404); },
      PutObject: (input: Record<string, unknown>) => {
        const key = String(input.Key);
        if (input.IfNoneMatch === '*' && versions.has(key)) throw awsError('PreconditionFailed', 412);
        versions.set(key, (versions.get(key) ?? 0) + 1);
        return {};
      },
    };
    const notPublic = { GetBucketPolicy: () => { throw awsError('NoSuchBucketPolicy', 404); }, GetBucketAcl: () => ({ Grants: [] }), GetPublicAccessBlock: () => { throw awsError('NoSuchPublicAccessBlockConfiguration', 404); }, GetBucketTagging: () => ({ TagSet: [] }) };
    const config = testConfig('enforce', (raw) => { (raw.evidence as { rules: string[] }).rules.push('trailbridge-root-account-usage'); });
    const run = fakeDeps(config, { s3: notPublic }, { evidence });
    await Promise.all([respond(delivered(pantherRecord(309), SENSITIVE), run.deps), respond(delivered(pantherRecord(309), 'trailbridge-root-account-usage'), run.deps)]);
    expect([...versions.values()]).toEqual([1, 1]);
    expect(run.evidenceS3.names().filter((n) => n === 'PutObject')).toHaveLength(4);
    expect(run.lines.filter((l) => /action failed/.test(l.message))).toEqual([]);
    expect(run.lines.filter((l) => l.message === 'evidence exists already, not rewritten').map((l) => l.key)).toHaveLength(2);
  });

  it('a throttled evidence write retried by Lambda does not publish the database-deleted alert twice', async () => {
    let heads = 0;
    const evidence = { HeadObject: () => { if (heads++ === 0) throw awsError('SlowDown', 503, true); throw awsError('NotFound', 404); } };
    const config = testConfig('report', (raw) => { (raw.evidence as { rules: string[] }).rules.push('trailbridge-database-deleted'); });
    const run = fakeDeps(config, {}, { evidence });
    const input = delivered(pantherRecord(258), 'trailbridge-database-deleted');
    await expect(respond(input, run.deps)).rejects.toBeInstanceOf(RetryableResponderError);
    const retried = await respond(input, run.deps);
    expect(retried.responses.map((r) => r.response).sort()).toEqual(['audit-evidence', 'database-deleted']);
    expect(run.evidenceS3.names().filter((n) => n === 'PutObject')).toHaveLength(2);
    expect(run.sns.calls.map((c) => c.input.Subject)).toEqual([expect.stringMatching(/^trailbridge database-deleted alert/)]);
  });

  it('an event its response rule and a sensitive rule both deliver (at once) is acted on and alerted once: the sensitive delivery writes evidence only', async () => {
    const run = fakeDeps(testConfig('enforce'), { s3: publicBucket }, { evidence: { HeadObject: () => { throw awsError('NotFound', 404); } } });
    const [own, sensitive] = await Promise.all([respond(delivered(pantherRecord(309), RESPONSE_RULE), run.deps), respond(delivered(pantherRecord(309), SENSITIVE), run.deps)]);
    expect(own.responses.map((r) => r.response)).toEqual(['block-public-bucket']);
    expect(sensitive.responses.map((r) => r.response)).toEqual(['audit-evidence']);
    expect(run.sourceWrites()).toEqual(['PutPublicAccessBlock', 'PutBucketPolicy', 'PutBucketAcl']);
    expect(run.sns.calls.map((c) => c.input.Subject)).toEqual([expect.stringMatching(/^trailbridge block-public-bucket did: PutBucketPolicy/)]);
    // With audit-evidence off, no rule delivers for evidence: a rule of evidence.rules is like any other.
    const off = testConfig('report', (raw) => { delete (raw.responses as Record<string, unknown>)['audit-evidence']; });
    expect((await respond(delivered(pantherRecord(309), SENSITIVE), fakeDeps(off, { s3: publicBucket }).deps)).responses.map((r) => r.response)).toEqual(['block-public-bucket']);
    // A bare envelope names no rule: every response that applies runs.
    const bare = await respond((delivered(pantherRecord(309)) as { event: unknown }).event, fakeDeps(testConfig('report'), { s3: publicBucket }).deps);
    expect(bare.responses.map((r) => r.response)).toEqual(['block-public-bucket']);
  });

  it('publishes the database-deleted alert with no source account access', async () => {
    const run = fakeDeps(testConfig('report'));
    await respond(delivered(pantherRecord(258)), run.deps);
    expect(run.assumed).toEqual([]);
    expect(run.sns.calls[0]!.input).toMatchObject({ TopicArn: 'arn:aws:sns:us-east-1:333333333333:trailbridge-security-alerts', Subject: expect.stringMatching(/^trailbridge database-deleted alert/) });
    expect(run.sns.calls[0]!.input.Message).toMatch(/deleted RDS DB instance production-mysql-db/);
  });
});

describe('source account clients', () => {
  it('assume the account responder role once, with a session name that says responder', async () => {
    const sts = new FakeClient({ AssumeRole: () => ({ Credentials: { AccessKeyId: 'A', SecretAccessKey: 'S', SessionToken: 'T', Expiration: new Date(Date.now() + 900_000) } }) });
    const made: string[] = [];
    const clients = assumingRoleClients(sts, testConfig(), (region) => {
      made.push(region);
      return { s3: new FakeClient(), iam: new FakeClient(), ec2: new FakeClient() };
    });
    await clients('123456789012', 'us-east-1');
    await clients('123456789012', 'us-east-1');
    await clients('123456789012', 'eu-west-1');
    expect(sts.calls).toEqual([{ command: 'AssumeRole', input: { RoleArn: 'arn:aws:iam::123456789012:role/trailbridge-source-responder', RoleSessionName: RESPONDER_SESSION_NAME, DurationSeconds: 900 } }]);
    expect(made).toEqual(['us-east-1', 'eu-west-1']);
    await expect(clients('999999999999', 'us-east-1')).rejects.toThrow(/999999999999 is not in the responder's accounts/);
  });
});
