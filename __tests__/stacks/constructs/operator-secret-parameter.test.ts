import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MotoServer, motoClientEnv, startMoto } from '../../../tools/lib/moto';
import { runTerraform } from '../../../tools/lib/terraform';
import { OPERATOR_OWNED_NOTE, OperatorSecretParameter, PLACEHOLDER_VALUE } from '../../../stacks/constructs/operator-secret-parameter';
import { describeWithTool } from '../../support/required-tools';

/**
 * The parameter's life with real Terraform and the AWS provider against moto: created with the
 * placeholder, the operator's token never reset and never in state, and a parameter of the
 * earlier release (plain `value`, ignore_changes ["value"]) moved without losing its token.
 */

const NAME = '/trailbridge/dynatrace/api-token';
const DESCRIPTION = 'Dynatrace Log Ingest API token (logs.ingest scope)';
const TOKEN = 'dt0c01.TESTTOKEN.operator-secret-never-in-state';
const NEXT_TOKEN = 'dt0c01.TESTTOKEN.the-rotated-one';

/** The construct in a stack of its own, as Terraform JSON, with the provider pointed at moto by the environment. */
function currentConfig(kmsKeyArn?: string): Record<string, any> {
  const stack = new TerraformStack(Testing.app(), 'token');
  new AwsProvider(stack, 'aws', { region: 'us-east-1', skipCredentialsValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: 'true' });
  new OperatorSecretParameter(stack, 'api-token', { parameterName: NAME, description: DESCRIPTION, kmsKeyArn });
  return JSON.parse(Testing.synth(stack));
}

/** What the release before the write-only placeholder synthesized for the same construct, at the same address. */
function earlierReleaseConfig(): Record<string, any> {
  const json = currentConfig();
  const [address] = Object.keys(json.resource.aws_ssm_parameter);
  json.resource.aws_ssm_parameter[address] = {
    name: NAME,
    description: 'Dynatrace Log Ingest API token (logs.ingest) of https://abc12345.live.dynatrace.com; set by an operator',
    type: 'SecureString',
    tier: 'Standard',
    value: PLACEHOLDER_VALUE,
    lifecycle: { ignore_changes: ['value'] },
  };
  return json;
}

test('the synthesized parameter has no value, only the write-only placeholder, written once', () => {
  const [body] = Object.values<any>(currentConfig().resource.aws_ssm_parameter);
  expect(body).toMatchObject({ value_wo: PLACEHOLDER_VALUE, value_wo_version: 1, lifecycle: { ignore_changes: ['value_wo_version'] } });
  expect(body.value).toBeUndefined();
  expect(body.description).toBe(`${DESCRIPTION}; ${OPERATOR_OWNED_NOTE}`);
});

describeWithTool('terraform', 'OperatorSecretParameter with terraform', () => {
  describeWithTool('moto_server', 'against moto', () => {
    let moto: MotoServer;
    let ssm: SSMClient;
    let dir: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      moto = await startMoto();
      env = { ...motoClientEnv(moto.endpoint), TF_INPUT: '0' };
      ssm = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      dir = mkdtempSync(join(tmpdir(), 'operator-secret-'));
      writeConfig(currentConfig());
      await terraform(['init', '-input=false']);
    }, 60_000);

    afterAll(async () => {
      ssm?.destroy();
      await moto?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function writeConfig(json: Record<string, any>): void {
      writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(json, null, 2));
    }

    async function terraform(args: string[], okCodes: number[] = [0]): Promise<{ code: number; stdout: string; stderr: string }> {
      const result = await runTerraform(dir, [...args, '-no-color'], env);
      if (!okCodes.includes(result.code)) throw new Error(`terraform ${args.join(' ')} exited ${result.code}:\n${result.stderr || result.stdout}`);
      return result;
    }

    /** `apply` with no changes still saves the refreshed state: it stands for plan, apply and refresh at once. */
    async function applyExpectingNoChanges(): Promise<void> {
      const { stdout } = await terraform(['apply', '-input=false', '-auto-approve']);
      expect(stdout).toMatch(/No changes\. Your infrastructure matches the configuration/);
    }

    const apply = () => terraform(['apply', '-input=false', '-auto-approve']);

    async function deployed(): Promise<{ value: string; version: number }> {
      const { Parameter } = await ssm.send(new GetParameterCommand({ Name: NAME, WithDecryption: true }));
      return { value: Parameter!.Value!, version: Number(Parameter!.Version) };
    }

    async function operatorPuts(value: string, keyId?: string): Promise<void> {
      await ssm.send(new PutParameterCommand({ Name: NAME, Type: 'SecureString', Overwrite: true, Value: value, KeyId: keyId }));
    }

    /** Neither the state file nor its backup holds any value the parameter has had. */
    function expectNoValueInState(files = ['terraform.tfstate', 'terraform.tfstate.backup']): void {
      for (const file of files.map((f) => join(dir, f)).filter(existsSync)) {
        const text = readFileSync(file, 'utf8');
        for (const value of [TOKEN, NEXT_TOKEN, PLACEHOLDER_VALUE]) expect({ file, holds: text.includes(value) ? value : undefined }).toEqual({ file, holds: undefined });
      }
    }

    function stateAttributes(): Record<string, any> {
      const state = JSON.parse(readFileSync(join(dir, 'terraform.tfstate'), 'utf8'));
      const [resource] = state.resources.filter((r: any) => r.type === 'aws_ssm_parameter');
      return resource.instances[0].attributes;
    }

    async function startOver(): Promise<void> {
      await moto.reset();
      for (const file of ['terraform.tfstate', 'terraform.tfstate.backup']) rmSync(join(dir, file), { force: true });
    }

    test('a fresh apply writes the placeholder; no later apply resets the operator token, and state never holds it', async () => {
      await startOver();
      writeConfig(currentConfig());
      await apply();
      expect(await deployed()).toEqual({ value: PLACEHOLDER_VALUE, version: 1 });
      expectNoValueInState();

      await operatorPuts(TOKEN);
      await applyExpectingNoChanges();
      expect(await deployed()).toEqual({ value: TOKEN, version: 2 });
      // Refreshed (version 2), yet no value.
      expect(stateAttributes()).toMatchObject({ has_value_wo: true, value: '', version: 2 });
      expectNoValueInState();

      // Any in-place update needs the value the provider no longer has: refused, nothing reset.
      writeConfig(currentConfig('alias/trailbridge-dynatrace-token-2'));
      const refused = await terraform(['apply', '-input=false', '-auto-approve'], [1]);
      expect(refused.stderr).toMatch(/Value '' at 'value' failed to satisfy constraint/);
      expect(await deployed()).toEqual({ value: TOKEN, version: 2 });
      // The documented way to a new key: the operator puts the token with it.
      await operatorPuts(TOKEN, 'alias/trailbridge-dynatrace-token-2');
      await applyExpectingNoChanges();
      expect(stateAttributes().key_id).toBe('alias/trailbridge-dynatrace-token-2');
      expectNoValueInState();
    });

    test('a parameter of the earlier release keeps its token, which leaves state with the first apply', async () => {
      await startOver();
      writeConfig(earlierReleaseConfig());
      await apply();
      await operatorPuts(TOKEN);
      await applyExpectingNoChanges();
      // What is being fixed: the earlier release's refresh stored the token.
      expect(stateAttributes().value).toBe(TOKEN);

      writeConfig(currentConfig());
      const migration = await terraform(['plan', '-input=false', '-detailed-exitcode', '-out=migration.tfplan'], [2]);
      // Only the description (OPERATOR_OWNED_NOTE); a value_wo_version change would write the placeholder.
      expect(migration.stdout).toMatch(/~ description/);
      expect(migration.stdout).not.toMatch(/value_wo_version/);
      expect(migration.stdout).toMatch(/0 to add, 1 to change, 0 to destroy/);
      expect(migration.stdout).not.toContain(TOKEN);
      await terraform(['apply', '-input=false', 'migration.tfplan']);
      rmSync(join(dir, 'migration.tfplan'));
      // Put again, unchanged: the provider updates a parameter by putting the value it holds.
      expect(await deployed()).toEqual({ value: TOKEN, version: 3 });
      expect(stateAttributes()).toMatchObject({ has_value_wo: true, value: '' });
      // The backup is the state before: it still holds the token (see docs/flow-1-forwarder.md).
      expectNoValueInState(['terraform.tfstate']);

      await operatorPuts(NEXT_TOKEN);
      await applyExpectingNoChanges();
      expect(await deployed()).toEqual({ value: NEXT_TOKEN, version: 4 });
      expect(stateAttributes()).toMatchObject({ value: '', version: 4 });
      // The backup is now the migrated state.
      expectNoValueInState();
    });
  });
});
