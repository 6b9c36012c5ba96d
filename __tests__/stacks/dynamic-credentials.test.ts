import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing } from 'cdktf';
import { Naming } from '../../config/naming';
import { Topology } from '../../config/schema';
import { cloudBackend, dynamicCredentialVariables } from '../../config/terraform-cloud';
import { BootstrapStack } from '../../stacks/bootstrap-stack';
import { TrailbridgeStack } from '../../stacks/trailbridge-stack';
import { toHcl } from '../../tools/lib/hcl';
import { awsProviderShapes } from '../../tools/lib/provider-shapes';
import { formatHcl, runTerraform } from '../../tools/lib/terraform';
import { validateStacks } from '../../tools/validate';
import { describeWithTool } from '../support/required-tools';
import { synthesize } from '../support/synth';
import { defaultCloudTopology } from '../support/topologies';

/** A stack of the ems account that also puts a topic into infosec-mgmt: how a multi-account stack looks. */
class TwoAccountStack extends TrailbridgeStack {
  constructor(scope: App, topology: Topology) {
    const account = (name: string) => topology.accounts.find((a) => a.name === name)!;
    super(scope, 'two-accounts', { topology, naming: new Naming(topology), account: account('ems') });
    new SqsQueue(this, 'queue', { name: 'trailbridge-own' });
    new SnsTopic(this, 'topic', { name: 'trailbridge-other', provider: this.providerIn(account('infosec-mgmt')) });
  }
}

describe('providers with dynamic credentials', () => {
  test("a workspace stack's providers take the workspace role's credentials: no assume_role, the account still pinned", () => {
    const synth = synthesize(defaultCloudTopology());
    const source = synth.stack('source-test');
    expect(source.json.provider.aws.length).toBeGreaterThan(2);
    for (const provider of source.json.provider.aws) {
      expect(provider.assume_role).toBeUndefined();
      expect(provider.shared_config_files).toBeUndefined();
      expect(provider.allowed_account_ids).toEqual(['111111111111']);
    }
    expect(source.json.variable).toBeUndefined();
  });

  test('without dynamic credentials the cloud stacks assume the deploy role as before', () => {
    const provider = synthesize(defaultCloudTopology({ dynamicCredentials: false })).stack('observability').json.provider.aws[0];
    expect(provider.assume_role[0].role_arn).toBe('arn:aws:iam::444444444444:role/OrganizationAccountAccessRole');
  });

  describe('a stack that reaches another account', () => {
    const topology = defaultCloudTopology();
    const app = Testing.app();
    const stack = new TwoAccountStack(app, topology);
    const infosec = topology.accounts.find((a) => a.name === 'infosec-mgmt')!;
    const bootstrap = new BootstrapStack(app, topology, new Naming(topology), cloudBackend(topology)!, infosec, [stack]);
    const json = JSON.parse(Testing.synth(stack));

    test("gets a provider for that account that reads its tagged configuration from HCP Terraform's variable", () => {
      const other = json.provider.aws.find((p: any) => p.alias === 'infosec-mgmt');
      expect(other).toEqual(
        expect.objectContaining({ allowed_account_ids: ['333333333333'], shared_config_files: ['${var.tfc_aws_dynamic_credentials.aliases["infosec_mgmt"].shared_config_file}'] }),
      );
      expect(other.assume_role).toBeUndefined();
      expect(json.resource.aws_sns_topic.topic.provider).toBe('aws.infosec-mgmt');
      expect(json.variable.tfc_aws_dynamic_credentials.type).toBe(
        'object({ default = object({ shared_config_file = string }), aliases = map(object({ shared_config_file = string })) })',
      );
    });

    test('names its resource types per account', () => {
      expect(stack.resourceTypesIn(topology.accounts.find((a) => a.name === 'ems')!)).toEqual(['aws_sqs_queue']);
      expect(stack.resourceTypesIn(infosec)).toEqual(['aws_sns_topic']);
      expect(stack.otherAccounts.map((a) => a.name)).toEqual(['infosec-mgmt']);
    });

    test('its workspace gets a tagged configuration per other account', () => {
      expect(dynamicCredentialVariables(topology, stack)).toEqual({
        TFC_AWS_PROVIDER_AUTH: 'true',
        TFC_AWS_PLAN_ROLE_ARN: 'arn:aws:iam::444444444444:role/trailbridge-tfc-two-accounts-plan',
        TFC_AWS_APPLY_ROLE_ARN: 'arn:aws:iam::444444444444:role/trailbridge-tfc-two-accounts-apply',
        TFC_AWS_PROVIDER_AUTH_infosec_mgmt: 'true',
        TFC_AWS_PLAN_ROLE_ARN_infosec_mgmt: 'arn:aws:iam::333333333333:role/trailbridge-tfc-two-accounts-plan',
        TFC_AWS_APPLY_ROLE_ARN_infosec_mgmt: 'arn:aws:iam::333333333333:role/trailbridge-tfc-two-accounts-apply',
      });
    });

    test("the other account's bootstrap holds its roles there, allowed only what it deploys there", () => {
      const b = JSON.parse(Testing.synth(bootstrap));
      const roles = Object.values<any>(b.resource.aws_iam_role).map((r) => r.name).sort();
      expect(roles).toEqual(['trailbridge-tfc-two-accounts-apply', 'trailbridge-tfc-two-accounts-plan']);
      const actions = Object.entries<any>(b.data.aws_iam_policy_document)
        .filter(([name]) => name.includes('apply-permissions'))
        .flatMap(([, d]) => d.statement.flatMap((s: any) => s.actions));
      expect(actions).toContain('sns:CreateTopic');
      expect(actions.filter((a: string) => a.startsWith('sqs:'))).toEqual([]);
    });
  });
});

describeWithTool('terraform', 'a stack that reaches another account, as Terraform sees it', () => {
  async function writeHcl(dir: string): Promise<void> {
    const doc = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8'));
    writeFileSync(join(dir, 'cdk.tf'), await formatHcl(toHcl(doc, await awsProviderShapes(doc.terraform.required_providers.aws.version))));
    rmSync(join(dir, 'cdk.tf.json'));
  }

  test.each([false, true])('validates with zero warnings and is fmt clean (HCL output: %s)', async (hcl) => {
    const outdir = mkdtempSync(join(tmpdir(), 'two-accounts-'));
    try {
      const app = new App({ outdir });
      new TwoAccountStack(app, defaultCloudTopology());
      app.synth();
      const dir = join(outdir, 'stacks', 'two-accounts');
      // As `npm run synth:hcl` writes it.
      if (hcl) await writeHcl(dir);
      const [result] = await validateStacks(new Map([['two-accounts', dir]]));
      expect(result.diagnostics).toEqual([]);
      if (hcl) {
        expect(readFileSync(join(dir, 'cdk.tf'), 'utf8')).toMatch(/shared_config_files\s*=\s*\[var\.tfc_aws_dynamic_credentials\.aliases\["infosec_mgmt"\]\.shared_config_file\]/);
        const fmt = await runTerraform(dir, ['fmt', '-check', '-diff', '-no-color']);
        expect([fmt.code, fmt.stdout]).toEqual([0, '']);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
