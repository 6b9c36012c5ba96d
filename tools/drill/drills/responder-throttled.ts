/**
 * Drill 8: the responder meets AWS throttling mid-action, then every event is delivered again, and
 * again. The deployed responder bundle runs in enforce mode against moto through a throttling
 * proxy (tools/lib/throttling-proxy.ts), on events built from real shared records for calls the
 * drill made in the source account: a half-public bucket, a new user, two new instances.
 *
 * First delivery: S3 answers SlowDown to the bucket's PutBucketPolicy after its public access block
 * is back on, and EC2 RequestLimitExceeded to the second instance's CreateTags, on every SDK attempt
 * (the invocation fails, so Lambda delivers it again); IAM throttles AttachUserPolicy once and EC2
 * DescribeInstances once (the SDK's own retry absorbs those). Second delivery (AWS recovered, a
 * fresh container): only what was not done is done. Third delivery (warm): nothing changes and
 * every decision says so. The count is of actions, not records: each must reach the emulator
 * exactly once.
 */
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreatePolicyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, PutBucketPolicyCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { envelopeOf, halfPublicPolicy, recordOfCall, sharedRecords, statementIds, templateRecord, type CloudTrailRecord } from '../../e2e/response-events';
import { motoClientEnv, type MotoServer } from '../../lib/moto';
import { ThrottlingProxy, type AwsCall } from '../../lib/throttling-proxy';
import { check } from '../checks';
import { Check, Drill, DrillOutcome } from '../drill';
import type { FunctionContainer, Invocation } from '../function-container';
import { addCounts, takenBetween, tally } from '../ledger';
import { seededRandom, seededUuid } from '../trail-files';
import { DEFAULT_TIMEOUT_MS, DrillWorld } from '../world';

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/trailbridge-responder`;
const FUNCTION_ROLE_ARN = 'arn:aws:iam::333333333333:role/trailbridge-responder-function';
const MFA_POLICY = 'trailbridge-require-mfa';
const OWNER_TAG = 'Owner';
/** The calls that change something in the account: what the count is of. */
const WRITES: ReadonlySet<string> = new Set(['PutPublicAccessBlock', 'PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl', 'AttachUserPolicy', 'CreateTags']);
const RETRIED = 'action failed part way, will be retried';

type Kind = 'bucket' | 'user' | 'instances';

/** What one set of the drill made in the account, and the inputs the rules deliver for it. */
interface Made {
  readonly bucket: string;
  readonly keptSid: string;
  readonly user: string;
  readonly instances: readonly string[];
  readonly inputs: readonly { readonly kind: Kind; readonly eventId: string; readonly input: unknown; readonly actions: readonly string[] }[];
}

/** `s3:PutBucketPolicy my-bucket`: an action by its call and the resources it names. */
export const actionId = (call: AwsCall): string => `${call.service}:${call.operation} ${call.resources.join(',')}`;

/** Writes the emulator carried out, counted by action id. */
export function writeCounts(done: readonly AwsCall[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of done) if (WRITES.has(call.operation)) counts.set(actionId(call), (counts.get(actionId(call)) ?? 0) + 1);
  return counts;
}

interface SourceAccess {
  readonly client: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } };
  readonly sessionArn: string;
}

/** Credentials in the source account, as an operator's session there (moto lets any role be assumed). */
async function sourceAccess(moto: MotoServer): Promise<SourceAccess> {
  const sts = new STSClient({ endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const { Credentials: c, AssumedRoleUser } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`, RoleSessionName: 'drill-operator' }));
  sts.destroy();
  return { client: { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } }, sessionArn: AssumedRoleUser!.Arn! };
}

/** The responder role and the MFA policy, as the source stack creates them; returns the policy ARN. */
async function sourceStackStandIn(access: SourceAccess): Promise<string> {
  const iam = new IAMClient(access.client);
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::333333333333:root' }, Action: 'sts:AssumeRole' }] };
  await iam.send(new CreateRoleCommand({ RoleName: 'trailbridge-responder', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const deny = { Version: '2012-10-17', Statement: [{ Sid: 'DenyWithoutMfa', Effect: 'Deny', NotAction: ['iam:ListMFADevices'], Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } }] };
  const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: MFA_POLICY, PolicyDocument: JSON.stringify(deny) }));
  iam.destroy();
  return Policy!.Arn!;
}

/** Makes a half-public bucket, a user and two instances as the operator, and the events CloudTrail would record. */
async function makeSet(access: SourceAccess, suffix: string, newId: () => string, records: readonly CloudTrailRecord[]): Promise<Made> {
  const bucket = `drill-public-${suffix}`;
  const user = `drill-new-user-${suffix}`;
  const { policy, keptSid } = halfPublicPolicy('aws', bucket, ACCOUNT);
  const s3 = new S3Client({ ...access.client, forcePathStyle: true });
  const iam = new IAMClient(access.client);
  const ec2 = new EC2Client(access.client);
  // Together: moto loads each service's backend on its first call, which takes seconds.
  const [, created, instances] = await Promise.all([
    (async () => {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false } }));
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    })(),
    iam.send(new CreateUserCommand({ UserName: user })).then((o) => o.User!),
    ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 't3.micro', MinCount: 2, MaxCount: 2 })).then((o) => (o.Instances ?? []).map((i) => i.InstanceId!)),
  ]);
  [s3, iam, ec2].forEach((client) => client.destroy());

  const event = (eventSource: string, eventName: string, requestParameters: CloudTrailRecord, responseElements: CloudTrailRecord | null) => {
    const record = recordOfCall(templateRecord(records, eventSource, eventName), { account: ACCOUNT, region: REGION, eventId: newId(), time: new Date(Date.UTC(2026, 11, 1, 12)), sessionArn: access.sessionArn, requestParameters, responseElements });
    return { eventId: `drill-${record.eventID}`, envelope: { ...envelopeOf(record), id: `drill-${record.eventID}` } };
  };
  const bucketEvent = event('s3.amazonaws.com', 'PutBucketPolicy', { bucketName: bucket, bucketPolicy: policy, host: [`s3.${REGION}.amazonaws.com`], policy: [''] }, null);
  const userEvent = event('iam.amazonaws.com', 'CreateUser', { userName: user }, { user: { arn: created.Arn, path: '/', userId: created.UserId, userName: user, createDate: '2026-12-01T12:00:00Z' } });
  const runEvent = event('ec2.amazonaws.com', 'RunInstances', { instanceType: 't3.micro', instancesSet: { items: [{ imageId: 'ami-12c6146b', minCount: 2, maxCount: 2 }] } }, { instancesSet: { items: instances.map((instanceId) => ({ instanceId, instanceType: 't3.micro' })) } });
  const input = (rule: string, e: ReturnType<typeof event>) => ({ rule: `trailbridge-respond-${rule}`, event: e.envelope });
  return {
    bucket,
    keptSid,
    user,
    instances,
    inputs: [
      { kind: 'bucket', eventId: bucketEvent.eventId, input: input('block-public-bucket', bucketEvent), actions: [`s3:PutPublicAccessBlock ${bucket}`, `s3:PutBucketPolicy ${bucket}`] },
      { kind: 'user', eventId: userEvent.eventId, input: input('require-mfa-for-new-users', userEvent), actions: [`iam:AttachUserPolicy ${user}`] },
      { kind: 'instances', eventId: runEvent.eventId, input: input('tag-instance-owner', runEvent), actions: instances.map((id) => `ec2:CreateTags ${id}`) },
    ],
  };
}

/** AWS throttling for the first delivery: beyond the SDK's retries mid-action for buckets and instances, once for users and a read. */
function throttleFirstDelivery(proxy: ThrottlingProxy, sets: readonly Made[]): void {
  for (const set of sets) {
    proxy.throttle({ service: 's3', operation: 'PutBucketPolicy', resource: set.bucket });
    proxy.throttle({ service: 'iam', operation: 'AttachUserPolicy', resource: set.user, times: 1 });
    proxy.throttle({ service: 'ec2', operation: 'DescribeInstances', resource: set.instances[0], times: 1 });
    proxy.throttle({ service: 'ec2', operation: 'CreateTags', resource: set.instances[1] });
  }
}

interface Phase {
  readonly answers: readonly Invocation[];
  /** The JSON log lines the container wrote during the phase. */
  readonly lines: readonly Record<string, any>[];
  /** Writes done during the phase, by action id. */
  readonly writes: Map<string, number>;
  readonly alerts: number;
  readonly seconds: number;
}

/** Delivers every input once, one after the other, as the rules' targets would. */
async function deliver(container: FunctionContainer, proxy: ThrottlingProxy, sets: readonly Made[]): Promise<Phase> {
  const started = Date.now();
  const logsFrom = container.logs.length;
  const doneFrom = proxy.done.length;
  const answers: Invocation[] = [];
  for (const { input } of sets.flatMap((s) => s.inputs)) answers.push(await container.invoke(input, DEFAULT_TIMEOUT_MS));
  await new Promise((resolve) => setTimeout(resolve, 50)); // the last log lines follow the answer on another pipe
  const lines = container.logLines(logsFrom);
  const done = proxy.done.slice(doneFrom);
  return { answers, lines, writes: writeCounts(done), alerts: done.filter((c) => c.service === 'sns' && c.operation === 'Publish').length, seconds: (Date.now() - started) / 1000 };
}

/** The account's state after the drill: what the actions were meant to leave. */
async function endState(access: SourceAccess, set: Made, mfaPolicyArn: string): Promise<{ ok: boolean; detail: string }> {
  const s3 = new S3Client({ ...access.client, forcePathStyle: true });
  const pab = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: set.bucket }))).PublicAccessBlockConfiguration ?? {};
  const sids = statementIds((await s3.send(new GetBucketPolicyCommand({ Bucket: set.bucket }))).Policy);
  s3.destroy();
  const iam = new IAMClient(access.client);
  const attached = ((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: set.user }))).AttachedPolicies ?? []).map((p) => p.PolicyArn);
  iam.destroy();
  const ec2 = new EC2Client(access.client);
  const described = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [...set.instances] }))).Reservations ?? [];
  ec2.destroy();
  const owners = described.flatMap((r) => r.Instances ?? []).map((i) => i.Tags?.find((t) => t.Key === OWNER_TAG)?.Value);
  const blocked = Object.values(pab).length === 4 && Object.values(pab).every((v) => v === true);
  const ok = blocked && JSON.stringify(sids) === JSON.stringify([set.keptSid]) && JSON.stringify(attached) === JSON.stringify([mfaPolicyArn]) && owners.length === 2 && owners.every((o) => o === access.sessionArn);
  return { ok, detail: `${set.bucket}: public access block ${blocked ? 'on' : 'off'}, statements ${sids.join(',')}; ${set.user}: ${attached.length} policies; owner tags ${owners.filter(Boolean).length} of ${set.instances.length}` };
}

const decisionsOf = (phase: Phase, eventIds: ReadonlySet<string>) => phase.lines.filter((l) => l.message === 'decision' && eventIds.has(l.eventId));

/** The checks of the three deliveries, as pure functions of what each observed. */
function deliveryChecks(sets: readonly Made[], first: Phase, second: Phase, third: Phase, ticketed: ReadonlySet<string>): Check[] {
  const inputs = sets.flatMap((s) => s.inputs);
  const failing = inputs.map((i, n) => ({ ...i, answer: first.answers[n]! })).filter((i) => i.kind !== 'user');
  const users = inputs.map((i, n) => ({ ...i, answer: first.answers[n]! })).filter((i) => i.kind === 'user');
  const retried = first.lines.filter((l) => l.message === RETRIED);
  const expectedLog = (kind: Kind) => (kind === 'bucket' ? { done: ['s3:PutPublicAccessBlock'], notDone: ['s3:PutBucketPolicy'] } : { done: ['ec2:CreateTags'], notDone: ['ec2:CreateTags'] });
  const secondWrites = [...second.writes.keys()].sort();
  const userIds = new Set(users.map((u) => u.eventId));
  const afterDone = [...decisionsOf(second, userIds), ...third.lines.filter((l) => l.message === 'decision')];
  const answered = (phase: Phase) => phase.answers.every((a) => !a.error && !a.timedOut && !a.died && a.result?.status === 'responded');
  return [
    check(
      'first delivery: throttled beyond the SDK retries mid-action, the invocation fails (Lambda delivers it again)',
      failing.length > 0 && failing.every((i) => /failed \((SlowDown|RequestLimitExceeded)\)/.test(i.answer.error ?? '')),
      failing.map((i) => i.answer.error ?? 'answered').join('; '),
    ),
    check(
      'first delivery: the log says what was and was not done',
      failing.every((i) => retried.some((l) => l.eventId === i.eventId && JSON.stringify({ done: l.done, notDone: l.notDone }) === JSON.stringify(expectedLog(i.kind)))),
      `${retried.length} "${RETRIED}" lines for ${failing.length} events`,
    ),
    check('first delivery: throttled once, the SDK retry recovers (user events answered, the policy attached)', users.length > 0 && users.every((u) => u.answer.result?.status === 'responded' && first.writes.get(u.actions[0]!) === 1)),
    check('second delivery: every invocation answered', answered(second), second.answers.map((a) => a.error ?? a.result?.status).join(', ')),
    check('second delivery: only what was not done is done', secondWrites.length > 0 && JSON.stringify(secondWrites) === JSON.stringify([...ticketed].sort()), `${secondWrites.length} actions: ${secondWrites.join('; ')}`),
    check('third delivery: every invocation answered, nothing written, no alert', answered(third) && third.writes.size === 0 && third.alerts === 0, `${third.writes.size} writes, ${third.alerts} alerts`),
    check(
      'every delivery after the actions were done says "nothing to change"',
      afterDone.length === users.length + inputs.length && afterDone.every((l) => l.summary === 'nothing to change' && l.done.length === 0),
      `${afterDone.filter((l) => l.summary === 'nothing to change').length} of ${afterDone.length} decisions (${users.length + inputs.length} expected)`,
    ),
    // A throttled delivery tells what it did before it fails (the retry names only the rest).
    check(
      'an alert for every delivery that changed the account: each event in the first, the throttled ones again in the second',
      first.alerts === inputs.length && second.alerts === failing.length,
      `${first.alerts} + ${second.alerts} + ${third.alerts} alerts for ${inputs.length} events, ${failing.length} throttled part way`,
    ),
  ];
}

export const responderThrottled: Drill = {
  name: 'responder-throttled',
  title: 'the responder meets AWS throttling mid-action (SlowDown, Throttling, RequestLimitExceeded), then each event is delivered twice more',
  async run(world: DrillWorld, { quick, seed }): Promise<DrillOutcome> {
    const random = seededRandom(seed);
    const newId = () => seededUuid(random);
    const started = Date.now();
    const access = await sourceAccess(world.moto);
    const mfaPolicyArn = await sourceStackStandIn(access);
    const records = sharedRecords();
    const sets: Made[] = [];
    for (let n = 0; n < (quick ? 1 : 4); n++) sets.push(await makeSet(access, `${seed}-${n}`, newId, records));
    const sns = new SNSClient({ endpoint: world.moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'drill-responder-alerts' }));
    sns.destroy();
    const config = {
      partition: 'aws',
      alertTopicArn: TopicArn,
      selfRoleArns: [FUNCTION_ROLE_ARN, ROLE_ARN],
      accounts: { [ACCOUNT]: { roleArn: ROLE_ARN, mfaPolicyArn } },
      responses: { 'block-public-bucket': { mode: 'enforce' }, 'require-mfa-for-new-users': { mode: 'enforce' }, 'tag-instance-owner': { mode: 'enforce', tagKeys: { owner: OWNER_TAG } } },
    };
    const setupSeconds = (Date.now() - started) / 1000;
    const proxy = await ThrottlingProxy.start(world.moto.endpoint);
    try {
      const env = { ...motoClientEnv(proxy.endpoint, REGION), RESPONDER_CONFIG: JSON.stringify(config), LOG_LEVEL: 'INFO' };
      const warm = world.responderContainer(env);
      throttleFirstDelivery(proxy, sets);
      const first = await deliver(warm, proxy, sets);
      proxy.clearThrottles();
      const second = await deliver(world.responderContainer(env), proxy, sets);
      const third = await deliver(warm, proxy, sets);

      const inputs = sets.flatMap((s) => s.inputs);
      const ticketed = new Set(inputs.filter((_, n) => first.answers[n]?.error).flatMap((i) => i.actions.filter((a) => !first.writes.has(a))));
      const throttledBy = (service: string) => proxy.throttled.filter((c) => c.service === service).length;
      const states = await Promise.all(sets.map((set) => endState(access, set, mfaPolicyArn)));
      const checks = [
        check('AWS throttled: S3 SlowDown, IAM Throttling, EC2 RequestLimitExceeded', throttledBy('s3') >= 3 * sets.length && throttledBy('iam') === sets.length && throttledBy('ec2') >= 4 * sets.length, `s3 ${throttledBy('s3')}, iam ${throttledBy('iam')}, ec2 ${throttledBy('ec2')} throttled requests`),
        ...deliveryChecks(sets, first, second, third, ticketed),
        check('the account ends as the responses promise', states.every((s) => s.ok), states.map((s) => s.detail).join(' | ')),
      ];
      const ledger = tally({ expected: inputs.flatMap((i) => i.actions), deliveries: addCounts(first.writes, second.writes, third.writes), ticketed, replayed: takenBetween(first.writes, addCounts(first.writes, second.writes)) });
      return {
        ledger,
        checks,
        notes: [
          `counted in actions, not records: ${sets.length} set(s) of a half-public bucket (2 actions), a new user (1), two new instances (1 each), in enforce mode`,
          `throttled requests: s3 ${throttledBy('s3')}, iam ${throttledBy('iam')}, ec2 ${throttledBy('ec2')}; alerts per delivery ${first.alerts}, ${second.alerts}, ${third.alerts}`,
          `seconds: setup ${setupSeconds.toFixed(1)}, deliveries ${[first, second, third].map((p) => p.seconds.toFixed(1)).join(', ')}`,
        ],
      };
    } finally {
      await proxy.close();
    }
  },
};
