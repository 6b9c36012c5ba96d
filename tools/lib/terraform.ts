import { spawnSync } from 'node:child_process';
import { ProcessResult, runProcess } from './process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where this machine keeps an offline copy of the AWS provider (see DESIGN.md). */
export const PROVIDER_MIRROR = process.env.TRAILBRIDGE_PROVIDER_MIRROR ?? '/opt/tf-plugins';

/** The terraform binary, or a clear error saying how to get one. */
export function terraformBinary(): string {
  const bin = process.env.TERRAFORM_BIN ?? 'terraform';
  const probe = spawnSync(bin, ['version', '-json'], { encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `terraform is not installed or not on PATH (tried ${JSON.stringify(bin)}); install Terraform >= 1.10 from https://developer.hashicorp.com/terraform/install or set TERRAFORM_BIN`,
    );
  }
  return bin;
}

let cliConfigFile: string | undefined;

/**
 * Environment for every terraform run: no checkpoint calls, and, when the provider mirror
 * exists, a CLI config in a temp dir (never the user's home) that installs providers from it
 * only, so init works offline. Elsewhere the registry is used as usual.
 * TF_CLI_CONFIG_FILE, when it names an existing file, is respected instead.
 */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', ...extra };
  // A user's own CLI config wins, but only if it exists: a dangling TF_CLI_CONFIG_FILE makes
  // terraform warn and fall back to the registry.
  const userConfig = process.env.TF_CLI_CONFIG_FILE;
  if (existsSync(PROVIDER_MIRROR) && !(userConfig && existsSync(userConfig))) {
    if (!cliConfigFile) {
      const dir = mkdtempSync(join(tmpdir(), 'trailbridge-tf-'));
      // One plugin cache per machine: the 700 MB provider is copied once, then linked.
      const cache = join(tmpdir(), 'trailbridge-tf-plugin-cache');
      cliConfigFile = join(dir, 'terraform.rc');
      writeFileSync(
        cliConfigFile,
        `disable_checkpoint = true\nplugin_cache_dir = "${cache}"\nprovider_installation {\n  filesystem_mirror {\n    path = "${PROVIDER_MIRROR}"\n  }\n}\n`,
      );
      // Terraform refuses a plugin cache directory that does not exist.
      mkdirSync(cache, { recursive: true });
    }
    env.TF_CLI_CONFIG_FILE = cliConfigFile;
  }
  return env;
}

export type RunResult = ProcessResult;

/** Runs terraform in a directory and collects its output. */
export function runTerraform(cwd: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runProcess(terraformBinary(), args, { cwd, env: terraformEnv(extraEnv) });
}

/** Runs async jobs with at most `limit` at a time, keeping input order in the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await job(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}

/** `terraform fmt` of HCL text (through stdin), so rendered HCL is canonical. */
export async function formatHcl(hcl: string): Promise<string> {
  const fmt = await runProcess(terraformBinary(), ['fmt', '-no-color', '-'], { env: terraformEnv(), input: hcl });
  if (fmt.code !== 0) throw new Error(`terraform fmt rejected the rendered HCL:\n${fmt.stderr}`);
  return fmt.stdout;
}
