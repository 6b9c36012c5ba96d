import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Testing } from 'cdktf';
// Declares cdktf's Jest matchers (toHaveProviderWithProperties, ...) for the type checker.
import 'cdktf/lib/testing/adapters/jest';
import { synthTopology } from '../../tools/lib/synth';
import { synthesize, topologyWith } from '../support/synth';

Testing.setupJest();

describe('stacks of the default topology', () => {
  const synthesized = synthesize();

  test('one stack per role instance, named <component>-<env>', () => {
    expect([...synthesized.byName.keys()].sort()).toEqual(
      ['incident-response', 'log-archive', 'observability', 'security-events', 'source-prod', 'source-test'].sort(),
    );
  });

  test('every stack has a provider per region it needs, in its own account, through the deploy role', () => {
    expect(synthesized.byName.size).toBe(6);
    for (const [name, stack] of synthesized.byName) {
      const providers: any[] = stack.json.provider.aws;
      const account = synthesized.stacks.all.find((s) => s.stackName === name)!.account;
      for (const p of providers) {
        expect(p.allowed_account_ids).toEqual([account.id]);
        expect(p.assume_role).toEqual([{ role_arn: `arn:aws:iam::${account.id}:role/OrganizationAccountAccessRole`, session_name: 'trailbridge' }]);
        expect(p.default_tags[0].tags).toEqual({ 'managed-by': 'trailbridge', 'trailbridge:stack': name, 'trailbridge:role': account.roles.join('+') });
      }
      const unaliased = providers.filter((p) => p.alias === undefined);
      expect(unaliased).toHaveLength(1);
      expect(unaliased[0].region).toBe('us-east-1');
    }
  });

  test('source stacks get an aliased provider for every other enabled region', () => {
    const providers: any[] = synthesized.stack('source-test').json.provider.aws;
    expect(providers.map((p) => [p.alias ?? null, p.region])).toEqual([
      [null, 'us-east-1'],
      ['us-east-2', 'us-east-2'],
      ['eu-west-1', 'eu-west-1'],
    ]);
  });

  test('cdktf matchers: each source stack has a provider for eu-west-1 in its own account', () => {
    expect(synthesized.stacks.sources).toHaveLength(2);
    for (const source of synthesized.stacks.sources) {
      const json = Testing.synth(source);
      expect(json).toHaveProviderWithProperties(AwsProvider, { alias: 'eu-west-1', region: 'eu-west-1', allowed_account_ids: [source.account.id] });
      expect(json).not.toHaveProviderWithProperties(AwsProvider, { alias: 'ap-south-1' });
    }
  });

  test('the provider is pinned to the mirrored version with its full source address', () => {
    expect(synthesized.byName.size).toBe(6);
    for (const stack of synthesized.byName.values()) {
      expect(stack.json.terraform.required_providers.aws).toEqual({ source: 'hashicorp/aws', version: '5.100.0' });
    }
  });

  test('every stack asks for a Terraform that has write-only arguments (the operator secrets use value_wo)', () => {
    for (const stack of synthesized.byName.values()) {
      expect(stack.json.terraform.required_version).toBe('>= 1.11.0');
    }
  });

  test('deploy order: log archive and the central bus before sources, log archive before observability', () => {
    const deps = (stack: { dependencies: { node: { id: string } }[] }) => stack.dependencies.map((d) => d.node.id).sort();
    const { stacks } = synthesized;
    expect(stacks.sources).toHaveLength(2);
    for (const source of stacks.sources) expect(deps(source as any)).toEqual(['log-archive', 'security-events']);
    expect(deps(stacks.observability as any)).toEqual(['log-archive']);
    expect(deps(stacks.logArchive as any)).toEqual([]);
  });

  test('the local backend keeps state under state/<stack>.tfstate, as a relative path', () => {
    expect(synthesized.byName.size).toBe(6);
    for (const [name, stack] of synthesized.byName) {
      expect(stack.json.terraform.backend).toEqual({ local: { path: `../../../state/${name}.tfstate` } });
    }
  });
});

describe('deploy roles and backends', () => {
  test('an account with deployRole false uses the workspace credentials', () => {
    const synthesized = synthesize(topologyWith((t) => (t.accounts[2].deployRole = false)));
    expect(synthesized.stack('log-archive').json.provider.aws).not.toHaveLength(0);
    for (const p of synthesized.stack('log-archive').json.provider.aws) expect(p.assume_role).toBeUndefined();
    expect(synthesized.stack('observability').json.provider.aws).not.toHaveLength(0);
    for (const p of synthesized.stack('observability').json.provider.aws) expect(p.assume_role).toBeDefined();
  });

  test('an external id is passed to assume_role', () => {
    const synthesized = synthesize(topologyWith((t) => (t.deployRole = { roleName: 'Deployer', externalId: 'x-123' })));
    expect(synthesized.stack('source-prod').json.provider.aws[0].assume_role).toEqual([
      { role_arn: 'arn:aws:iam::222222222222:role/Deployer', session_name: 'trailbridge', external_id: 'x-123' },
    ]);
  });

  test('the s3 backend writes one encrypted key per stack with S3-native locking', () => {
    const synthesized = synthesize(topologyWith((t) => (t.backend = { type: 's3', bucket: 'acme-tf-state', region: 'eu-west-1', keyPrefix: 'audit' })));
    expect(synthesized.stack('source-test').json.terraform.backend).toEqual({
      s3: { bucket: 'acme-tf-state', key: 'audit/source-test.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
  });

  test('Terraform Cloud maps each stack to <prefix><stack> in the project', () => {
    const synthesized = synthesize(topologyWith((t) => (t.backend = { type: 'cloud', organization: 'acme', workspacePrefix: 'audit-', project: 'security' })));
    expect(synthesized.stack('observability').json.terraform.cloud).toEqual({
      hostname: 'app.terraform.io',
      organization: 'acme',
      workspaces: { name: 'audit-observability', project: 'security' },
    });
    expect(synthesized.stack('observability').json.terraform.backend).toBeUndefined();
  });
});

describe('synth output', () => {
  function files(dir: string): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    const walk = (d: string) => {
      for (const entry of readdirSync(d)) {
        const full = join(d, entry);
        if (statSync(full).isDirectory()) walk(full);
        else out.set(relative(dir, full), readFileSync(full));
      }
    };
    walk(dir);
    return out;
  }

  test('two synths of the same topology are byte-identical and hold no absolute path', () => {
    const topology = topologyWith();
    const a = synthTopology({ topology, outdir: mkdtempSync(join(tmpdir(), 'synth-a-')) });
    const b = synthTopology({ topology, outdir: mkdtempSync(join(tmpdir(), 'synth-b-')) });
    const filesA = files(a.outdir);
    const filesB = files(b.outdir);
    expect([...filesA.keys()].sort()).toEqual([...filesB.keys()].sort());
    expect(filesA.size).toBeGreaterThan(0);
    for (const [name, content] of filesA) {
      expect({ name, same: content.equals(filesB.get(name)!) }).toEqual({ name, same: true });
      if (name.endsWith('.json')) {
        const text = content.toString('utf8');
        expect({ name, leaks: [a.outdir, b.outdir, process.cwd(), tmpdir()].filter((p) => text.includes(p)) }).toEqual({ name, leaks: [] });
      }
    }
  });
});
