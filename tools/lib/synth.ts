import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { Topology } from '../../config/schema';
import { buildStacks } from '../../stacks/app';
import { withoutCreationStacks } from './creation-stacks';

export interface SynthOptions {
  readonly topology: Topology;
  /** @default $CDKTF_OUTDIR, else 'cdktf.out' in the working directory (as cdktf's App) */
  readonly outdir?: string;
  /** Write cdk.tf (HCL) instead of cdk.tf.json. @default false */
  readonly hcl?: boolean;
}

export interface SynthResult {
  readonly outdir: string;
  /** Stack name -> its directory. */
  readonly stackDirs: ReadonlyMap<string, string>;
}

/** Synthesizes every stack in-process, as `cdktf synth` does, into a clean output directory. */
export function synthTopology(options: SynthOptions): SynthResult {
  const outdir = resolve(options.outdir ?? process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  rmSync(join(outdir, 'stacks'), { recursive: true, force: true });
  const app = new App({ outdir, hclOutput: options.hcl ?? false });
  withoutCreationStacks(() => {
    buildStacks(app, options.topology);
    app.synth();
  });
  return { outdir, stackDirs: stackDirectories(outdir) };
}

/** The stacks of an existing synth output. */
export function stackDirectories(outdir: string): Map<string, string> {
  const stacksDir = join(outdir, 'stacks');
  return new Map(
    readdirSync(stacksDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
      .map((name) => [name, join(stacksDir, name)]),
  );
}
