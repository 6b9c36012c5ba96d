import { RESOURCE_PERMISSIONS } from '../../stacks/constructs/resource-permissions';
import { Synthesized, SynthesizedStack, synthesize, topologyWith } from '../support/synth';
import { defaultCloudTopology, exampleTopology } from '../support/topologies';

/**
 * The bootstrap stacks, read from their synthesized Terraform JSON and checked against facts the
 * test derives on its own: the claims HCP Terraform puts in a run's token, and the actions each
 * workspace stack's resource types need (from the synthesized stack, through the one table).
 */

interface Condition {
  test: string;
  variable: string;
  values: string[];
}

interface PolicyStatement {
  effect: string;
  actions?: string[];
  resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: Condition[];
}

/** What is wrong with a trust policy that should admit exactly one workspace's runs of one phase. */
function trustProblems(statements: PolicyStatement[], host: string, subject: string): string[] {
  const problems: string[] = [];
  if (statements.length !== 1) problems.push(`${statements.length} statements, expected 1`);
  for (const s of statements) {
    if (s.effect !== 'Allow' || JSON.stringify(s.actions) !== JSON.stringify(['sts:AssumeRoleWithWebIdentity'])) problems.push(`statement allows ${JSON.stringify(s.actions)}`);
    if (JSON.stringify(s.principals) !== JSON.stringify([{ identifiers: ['${aws_iam_openid_connect_provider.tfc-oidc.arn}'], type: 'Federated' }])) problems.push(`principals ${JSON.stringify(s.principals)}`);
    const conditions = (s.condition ?? []).map((c) => `${c.test} ${c.variable} ${JSON.stringify(c.values)}`).sort();
    const expected = [`StringEquals ${host}:aud ["aws.workload.identity"]`, `StringEquals ${host}:sub ${JSON.stringify([subject])}`].sort();
    if (JSON.stringify(conditions) !== JSON.stringify(expected)) problems.push(`conditions ${JSON.stringify(conditions)}, expected ${JSON.stringify(expected)}`);
  }
  return problems;
}

/** The roles of a bootstrap stack: name -> { trust, allow and deny statements }. */
function rolesOf(bootstrap: SynthesizedStack): Map<string, { trust: PolicyStatement[]; allow: PolicyStatement[]; deny: PolicyStatement[] }> {
  const policies = new Map(bootstrap.resources('aws_iam_role_policy').map(([, p]) => [p.role as string, p]));
  const byRef = new Map(bootstrap.resources('aws_iam_role').map(([local, r]) => [`\${aws_iam_role.${local}.name}`, r]));
  const roles = new Map<string, { trust: PolicyStatement[]; allow: PolicyStatement[]; deny: PolicyStatement[] }>();
  for (const [ref, role] of byRef) {
    const policy = policies.get(ref);
    const statements: PolicyStatement[] = policy ? bootstrap.policyDocument(policy.policy).statement : [];
    roles.set(role.name, {
      trust: bootstrap.policyDocument(role.assume_role_policy).statement,
      allow: statements.filter((s) => s.effect === 'Allow'),
      deny: statements.filter((s) => s.effect === 'Deny'),
    });
  }
  return roles;
}

function typesOf(stack: SynthesizedStack): string[] {
  return [...Object.keys(stack.json.resource ?? {}), ...Object.keys(stack.json.data ?? {}).map((t) => `data.${t}`)];
}

interface Case {
  readonly label: string;
  readonly synth: Synthesized;
  readonly org: string;
  readonly project: string;
  readonly host: string;
  readonly workspacePrefix: string;
  readonly prefix: string;
}

const cases: Case[] = [
  { label: 'the default accounts', synth: synthesize(defaultCloudTopology()), org: 'acme', project: 'Default Project', host: 'app.terraform.io', workspacePrefix: 'trailbridge-', prefix: 'trailbridge' },
  { label: 'the example topology', synth: synthesize(exampleTopology()), org: 'acme', project: 'platform-security', host: 'app.terraform.io', workspacePrefix: 'acme-audit-', prefix: 'acme-audit' },
];

describe.each(cases)('bootstrap stacks of $label', (c) => {
  const workspaces = c.synth.stacks.workspaces;
  const bootstrapOf = (accountName: string) => c.synth.stack(`bootstrap-${accountName}`);

  test('one bootstrap stack per account a workspace deploys to, with local state and the deploy role', () => {
    const accounts = [...new Set(workspaces.map((s) => s.account.name))].sort();
    expect(c.synth.stacks.bootstrap.map((s) => s.stackName).sort()).toEqual(accounts.map((a) => `bootstrap-${a}`));
    for (const account of accounts) {
      const json = bootstrapOf(account).json;
      expect(json.terraform.backend.local.path).toBe(`../../../state/bootstrap-${account}.tfstate`);
      expect(json.terraform.cloud).toBeUndefined();
      expect(json.provider.aws[0].assume_role[0].role_arn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    }
  });

  test('the OIDC provider is the HCP Terraform host with the workload identity audience', () => {
    for (const b of c.synth.stacks.bootstrap) {
      const providers = c.synth.stack(b.stackName).resources('aws_iam_openid_connect_provider');
      expect(providers.map(([, p]) => [p.url, p.client_id_list])).toEqual([[`https://${c.host}`, ['aws.workload.identity']]]);
    }
  });

  test('every workspace has a plan and an apply role in its account, each trusting exactly its own workspace and run phase', () => {
    let checked = 0;
    for (const account of new Set(workspaces.map((s) => s.account.name))) {
      const roles = rolesOf(bootstrapOf(account));
      const expected = workspaces.filter((s) => s.account.name === account).flatMap((s) => ['plan', 'apply'].map((phase) => [s.stackName, phase] as const));
      expect([...roles.keys()].sort()).toEqual(expected.map(([stack, phase]) => `${c.prefix}-tfc-${stack}-${phase}`).sort());
      for (const [stack, phase] of expected) {
        const subject = `organization:${c.org}:project:${c.project}:workspace:${c.workspacePrefix}${stack}:run_phase:${phase}`;
        expect([stack, phase, trustProblems(roles.get(`${c.prefix}-tfc-${stack}-${phase}`)!.trust, c.host, subject)]).toEqual([stack, phase, []]);
        checked++;
      }
    }
    expect(checked).toBe(workspaces.length * 2);
  });

  test('no role allows or denies a wildcard action', () => {
    const actions = c.synth.stacks.bootstrap.flatMap((b) => [...rolesOf(c.synth.stack(b.stackName)).values()].flatMap((r) => [...r.allow, ...r.deny].flatMap((s) => s.actions ?? [])));
    expect(actions.length).toBeGreaterThan(100);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  test("each role allows every action its stack's resource types need, and a plan role no write", () => {
    const writes = new Set(Object.values(RESOURCE_PERMISSIONS).flatMap((p) => p.write));
    const reads = new Set(Object.values(RESOURCE_PERMISSIONS).flatMap((p) => p.read));
    for (const stack of workspaces) {
      const roles = rolesOf(bootstrapOf(stack.account.name));
      const types = typesOf(c.synth.stack(stack.stackName));
      expect(types.length).toBeGreaterThan(3);
      const plan = roles.get(`${c.prefix}-tfc-${stack.stackName}-plan`)!;
      const apply = roles.get(`${c.prefix}-tfc-${stack.stackName}-apply`)!;
      const allowed = (r: typeof plan) => new Set(r.allow.flatMap((s) => s.actions ?? []));
      const needPlan = types.flatMap((t) => RESOURCE_PERMISSIONS[t].read);
      const needApply = types.flatMap((t) => [...RESOURCE_PERMISSIONS[t].read, ...RESOURCE_PERMISSIONS[t].write]);
      expect([stack.stackName, 'plan', needPlan.filter((a) => !allowed(plan).has(a))]).toEqual([stack.stackName, 'plan', []]);
      expect([stack.stackName, 'apply', needApply.filter((a) => !allowed(apply).has(a))]).toEqual([stack.stackName, 'apply', []]);
      expect([stack.stackName, [...allowed(plan)].filter((a) => writes.has(a) && !reads.has(a))]).toEqual([stack.stackName, []]);
      // A deny only ever names the workspace roles, so it takes nothing the stack's own resources need.
      for (const d of [...plan.deny, ...apply.deny]) expect(d.resources).toEqual([`arn:aws:iam::${stack.account.id}:role/${c.prefix}-tfc-*`]);
    }
  });

  test('every policy fits the 10,240 characters IAM allows a role inline', () => {
    for (const b of c.synth.stacks.bootstrap) {
      const stack = c.synth.stack(b.stackName);
      for (const [, policy] of stack.resources('aws_iam_role_policy')) {
        const doc = stack.policyDocument(policy.policy);
        const json = JSON.stringify({ Version: '2012-10-17', Statement: doc.statement.map((s: PolicyStatement) => ({ Effect: s.effect, Action: s.actions, Resource: s.resources })) });
        expect([policy.role, json.length < 10_240]).toEqual([policy.role, true]);
      }
    }
  });
});

describe('the trust check itself', () => {
  const synth = cases[0].synth;
  const roles = rolesOf(synth.stack('bootstrap-ems'));
  const trust = roles.get('trailbridge-tfc-observability-apply')!.trust;
  const subject = 'organization:acme:project:Default Project:workspace:trailbridge-observability:run_phase:apply';
  const withSub = (test: string, value: string): PolicyStatement[] =>
    trust.map((s) => ({ ...s, condition: s.condition!.map((c) => (c.variable.endsWith(':sub') ? { ...c, test, values: [value] } : c)) }));

  test('holds for the generated trust', () => expect(trustProblems(trust, 'app.terraform.io', subject)).toEqual([]));
  test('fails a role that trusts every workspace', () => {
    expect(trustProblems(withSub('StringLike', 'organization:acme:project:Default Project:workspace:*:run_phase:apply'), 'app.terraform.io', subject)).not.toEqual([]);
  });
  test('fails a role that trusts another organization', () => {
    expect(trustProblems(withSub('StringEquals', subject.replace('organization:acme', 'organization:evil')), 'app.terraform.io', subject)).not.toEqual([]);
  });
  test('fails a role without the audience', () => {
    expect(trustProblems(trust.map((s) => ({ ...s, condition: s.condition!.filter((c) => c.variable.endsWith(':sub')) })), 'app.terraform.io', subject)).not.toEqual([]);
  });
  test("fails the other phase's role", () => {
    expect(trustProblems(roles.get('trailbridge-tfc-observability-plan')!.trust, 'app.terraform.io', subject)).not.toEqual([]);
  });
});

describe('bootstrap options', () => {
  test('a Terraform Enterprise host names the provider and the claim keys; the project and state directory follow the backend', () => {
    const synth = synthesize(defaultCloudTopology({ hostname: 'tfe.example.com', project: 'audit', bootstrapStateDirectory: 'ops/state' }));
    const bootstrap = synth.stack('bootstrap-test');
    expect(bootstrap.resources('aws_iam_openid_connect_provider')[0][1].url).toBe('https://tfe.example.com');
    expect(bootstrap.json.terraform.backend.local.path).toBe('../../../ops/state/bootstrap-test.tfstate');
    const trust = rolesOf(bootstrap).get('trailbridge-tfc-source-test-plan')!.trust;
    expect(trustProblems(trust, 'tfe.example.com', 'organization:acme:project:audit:workspace:trailbridge-source-test:run_phase:plan')).toEqual([]);
  });

  test('without dynamic credentials there is no bootstrap stack', () => {
    expect(synthesize(defaultCloudTopology({ dynamicCredentials: false })).stacks.bootstrap).toEqual([]);
    expect(synthesize(topologyWith()).stacks.bootstrap).toEqual([]);
  });

  test('each workspace depends on its account\'s bootstrap, so cdktf deploy creates the roles first', () => {
    const synth = cases[0].synth;
    for (const stack of synth.stacks.workspaces) {
      expect([stack.stackName, stack.dependencies.map((d) => (d as typeof stack).stackName)]).toEqual([stack.stackName, expect.arrayContaining([`bootstrap-${stack.account.name}`])]);
    }
  });
});
