import { spawnSync } from 'node:child_process';
import { ProcessResult, runProcess } from './process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a machine keeps an offline copy of the AWS provider (see DESIGN.md). */
export const DEFAULT_PROVIDER_MIRROR = '/opt/tf-plugins';

/** The terraform binary, or a clear error saying how to get one. */
export function terraformBinary(): string {
  const bin = process.env.TERRAFORM_BIN ?? 'terraform';
  const probe = spawnSync(bin, ['version', '-json'], { encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `terraform is not installed or not on PATH (tried ${JSON.stringify(bin)}); install Terraform >= 1.11 from https://developer.hashicorp.com/terraform/install or set TERRAFORM_BIN`,
    );
  }
  return bin;
}

/**
 * The provider mirror trailbridge's own terraform runs install from, or undefined when the
 * registry is used: the mirror must exist, and a user's own CLI config (TF_CLI_CONFIG_FILE naming
 * an existing file) wins over it.
 */
export function providerMirrorInUse(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const userConfig = env.TF_CLI_CONFIG_FILE;
  // A dangling TF_CLI_CONFIG_FILE makes terraform warn and fall back to the registry, so it does
  // not count as the user's own config.
  if (userConfig && existsSync(userConfig)) return undefined;
  const mirror = env.TRAILBRIDGE_PROVIDER_MIRROR || DEFAULT_PROVIDER_MIRROR;
  return existsSync(mirror) ? mirror : undefined;
}

/** A provider mirror this machine installs from: trailbridge's own, or one the user's CLI config declares. */
export type ProviderMirror = { readonly kind: 'trailbridge'; readonly path: string } | { readonly kind: 'cli-config'; readonly file: string };

/**
 * The mirror terraform installs providers from here, or undefined when it uses the registry. A
 * user's CLI config counts when it declares a filesystem or network mirror.
 */
export function detectProviderMirror(env: NodeJS.ProcessEnv = process.env): ProviderMirror | undefined {
  const userConfig = env.TF_CLI_CONFIG_FILE;
  if (userConfig && existsSync(userConfig)) {
    return /\b(filesystem|network)_mirror\s*\{/.test(readFileSync(userConfig, 'utf8')) ? { kind: 'cli-config', file: userConfig } : undefined;
  }
  const mirror = providerMirrorInUse(env);
  return mirror ? { kind: 'trailbridge', path: mirror } : undefined;
}

/**
 * What a user of the cdktf CLI needs on a machine with a mirror: cdktf runs terraform itself
 * (without trailbridge's generated CLI config), and deploy/diff/destroy first run `terraform
 * providers lock` for every platform, which asks the registry for checksums and fails where it
 * cannot be reached. The README's cdktf CLI section says the same.
 */
export function providerLockHint(mirror: ProviderMirror): string {
  const install =
    mirror.kind === 'trailbridge'
      ? `the cdktf CLI runs terraform itself, so point TF_CLI_CONFIG_FILE at a CLI config with provider_installation { filesystem_mirror { path = "${mirror.path}" } }; `
      : '';
  const where = mirror.kind === 'trailbridge' ? mirror.path : `the mirror in ${mirror.file}`;
  return (
    `hint: providers come from ${where}: ${install}where the registry cannot be reached (air-gapped), add --skip-provider-lock ` +
    `to cdktf deploy, diff and destroy (npx cdktf deploy --skip-provider-lock '*'); without it cdktf runs terraform providers lock, ` +
    `which asks the registry for every platform's checksums and fails`
  );
}

/** The hint when a mirror is in use, else undefined. */
export function providerMirrorHint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const mirror = detectProviderMirror(env);
  return mirror ? providerLockHint(mirror) : undefined;
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
  const mirror = providerMirrorInUse();
  if (mirror) {
    if (!cliConfigFile) {
      const dir = mkdtempSync(join(tmpdir(), 'trailbridge-tf-'));
      // One plugin cache per machine: the 700 MB provider is copied once, then linked. Without a
      // lock file (a fresh stack folder) terraform would otherwise install from the mirror again
      // and replace the cached copy, and a parallel init's provider link then points at nothing
      // ("fork/exec ...terraform-provider-aws...: no such file or directory"). The lock file it
      // writes holds the cached package's checksum, the same as the mirror's.
      const cache = join(tmpdir(), 'trailbridge-tf-plugin-cache');
      cliConfigFile = join(dir, 'terraform.rc');
      writeFileSync(
        cliConfigFile,
        `disable_checkpoint = true\nplugin_cache_dir = "${cache}"\nplugin_cache_may_break_dependency_lock_file = true\nprovider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`,
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
