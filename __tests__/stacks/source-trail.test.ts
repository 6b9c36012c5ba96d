import { TopologyInput } from '../../config/schema';
import { Synthesized, SynthesizedStack, synthesize, topologyWith } from '../support/synth';
import { cloudTrailKey, conditionValues, nameWhere, ref, statementBySid, statementsOf } from './flow-1-support';

const TEST = '111111111111';
const PROD = '222222222222';
const ALIAS_ARN = 'arn:aws:kms:us-east-1:333333333333:alias/trailbridge-cloudtrail';

function trailOf(stack: SynthesizedStack): Record<string, any> {
  const trails = stack.resources('aws_cloudtrail');
  if (trails.length !== 1) throw new Error(`${stack.name}: expected one aws_cloudtrail, found ${trails.length}`);
  return trails[0][1];
}

function everyTrail(synth: Synthesized): [string, Record<string, any>][] {
  return [...synth.byName.values()].flatMap((stack) => stack.resources('aws_cloudtrail').map(([, body]) => [stack.name, body] as [string, Record<string, any>]));
}

function organizationMode(t: TopologyInput): void {
  t.organization = { id: 'o-abcdefghij', managementAccount: 'prod' };
  t.trails = { mode: 'organization' };
  for (const account of t.accounts) if (account.source) delete account.source.bucketName;
}

describe('source stacks: the account trail', () => {
  const synth = synthesize(topologyWith());

  test('every aws_cloudtrail is multi-region, logs global events, validates log files and encrypts with the CMK, by the key ARN looked up through its alias', () => {
    const trails = everyTrail(synth);
    expect(trails.map(([stack]) => stack).sort()).toEqual(['source-prod', 'source-test']);
    for (const [, trail] of trails) {
      expect(trail).toMatchObject({
        enable_log_file_validation: true,
        is_multi_region_trail: true,
        include_global_service_events: true,
        enable_logging: true,
      });
      expect(trail.is_organization_trail).toBeUndefined();
    }
    for (const stack of ['source-test', 'source-prod']) {
      const lookups = synth.stack(stack).data('aws_kms_key');
      expect(lookups.map(([, body]) => body.key_id)).toEqual([ALIAS_ARN]);
      expect(trailOf(synth.stack(stack)).kms_key_id).toBe(`\${data.aws_kms_key.${lookups[0][0]}.arn}`);
    }
  });

  test('the key policy lets exactly the trail accounts describe the key, for that lookup', () => {
    const [, key] = cloudTrailKey(synth.stack('log-archive'));
    const statement = statementBySid(statementsOf(synth.stack('log-archive'), key.policy), 'TrailAccountsDescribeKey');
    expect(statement).toMatchObject({ actions: ['kms:DescribeKey'], principals: [{ type: 'AWS', identifiers: ['arn:aws:iam::111111111111:root', 'arn:aws:iam::222222222222:root'] }] });
  });

  test('resolveKeyArn false (emulators) gives the alias ARN itself and no lookup', () => {
    const emulated = synthesize(topologyWith((t) => void (t.trails = { resolveKeyArn: false })));
    expect(everyTrail(emulated)).toHaveLength(2);
    for (const [, trail] of everyTrail(emulated)) expect(trail.kms_key_id).toBe(ALIAS_ARN);
    expect(emulated.stack('source-test').data('aws_kms_key')).toEqual([]);
  });

  test('delivers to its own bucket without a key prefix by default', () => {
    expect(trailOf(synth.stack('source-test'))).toMatchObject({ name: 'trailbridge-test', s3_bucket_name: 'event-trail-test' });
    expect(trailOf(synth.stack('source-test')).s3_key_prefix).toBeUndefined();
    expect(trailOf(synth.stack('source-prod'))).toMatchObject({ name: 'trailbridge-prod', s3_bucket_name: 'event-trail-prod' });
  });

  test('the trail the bucket policy trusts is the trail the source stack creates', () => {
    const trail = trailOf(synth.stack('source-test'));
    const archive = synth.stack('log-archive');
    const local = nameWhere(archive, 'aws_s3_bucket', 'bucket', trail.s3_bucket_name);
    const policy = archive.resourceWhere('aws_s3_bucket_policy', 'bucket', ref('aws_s3_bucket', local, 'id'));
    const write = statementBySid(statementsOf(archive, policy.policy), 'CloudTrailWrite');
    // A multi-region trail's ARN names the region of the stack's provider (the home region).
    expect(conditionValues(write, 'StringEquals', 'aws:SourceArn')).toEqual([`arn:aws:cloudtrail:us-east-1:${TEST}:trail/${trail.name}`]);
    expect(synth.stack('source-test').json.provider.aws.find((p: any) => !p.alias).region).toBe('us-east-1');
  });

  test('logs management events only unless data events are asked for', () => {
    expect(trailOf(synth.stack('source-test')).advanced_event_selector).toEqual([
      { name: 'Management events', field_selector: [{ field: 'eventCategory', equals: ['Management'] }] },
    ]);
    expect(trailOf(synth.stack('source-test')).insight_selector).toBeUndefined();
  });

  test('creates no CloudWatch Logs delivery unless asked', () => {
    expect(trailOf(synth.stack('source-test')).cloud_watch_logs_group_arn).toBeUndefined();
    expect(synth.stack('source-test').resources('aws_cloudwatch_log_group')).toHaveLength(0);
  });
});

describe('source stacks: trail options', () => {
  const synth = synthesize(
    topologyWith((t) => {
      t.accounts[0].source = {
        bucketName: 'event-trail-test',
        keyPrefix: 'trails/test',
        dataEvents: { s3: { include: ['arn:aws:s3:::important-'], exclude: ['arn:aws:s3:::important-noisy/'] }, lambda: {} },
        insights: ['ApiCallRateInsight', 'ApiErrorRateInsight'],
        cloudWatchLogs: { retentionInDays: 30 },
      };
      t.accounts[1].source!.dataEvents = { s3: {} };
      t.trails = { enableLogging: false };
    }),
  );
  const stack = synth.stack('source-test');
  const trail = trailOf(stack);

  test('writes under the key prefix', () => {
    expect(trail.s3_key_prefix).toBe('trails/test');
  });

  test('S3 data events through advanced selectors, with include and exclude lists', () => {
    const s3 = trail.advanced_event_selector.find((s: any) => s.name === 'S3 object-level events');
    expect(s3.field_selector).toEqual([
      { field: 'eventCategory', equals: ['Data'] },
      { field: 'resources.type', equals: ['AWS::S3::Object'] },
      {
        field: 'resources.ARN',
        starts_with: ['arn:aws:s3:::important-'],
        not_starts_with: ['arn:aws:s3:::important-noisy/', 'arn:aws:s3:::event-trail-test/', 'arn:aws:s3:::event-trail-prod/'],
      },
    ]);
  });

  test('S3 data events never include the trail buckets, so a trail does not log its own deliveries', () => {
    const s3 = trailOf(synth.stack('source-prod')).advanced_event_selector.find((s: any) => s.name === 'S3 object-level events');
    const arn = s3.field_selector.find((f: any) => f.field === 'resources.ARN');
    expect(arn).toEqual({ field: 'resources.ARN', not_starts_with: ['arn:aws:s3:::event-trail-test/', 'arn:aws:s3:::event-trail-prod/'] });
  });

  test('fails at synth, not at apply, when the selectors of a trail hold more values than the 500 CloudTrail allows', () => {
    // 497 exclusions + the 2 trail buckets + "Data" + "AWS::S3::Object" + "Management" = 502.
    const exclude = Array.from({ length: 497 }, (_, i) => `arn:aws:s3:::noisy-${i}/`);
    expect(() => synthesize(topologyWith((t) => void (t.accounts[0].source!.dataEvents = { s3: { exclude } })))).toThrow(
      /trail trailbridge-test: its advanced event selectors hold 502 values, 2 of them the trail buckets excluded from S3 data events; CloudTrail allows 500 per trail/,
    );
    const fits = Array.from({ length: 495 }, (_, i) => `arn:aws:s3:::noisy-${i}/`);
    expect(() => synthesize(topologyWith((t) => void (t.accounts[0].source!.dataEvents = { s3: { exclude: fits } })))).not.toThrow();
  });

  test('Lambda Invoke data events for every function when no list is given', () => {
    const lambda = trail.advanced_event_selector.find((s: any) => s.name === 'Lambda Invoke events');
    expect(lambda.field_selector).toEqual([
      { field: 'eventCategory', equals: ['Data'] },
      { field: 'resources.type', equals: ['AWS::Lambda::Function'] },
    ]);
  });

  test('management events stay on with data events', () => {
    expect(trail.advanced_event_selector[0]).toEqual({ name: 'Management events', field_selector: [{ field: 'eventCategory', equals: ['Management'] }] });
  });

  test('Insights selectors', () => {
    expect(trail.insight_selector).toEqual([{ insight_type: 'ApiCallRateInsight' }, { insight_type: 'ApiErrorRateInsight' }]);
  });

  test('CloudWatch Logs delivery: a log group with retention and a role only this trail may assume', () => {
    const logGroupName = nameWhere(stack, 'aws_cloudwatch_log_group', 'name', '/aws/cloudtrail/trailbridge-test');
    expect(stack.resourceWhere('aws_cloudwatch_log_group', 'name', '/aws/cloudtrail/trailbridge-test').retention_in_days).toBe(30);
    const roleName = nameWhere(stack, 'aws_iam_role', 'name', 'trailbridge-test-cloudtrail-logs');
    const role = stack.resourceWhere('aws_iam_role', 'name', 'trailbridge-test-cloudtrail-logs');
    const trust = statementBySid(statementsOf(stack, role.assume_role_policy), 'TrustService');
    expect(trust.principals).toEqual([{ type: 'Service', identifiers: ['cloudtrail.amazonaws.com'] }]);
    expect(conditionValues(trust, 'StringEquals', 'aws:SourceArn')).toEqual([`arn:aws:cloudtrail:us-east-1:${TEST}:trail/trailbridge-test`]);
    const policy = stack.resourceWhere('aws_iam_role_policy', 'role', ref('aws_iam_role', roleName, 'id'));
    expect(statementsOf(stack, policy.policy)).toEqual([
      expect.objectContaining({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${ref('aws_cloudwatch_log_group', logGroupName, 'arn')}:log-stream:*`] }),
    ]);
    expect(trail.cloud_watch_logs_group_arn).toBe(`${ref('aws_cloudwatch_log_group', logGroupName, 'arn')}:*`);
    expect(trail.cloud_watch_logs_role_arn).toBe(ref('aws_iam_role', roleName, 'arn'));
  });

  test('enableLogging false (emulators without StartLogging) leaves the trail stopped', () => {
    expect(trail.enable_logging).toBe(false);
  });
});

test('trails.kmsKeyArn replaces the alias ARN, which CloudTrail would echo back as the key ARN', () => {
  const keyArn = 'arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const synth = synthesize(topologyWith((t) => void (t.trails = { kmsKeyArn: keyArn })));
  expect(everyTrail(synth)).toHaveLength(2);
  for (const [, trail] of everyTrail(synth)) expect(trail.kms_key_id).toBe(keyArn);
});

test('fails when trails.kmsKeyArn is not a key ARN', () => {
  expect(() => topologyWith((t) => void (t.trails = { kmsKeyArn: ALIAS_ARN }))).toThrow(/trails\.kmsKeyArn: ".*alias\/trailbridge-cloudtrail" is not a KMS key ARN/);
});

describe('organization mode', () => {
  const synth = synthesize(topologyWith(organizationMode));

  test('one organization trail in an organization-trail stack of the management account, and no account trails', () => {
    const trails = everyTrail(synth);
    expect(trails.map(([stack]) => stack)).toEqual(['organization-trail']);
    const stack = synth.stack('organization-trail');
    expect(stack.json.provider.aws[0].allowed_account_ids).toEqual([PROD]);
    expect(trails[0][1]).toMatchObject({
      name: 'trailbridge-organization',
      is_organization_trail: true,
      is_multi_region_trail: true,
      include_global_service_events: true,
      enable_log_file_validation: true,
      s3_bucket_name: 'trailbridge-org-trail-333333333333',
    });
  });

  test('the organization-trail stack deploys after the log archive', () => {
    expect(synth.stacks.organizationTrail!.dependencies.map((d) => (d as any).stackName)).toContain('log-archive');
  });

  test('fails without an organization id and management account', () => {
    expect(() => topologyWith((t) => void (t.trails = { mode: 'organization' }))).toThrow(/trails\.mode: "organization" needs organization\.id/);
  });
});
