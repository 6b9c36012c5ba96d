import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The files Terraform would read as a stack's configuration: `npm run synth` writes the JSON,
 * `npm run synth:hcl` the HCL. Terraform loads every one present, so a file left by the other
 * command makes it fail with "Duplicate ... configuration", or read stale HCL.
 */
export const STACK_CONFIGURATION_FILES = ['cdk.tf.json', 'cdk.tf'] as const;
export type StackConfigurationFile = (typeof STACK_CONFIGURATION_FILES)[number];

/** Removes from a stack directory every configuration file but the one just written; returns the removed paths. */
export function keepOnlyConfiguration(stackDir: string, written: StackConfigurationFile): string[] {
  const removed: string[] = [];
  for (const name of STACK_CONFIGURATION_FILES) {
    const file = join(stackDir, name);
    if (name === written || !existsSync(file)) continue;
    rmSync(file);
    removed.push(file);
  }
  return removed;
}

/**
 * After cdktf's synth into `outdir`: every stack keeps only the configuration file its manifest
 * says this synth wrote (`cdk.tf.json`, or `cdk.tf` under `cdktf synth --hcl`).
 */
export function removeStaleConfigurations(outdir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { synthesizedStackPath: string }> };
  return Object.values(manifest.stacks).flatMap(({ synthesizedStackPath }) => {
    const written = basename(synthesizedStackPath);
    if (!(STACK_CONFIGURATION_FILES as readonly string[]).includes(written)) throw new Error(`${outdir}/manifest.json: unexpected stack file ${synthesizedStackPath}`);
    return keepOnlyConfiguration(join(outdir, dirname(synthesizedStackPath)), written as StackConfigurationFile);
  });
}
