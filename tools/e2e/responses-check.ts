import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateUserCommand, DeleteUserCommand, DetachUserPolicyCommand, IAMClient, ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutObjectRetentionCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { accountWithRole, sourceAccounts } from '../../config/accounts';
import { responderTargetRules, responseRules } from '../../stacks/catalog';
import { evidenceKeyStem } from '../../functions/responder/responses/audit-evidence';
import { ClientConfig } from './accounts';
import { fetchDeployedFunction, lambdaContext, loadHandler, withEnvironment } from './deployed-forwarder';
import type { Flow2Context, Flow2Section } from './flow2-check';
import type { CheckLine } from './flow2-events';
import { liftBucketPolicies } from './notifications';
import { CallFacts, decisionLines, otherLogLines, envelopeOf, halfPublicPolicy, recordOfCall, ResponderRule, responderInputs, sharedRecords, statementIds, templateRecord } from './response-events';

/**
 * The responses in enforce mode against the deployed stacks: the run makes a bucket public,
 * creates a user and runs an instance in the test account, hands the CloudTrail-shaped events to
 * the deployed responder (its zip, in-process, with its deployed RESPONDER_CONFIG and its role's
 * credentials), checks what changed, then delivers every event again and checks nothing did.
 */

type Input = { rule: string; event: Record<string, unknown> };

/** The state the responses change, read as the test account (and the log-archive account). */
interface Observed {
  readonly publicAccessBlock: Record<string, boolean | undefined>;
  readonly policySids: string[];
  readonly userPolicies: string[];
  readonly instanceTags: Record<string, string>;
  readonly evidence: { key: string; lockMode?: string; retainUntil?: string; versions: number }[];
}

interface Made {
  readonly bucket: string;
  readonly user: string;
  readonly instanceId: string;
  readonly publicSid: string;
  readonly keptSid: string;
  readonly inputs: Input[];
  /** The deleted database the database-deleted event names (no database exists: that response reads nothing). */
  readonly dbInstance?: string;
}

/** Makes the three calls as the run's session in the test account and builds their events. */
async function makeCalls(test: ClientConfig, account: string, partition: string, records: ReturnType<typeof sharedRecords>, rules: readonly ResponderRule[]): Promise<Made> {
  const sessionArn = (await new STSClient(test).send(new GetCallerIdentityCommand({}))).Arn!;
  const suffix = randomUUID().slice(0, 8);
  const bucket = `trailbridge-e2e-public-${suffix}`;
  const user = `e2e-new-user-${suffix}`;
  const s3 = new S3Client(test);
  const { policy, publicSid, keptSid } = halfPublicPolicy(partition, bucket, account);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false } }));
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  const created = await new IAMClient(test).send(new CreateUserCommand({ UserName: user }));
  const run = await new EC2Client(test).send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }));
  const instanceId = run.Instances![0].InstanceId!;

  const facts = (requestParameters: Record<string, unknown>, responseElements: Record<string, unknown> | null): CallFacts => ({
    account,
    region: test.region,
    eventId: randomUUID(),
    time: new Date(),
    sessionArn,
    requestParameters,
    responseElements,
  });
  const events = [
    recordOfCall(templateRecord(records, 's3.amazonaws.com', 'PutBucketPolicy'), facts({ bucketName: bucket, bucketPolicy: policy, host: [`s3.${test.region}.amazonaws.com`], policy: [''] }, null)),
    recordOfCall(
      templateRecord(records, 'iam.amazonaws.com', 'CreateUser'),
      facts({ userName: user }, { user: { arn: created.User!.Arn, path: '/', userId: created.User!.UserId, userName: user, createDate: new Date().toISOString() } }),
    ),
    recordOfCall(
      templateRecord(records, 'ec2.amazonaws.com', 'RunInstances'),
      facts({ instanceType: 't3.micro', instancesSet: { items: [{ imageId: 'ami-12c6146b', minCount: 1, maxCount: 1 }] } }, { instancesSet: { items: [{ instanceId, instanceType: 't3.micro' }] } }),
    ),
    // No database is created: moto's RDS is not needed, database-deleted only alerts on the record.
    recordOfCall(templateRecord(records, 'rds.amazonaws.com', 'DeleteDBInstance'), facts({ dBInstanceIdentifier: `e2e-db-${suffix}`, skipFinalSnapshot: true }, { dBInstanceIdentifier: `e2e-db-${suffix}` })),
  ];
  return { bucket, user, instanceId, publicSid, keptSid, dbInstance: `e2e-db-${suffix}`, inputs: events.flatMap((e) => responderInputs(envelopeOf(e), rules)) };
}

async function observe(test: ClientConfig, archive: ClientConfig, made: Made, evidenceBucket: string): Promise<Observed> {
  const s3 = new S3Client(test);
  const pab = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: made.bucket }))).PublicAccessBlockConfiguration ?? {};
  const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: made.bucket })).then((o) => o.Policy, (err) => (err.name === 'NoSuchBucketPolicy' ? undefined : Promise.reject(err)));
  const attached = await new IAMClient(test).send(new ListAttachedUserPoliciesCommand({ UserName: made.user }));
  const reservations = (await new EC2Client(test).send(new DescribeInstancesCommand({ InstanceIds: [made.instanceId] }))).Reservations ?? [];
  const tags = reservations.flatMap((r) => r.Instances ?? []).flatMap((i) => i.Tags ?? []);
  const evidenceS3 = new S3Client(archive);
  const evidence = [];
  // One event reaches the responder through several rules, and has one pair of reports.
  const stems = new Set(made.inputs.map((i) => evidenceKeyStem({ account: i.event.account, region: i.event.region, time: i.event.time, id: i.event.id } as never)));
  for (const stem of stems) {
    for (const ext of ['json', 'md']) {
      const key = `${stem}.${ext}`;
      const head = await evidenceS3.send(new HeadObjectCommand({ Bucket: evidenceBucket, Key: key })).catch(() => undefined);
      if (!head) continue;
      const versions = (await evidenceS3.send(new ListObjectVersionsCommand({ Bucket: evidenceBucket, Prefix: key }))).Versions ?? [];
      evidence.push({ key, lockMode: head.ObjectLockMode, retainUntil: head.ObjectLockRetainUntilDate?.toISOString(), versions: versions.filter((v) => v.Key === key).length });
    }
  }
  return {
    publicAccessBlock: { BlockPublicAcls: pab.BlockPublicAcls, IgnorePublicAcls: pab.IgnorePublicAcls, BlockPublicPolicy: pab.BlockPublicPolicy, RestrictPublicBuckets: pab.RestrictPublicBuckets },
    policySids: statementIds(policy),
    userPolicies: (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort(),
    instanceTags: Object.fromEntries(tags.map((t) => [t.Key!, t.Value!])),
    evidence: evidence.sort((a, b) => a.key.localeCompare(b.key)),
  };
}

/** Invokes the handler with every input, its stdout (the function's log lines) captured. */
async function deliver(handler: (e: unknown, c: Record<string, unknown>) => Promise<any>, fn: Parameters<typeof lambdaContext>[0], inputs: readonly Input[], label: string) {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  const results: any[] = [];
  try {
    for (const [i, input] of inputs.entries()) results.push(await handler(input, lambdaContext(fn, `${label}-${i + 1}`)));
  } finally {
    process.stdout.write = write;
  }
  return { results, decisions: decisionLines(chunks.join('')), others: otherLogLines(chunks.join('')) };
}

/**
 * moto only: shortens the retention of every evidence object version to a second from now, then
 * deletes them. moto refuses to remove the bucket's Object Lock configuration (the first thing
 * `terraform destroy` does) while objects exist, and enforces the lock on delete; unlike AWS it
 * lets COMPLIANCE retention be shortened.
 */
async function unlockEvidenceForDestroy(archive: ClientConfig, bucket: string): Promise<number> {
  const s3 = new S3Client(archive);
  const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'evidence/' }))).Versions ?? [];
  for (const v of versions) {
    await s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 1000) } }));
  }
  await new Promise((r) => setTimeout(r, 1500));
  for (const v of versions) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
  return versions.length;
}

/** Removes what the section made in the test account (the evidence stays: Object Lock keeps it, forceDestroy removes it). */
async function removeMade(test: ClientConfig, made: Made, mfaPolicyArn: string | undefined): Promise<void> {
  const s3 = new S3Client(test);
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: made.bucket })).catch(() => undefined);
  await s3.send(new DeleteBucketCommand({ Bucket: made.bucket }));
  const iam = new IAMClient(test);
  if (mfaPolicyArn) await iam.send(new DetachUserPolicyCommand({ UserName: made.user, PolicyArn: mfaPolicyArn })).catch(() => undefined);
  await iam.send(new DeleteUserCommand({ UserName: made.user }));
  await new EC2Client(test).send(new TerminateInstancesCommand({ InstanceIds: [made.instanceId] }));
}

const allOn = (pab: Observed['publicAccessBlock']) => Object.values(pab).every((v) => v === true);

/** One line per response: what the first delivery did, and that the second changed nothing. */
export function responseLines(made: Made, before: Observed, after: Observed, again: Observed, first: Record<string, any>[], second: Record<string, any>[], mfaPolicyArn: string, tagKeys: readonly string[], retentionDays: number): CheckLine[] {
  const unchanged = JSON.stringify(after) === JSON.stringify(again);
  const of = (lines: Record<string, any>[], response: string) => lines.filter((l) => l.response === response);
  const secondQuiet = (response: string) => {
    const lines = of(second, response);
    return lines.length > 0 && lines.every((l) => (l.done ?? []).length === 0 && l.summary === 'nothing to change');
  };
  const againText = (response: string) => (unchanged && secondQuiet(response) ? 'second delivery changed nothing and said "nothing to change"' : `second delivery: ${unchanged ? 'state unchanged' : 'STATE CHANGED'}, decisions ${JSON.stringify(of(second, response).map((l) => ({ done: l.done, summary: l.summary })))}`);
  const check = (response: string, held: boolean, text: string): CheckLine => ({ ok: held && unchanged && secondQuiet(response), text: `${response}: ${text}; ${againText(response)}` });

  const bucketOk = !allOn(before.publicAccessBlock) && allOn(after.publicAccessBlock) && !after.policySids.includes(made.publicSid) && after.policySids.includes(made.keptSid);
  const mfaOk = !before.userPolicies.includes(mfaPolicyArn) && after.userPolicies.includes(mfaPolicyArn);
  const tagsOk = tagKeys.every((k) => before.instanceTags[k] === undefined && after.instanceTags[k] !== undefined);
  const expectedEvidence = of(first, 'audit-evidence').length * 2;
  const evidenceOk = expectedEvidence > 0 && after.evidence.length === expectedEvidence && after.evidence.every((e) => e.lockMode === 'COMPLIANCE' && e.retainUntil !== undefined && e.versions === 1);
  return [
    check('block-public-bucket', bucketOk, `${made.bucket}: public access block ${allOn(after.publicAccessBlock) ? 'back on (all four)' : JSON.stringify(after.publicAccessBlock)}, policy statements ${JSON.stringify(before.policySids)} -> ${JSON.stringify(after.policySids)}`),
    check('require-mfa-for-new-users', mfaOk, `${made.user}: attached ${after.userPolicies.includes(mfaPolicyArn) ? mfaPolicyArn : `not ${mfaPolicyArn} (has ${JSON.stringify(after.userPolicies)})`}`),
    check('tag-instance-owner', tagsOk, `${made.instanceId}: tags ${tagKeys.map((k) => `${k}=${after.instanceTags[k] ?? '(missing)'}`).join(', ')}`),
    check('audit-evidence', evidenceOk, `${after.evidence.length}/${expectedEvidence} reports (${of(first, 'audit-evidence').length} events, .json and .md) under Object Lock ${[...new Set(after.evidence.map((e) => e.lockMode ?? 'none'))].join('/')} (retention ${retentionDays} d), one version each`),
  ];
}

export const RESPONSES_IN_ENFORCE_MODE: Flow2Section = {
  name: 'responses',
  async run(context: Flow2Context) {
    const { accounts, naming } = context;
    const topology = naming.topology;
    const test = sourceAccounts(topology).find((s) => s.name === 'test') ?? sourceAccounts(topology)[0];
    const security = await accounts.config(accountWithRole(topology, 'security'));
    const testConfig = await accounts.config(test);
    const archive = await accounts.config(accountWithRole(topology, 'log-archive'));
    const fn = await fetchDeployedFunction(security, naming.responderFunctionName(), context.moto ?? false);
    const config = JSON.parse(fn.environment.RESPONDER_CONFIG ?? '{}');
    const rules: ResponderRule[] = [...responseRules(topology), ...responderTargetRules(topology)];
    const made = await makeCalls(testConfig, test.id, topology.partition, sharedRecords(), rules);
    try {
      const evidenceBucket: string = config.evidence.bucket;
      const before = await observe(testConfig, archive, made, evidenceBucket);
      const credentials = await accounts.assume(naming.responderFunctionRoleArn(), naming.responderFunctionName());
      const env = {
        ...fn.environment,
        AWS_ENDPOINT_URL: accounts.target.endpoint,
        AWS_REGION: naming.homeRegion,
        AWS_DEFAULT_REGION: naming.homeRegion,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LOG_LEVEL: 'INFO',
      };
      // moto refuses writes under a Deny whose condition does not hold (DenyInsecureTransport); the
      // evidence bucket's policy is lifted while the responder writes, as the trail buckets' are.
      const restore = context.moto ? await liftBucketPolicies(archive, [evidenceBucket]) : async () => {};
      const dir = mkdtempSync(join(tmpdir(), 'trailbridge-e2e-responder-'));
      const run = await withEnvironment(env, async () => {
        const handler = loadHandler(fn, dir);
        try {
          const first = await deliver(handler, fn, made.inputs, 'first');
          const after = await observe(testConfig, archive, made, evidenceBucket);
          const second = await deliver(handler, fn, made.inputs, 'second');
          const again = await observe(testConfig, archive, made, evidenceBucket);
          return { first, after, second, again };
        } finally {
          if (context.moto) {
            const unlocked = await unlockEvidenceForDestroy(archive, evidenceBucket);
            context.notes.push(`moto refuses to remove an Object Lock configuration from a bucket with objects (terraform destroy does that before emptying it) and enforces the lock on delete, but lets COMPLIANCE retention be shortened (AWS does not): after the checks the ${unlocked} evidence object versions get a retention of 1 s and the run deletes them`);
          }
          await restore();
          rmSync(dir, { recursive: true, force: true });
        }
      });
      const tagKeys = Object.values(config.responses['tag-instance-owner'].tagKeys as Record<string, string>);
      const lines = responseLines(made, before, run.after, run.again, run.first.decisions, run.second.decisions, config.accounts[test.id].mfaPolicyArn, tagKeys, topology.responses['audit-evidence']?.retentionInDays ?? 0);
      const failed = [...run.first.results, ...run.second.results].filter((r) => r?.status !== 'responded');
      if (failed.length > 0) lines.push({ ok: false, text: `responses: the responder answered ${JSON.stringify(failed)}` });
      if (lines.some((l) => !l.ok)) {
        const said = [...run.first.others, ...run.first.decisions.filter((d) => d.problem || d.response === 'audit-evidence')].slice(0, 6);
        lines.push({ ok: false, text: `responses: what the responder logged on the first delivery: ${JSON.stringify(said).slice(0, 3000)}` });
      }
      const alerts = run.first.decisions.filter((d) => d.response === 'database-deleted');
      if (made.dbInstance) lines.push({ ok: alerts.length === 1 && typeof alerts[0].alert === 'string' && alerts[0].alert.includes(made.dbInstance), text: `database-deleted: alert ${JSON.stringify(alerts.map((a) => a.alert))}` });
      context.notes.push(`responses: ${made.inputs.length} responder inputs per delivery (${[...new Set(made.inputs.map((i) => i.rule))].join(', ')})`);
      return lines;
    } finally {
      await removeMade(testConfig, made, config.accounts?.[test.id]?.mfaPolicyArn);
    }
  },
};
