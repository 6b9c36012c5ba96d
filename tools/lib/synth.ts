import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { Topology } from '../../config/schema';
import { TrailbridgeStacks, buildStacks } from '../../stacks/app';
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
  buildAndSynth(new App({ outdir, hclOutput: options.hcl ?? false }), options.topology);
  return { outdir, stackDirs: stackDirectories(outdir) };
}

/**
 * Builds the topology's stacks into `app` and synthesizes them, with cdktf's token creation stacks
 * off (./creation-stacks.ts): every synth of the project goes through here.
 */
export function buildAndSynth(app: App, topology: Topology): TrailbridgeStacks {
  return withoutCreationStacks(() => {
    const built = buildStacks(app, topology);
    app.synth();
    return built;
  });
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
