import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RESOURCE_PERMISSIONS,
  UNSCOPED_ACTIONS,
  UnknownResourceTypeError,
  actionsFor,
  iamWriteActions,
  workspaceStatements,
} from '../../stacks/constructs/resource-permissions';
import { synthesize, topologyWith } from '../support/synth';
import { defaultCloudTopology, exampleTopology } from '../support/topologies';

const ROOT = join(__dirname, '..', '..');
const TABLE_FILE = 'stacks/constructs/resource-permissions.ts';

/** Every resource type (and `data.<type>`) in the synthesized cdk.tf.json of every stack. */
function emittedTypes(topology: Parameters<typeof synthesize>[0]): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const [name, stack] of synthesize(topology).byName) {
    const types = [...Object.keys(stack.json.resource ?? {}), ...Object.keys(stack.json.data ?? {}).map((t) => `data.${t}`)];
    for (const t of types) where.set(t, [...(where.get(t) ?? []), name]);
  }
  return where;
}

function missingMessage(missing: [string, string[]][], label: string): string {
  return (
    `${label}: resource types missing from RESOURCE_PERMISSIONS in ${TABLE_FILE}:\n` +
    missing.map(([t, stacks]) => `  - ${t} (emitted by ${stacks.join(', ')}): add { read: [plan actions], write: [apply actions] }`).join('\n')
  );
}

describe('the resource type -> IAM actions table', () => {
  const topologies: [string, () => Parameters<typeof synthesize>[0]][] = [
    ['the default topology', () => topologyWith()],
    ['the default topology with dynamic credentials (bootstrap stacks)', () => defaultCloudTopology()],
    ['examples/topology.example.json', () => exampleTopology()],
    ['the default topology in organization mode', () =>
      topologyWith((t) => {
        t.organization = { id: 'o-a1b2c3d4e5', managementAccount: 'prod' };
        t.trails = { mode: 'organization' };
        for (const account of t.accounts) if (account.source) delete account.source.bucketName;
        t.backend = { type: 'cloud', organization: 'acme', dynamicCredentials: true };
      })],
  ];

  test.each(topologies)('holds every resource type %s emits', (label, topology) => {
    const emitted = emittedTypes(topology());
    expect(emitted.size).toBeGreaterThan(10);
    const missing = [...emitted].filter(([t]) => !(t in RESOURCE_PERMISSIONS));
    if (missing.length > 0) throw new Error(missingMessage(missing, label));
  });

  test('holds every provider resource and data source the stacks import', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.name.endsWith('.ts')) files.push(join(dir, entry.name));
      }
    };
    walk(join(ROOT, 'stacks'));
    const modules = new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/@cdktf\/provider-aws\/lib\/([a-z0-9-]+)/g)].map((m) => m[1])));
    modules.delete('provider');
    expect(modules.size).toBeGreaterThan(30);
    const types = [...modules].map((m) => (m.startsWith('data-aws-') ? `data.aws_${m.slice('data-aws-'.length)}` : `aws_${m}`).replace(/-/g, '_'));
    const missing = types.filter((t) => !(t in RESOURCE_PERMISSIONS)).map((t): [string, string[]] => [t, ['an import under stacks/']]);
    if (missing.length > 0) throw new Error(missingMessage(missing, 'stacks/'));
  });

  test('holds the types the alarm, checkov and StackSets work adds', () => {
    const expected = [
      'aws_kms_key', 'aws_kms_alias', 'aws_cloudwatch_metric_alarm', 'aws_cloudwatch_dashboard', 'aws_sns_topic', 'aws_sns_topic_subscription',
      'aws_cloudformation_stack_set', 'aws_cloudformation_stack_set_instance', 'aws_signer_signing_profile', 'aws_lambda_code_signing_config',
    ];
    expect(expected.filter((t) => !(t in RESOURCE_PERMISSIONS))).toEqual([]);
  });

  test('names every action one by one: no wildcard, service:Action form', () => {
    const actions = Object.values(RESOURCE_PERMISSIONS).flatMap((p) => [...p.read, ...p.write]);
    expect(actions.length).toBeGreaterThan(200);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions.filter((a) => !/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/.test(a))).toEqual([]);
  });

  test('a plan reads only: no read list holds a create, put, update, delete or tag action', () => {
    const reads = Object.entries(RESOURCE_PERMISSIONS).flatMap(([t, p]) => p.read.map((a) => `${t}: ${a}`));
    expect(reads.length).toBeGreaterThan(80);
    expect(reads.filter((r) => /:(Create|Put|Update|Delete|Tag|Untag|Set|Add|Remove|Start|Stop|Enable|Disable|Schedule|Subscribe|Unsubscribe|Pass|Associate|Disassociate|Increase|Decrease|Cancel|Publish)/.test(r.split(': ')[1]))).toEqual([]);
  });

  test('every account-level action is one the table uses, with its reason, and docs/terraform-cloud.md lists it', () => {
    const used = new Set(Object.values(RESOURCE_PERMISSIONS).flatMap((p) => [...p.read, ...p.write]));
    const docs = readFileSync(join(ROOT, 'docs', 'terraform-cloud.md'), 'utf8');
    const entries = Object.entries(UNSCOPED_ACTIONS);
    expect(entries.length).toBeGreaterThan(5);
    for (const [action, reason] of entries) {
      expect([action, used.has(action)]).toEqual([action, true]);
      expect(reason.length).toBeGreaterThan(10);
      expect([action, docs.includes(`\`${action}\``)]).toEqual([action, true]);
    }
  });

  test('an unknown type fails with every unknown type named and the file to add them to', () => {
    expect(() => actionsFor(['aws_sqs_queue', 'aws_made_up', 'data.aws_nope'], 'apply', 'stack x')).toThrow(UnknownResourceTypeError);
    expect(() => actionsFor(['aws_sqs_queue', 'aws_made_up', 'data.aws_nope'], 'apply', 'stack x')).toThrow(
      /stack x emits resource types the workspace permission table does not know: aws_made_up, data\.aws_nope; add each to RESOURCE_PERMISSIONS in stacks\/constructs\/resource-permissions\.ts/,
    );
  });

  test('a plan may refresh a delegated administrator\'s StackSet: CloudFormation checks organizations:ListDelegatedAdministrators on every call as DELEGATED_ADMIN', () => {
    // Without it DescribeStackSet fails "Failed to check account is Delegated Administrator", which the
    // provider reads as "not found": the plan would create the StackSet again.
    for (const type of ['aws_cloudformation_stack_set', 'aws_cloudformation_stack_instances']) {
      expect({ type, plan: actionsFor([type], 'plan', 'x').includes('organizations:ListDelegatedAdministrators') }).toEqual({ type, plan: true });
    }
  });

  test('a plan gets the read actions of its types, an apply also the write actions', () => {
    expect(actionsFor(['aws_sqs_queue_policy'], 'plan', 'x')).toEqual(['sqs:GetQueueAttributes']);
    expect(actionsFor(['aws_sqs_queue_policy'], 'apply', 'x')).toEqual(['sqs:GetQueueAttributes', 'sqs:SetQueueAttributes']);
  });
});

describe('workspace statements', () => {
  const scope = { partition: 'aws', accountId: '444444444444', topologyAccountIds: ['111111111111', '444444444444'], namePrefix: 'trailbridge' };

  test('scope each service to the account, IAM to the name prefix, and only account-level actions to *', () => {
    const actions = actionsFor(['aws_sqs_queue', 'aws_iam_role', 'aws_kms_key', 'aws_cloudwatch_log_resource_policy', 'aws_s3_bucket'], 'apply', 'x');
    const statements = workspaceStatements(actions, scope, 'trailbridge-tfc-');
    const allows = statements.filter((s) => s.effect !== 'Deny');
    expect(allows.flatMap((s) => s.actions ?? []).sort()).toEqual(actions);
    for (const s of allows) {
      const star = s.resources!.includes('*');
      expect([s.sid, star]).toEqual([s.sid, s.actions!.every((a) => a in UNSCOPED_ACTIONS)]);
      // The account's own ARNs, S3's (no account in a bucket ARN), or for a cross-account action the topology's accounts.
      const inScope = (r: string) => r.includes(':444444444444:') || r.startsWith('arn:aws:s3:::') || (s.sid!.endsWith('Across') && r.includes(':111111111111:'));
      if (!star) expect([s.sid, s.resources!.every(inScope)]).toEqual([s.sid, true]);
    }
    expect(statements.find((s) => s.sid === 'Sqs')!.resources).toEqual(['arn:aws:sqs:*:444444444444:*']);
    expect(statements.find((s) => s.sid === 'Iam')!.resources).toContain('arn:aws:iam::444444444444:role/trailbridge-*');
    expect(statements.find((s) => s.sid === 'AccountLevel')!.actions).toEqual(['kms:CreateKey', 'logs:DeleteResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:PutResourcePolicy']);
  });

  test('a role that writes IAM is denied those writes on every workspace role', () => {
    const actions = actionsFor(['aws_iam_role', 'aws_iam_role_policy', 'aws_lambda_function'], 'apply', 'x');
    const deny = workspaceStatements(actions, scope, 'trailbridge-tfc-').find((s) => s.effect === 'Deny')!;
    expect(deny.resources).toEqual(['arn:aws:iam::444444444444:role/trailbridge-tfc-*']);
    expect(deny.actions).toEqual(expect.arrayContaining(['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:PassRole', 'iam:CreateRole']));
    expect(deny.actions).toEqual(iamWriteActions(actions));
    expect(deny.actions).not.toContain('iam:GetRole');
    expect(workspaceStatements(actionsFor(['aws_sqs_queue'], 'apply', 'x'), scope, 'trailbridge-tfc-').some((s) => s.effect === 'Deny')).toBe(false);
  });

  test('a cross-account action names the topology accounts only', () => {
    const statements = workspaceStatements(actionsFor(['aws_sns_topic_subscription'], 'apply', 'x'), scope, 'trailbridge-tfc-');
    const subscribe = statements.find((s) => s.actions!.includes('sns:Subscribe'))!;
    expect(subscribe.resources).toEqual(['arn:aws:sns:*:444444444444:*', 'arn:aws:sns:*:111111111111:*']);
  });
});
