import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import defaultTopologyJson from '../../config/default-topology.json';
import { DEFAULT_ENABLED_REGIONS } from '../../config/regions';
import { TopologyInput } from '../../config/schema';
import { PROJECT_ROOT } from '../../config/paths';

export const TSX_CLI = join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
export const CDKTF_CLI = join(PROJECT_ROOT, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf');

export function defaultBenchTopology(): TopologyInput {
  return structuredClone(defaultTopologyJson) as TopologyInput;
}

/** The benchmark's large topology: 20 source accounts, all 17 default-enabled commercial regions. */
export function largeBenchTopology(): TopologyInput {
  const input = structuredClone(defaultTopologyJson) as TopologyInput;
  input.regions = [...DEFAULT_ENABLED_REGIONS];
  const sources = Array.from({ length: 20 }, (_, i) => ({
    name: `src-${String(i + 1).padStart(2, '0')}`,
    id: String(500000000001 + i),
    roles: ['source' as const],
    source: { bucketName: `bench-trail-src-${String(i + 1).padStart(2, '0')}` },
  }));
  input.accounts = [...sources, ...input.accounts.filter((a) => !a.roles.includes('source'))];
  return input;
}

export interface SynthRun {
  readonly seconds: number;
  readonly resources: number;
}

/** Runs the app alone (`tsx main.ts`) or the cdktf CLI in a fresh process, timed from outside. */
export function timeSynth(topology: TopologyInput, via: 'app' | 'cli'): SynthRun {
  const dir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  const topologyFile = join(dir, 'topology.json');
  writeFileSync(topologyFile, JSON.stringify(topology));
  const outdir = join(dir, 'out');
  const args = via === 'app' ? [TSX_CLI, 'main.ts'] : [CDKTF_CLI, 'synth', '--output', outdir];
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, TRAILBRIDGE_TOPOLOGY: topologyFile, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1', CI: 'true' },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`synth via ${via} failed:\n${run.stderr || run.stdout}`);
  const resources = countResources(join(outdir, 'stacks'));
  rmSync(dir, { recursive: true, force: true });
  return { seconds, resources };
}

/** Resources and data sources in every stack of a synth output. */
export function countResources(stacksDir: string): number {
  let count = 0;
  for (const stack of readdirSync(stacksDir)) {
    const doc = JSON.parse(readFileSync(join(stacksDir, stack, 'cdk.tf.json'), 'utf8'));
    for (const section of [doc.resource ?? {}, doc.data ?? {}]) {
      for (const byName of Object.values(section)) count += Object.keys(byName as object).length;
    }
  }
  return count;
}

/** `npm run validate` on the default topology, timed. */
export function timeValidate(): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [TSX_CLI, 'tools/validate.ts'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDKTF_OUTDIR: mkdtempSync(join(tmpdir(), 'bench-validate-')) },
  });
  if (run.status !== 0) throw new Error(`validate failed:\n${run.stdout}${run.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}
