import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import defaultTopologyJson from '../../config/default-topology.json';
import { DEFAULT_ENABLED_REGIONS, KNOWN_REGIONS } from '../../config/regions';
import { TopologyInput } from '../../config/schema';
import { PROJECT_ROOT } from '../../config/paths';
import { startMoto } from '../lib/moto';
import { terraformBinary, terraformEnv } from '../lib/terraform';
import { TSX_CLI } from './synth-bench';

/**
 * `npm run bench -- scale`: what each way of deploying the regional forwarding (docs/scale.md)
 * costs. terraform plan of one source (or of the organization's StackSet) with 3, 17 and 33
 * regions against moto: peak proportional set size of terraform and every provider process
 * (/proc/PID/smaps_rollup over the process tree, sampled), and how many provider processes ran;
 * synth time and output size with 20, 100 and 500 accounts.
 */

export const SCALE_MODES = ['providers', 'stackset', 'organization'] as const;
export type ScaleMode = (typeof SCALE_MODES)[number];
export const PLAN_REGION_COUNTS = [3, 17, 33] as const;
export const SYNTH_ACCOUNT_COUNTS = [20, 100, 500] as const;
/** Regions of the synth rows: the 17 a new account has enabled. */
const SYNTH_REGIONS = DEFAULT_ENABLED_REGIONS.length;
const SAMPLE_MS = 100;
const MiB = 1024 * 1024;

export interface PlanFigure {
  readonly mode: ScaleMode;
  readonly regions: number;
  readonly accounts: number;
  readonly peakPssMiB: number;
  readonly providerProcesses: number;
  readonly seconds: number;
}

export interface SynthScaleFigure {
  readonly mode: ScaleMode;
  readonly accounts: number;
  readonly seconds: number;
  readonly outputMiB: number;
}

/** The regions of a row: us-east-1 first (home), then the default-enabled ones, then the opt-in ones. */
export function regionsFor(count: number): string[] {
  const ordered = ['us-east-1', ...KNOWN_REGIONS.filter((r) => r !== 'us-east-1')];
  if (count > ordered.length) throw new Error(`${count} regions asked, ${ordered.length} known`);
  return ordered.slice(0, count);
}

const accountId = (i: number) => String(600000000000 + i);

/**
 * A topology of `accounts` forwarding accounts in one mode: listed sources (providers, stackset),
 * or OUs of 50 listed member accounts and one listed source (organization).
 */
export function scaleTopology(mode: ScaleMode, regions: number, accounts: number): TopologyInput {
  const doc = structuredClone(defaultTopologyJson) as TopologyInput;
  doc.regions = regionsFor(regions);
  doc.homeRegion = 'us-east-1';
  doc.organization = { id: 'o-b3nch0000a' };
  // The plan runs against moto, which cannot describe a key of another account through its alias.
  doc.trails = { resolveKeyArn: false };
  const singletons = doc.accounts.filter((a) => !a.roles.includes('source'));
  const source = (i: number) => ({
    name: `src-${String(i).padStart(3, '0')}`,
    id: accountId(i),
    roles: ['source' as const],
    source: { bucketName: `bench-trail-src-${String(i).padStart(3, '0')}`, forwardingDeployment: mode === 'stackset' ? ('stackset' as const) : ('providers' as const) },
  });
  if (mode === 'organization') {
    const members = Array.from({ length: accounts }, (_, i) => accountId(1000 + i));
    const ous = Array.from({ length: Math.ceil(accounts / 50) }, (_, o) => ({ id: `ou-b3nc-${String(o).padStart(8, '0')}`, accounts: members.slice(o * 50, o * 50 + 50) }));
    doc.accounts = [{ ...source(1), source: { ...source(1).source, forwardingDeployment: 'stackset' } }, ...singletons];
    doc.organizationForwarding = { deployFrom: 'security', organizationalUnits: ous };
  } else {
    doc.accounts = [...Array.from({ length: accounts }, (_, i) => source(i + 1)), ...singletons];
  }
  return doc;
}

/** The stack whose plan a row measures. */
export function plannedStack(mode: ScaleMode): string {
  return mode === 'organization' ? 'organization-forwarding' : 'source-src-001';
}

function synthInto(topology: TopologyInput, dir: string): { seconds: number; stacksDir: string } {
  const file = join(dir, 'topology.json');
  writeFileSync(file, JSON.stringify(topology));
  const outdir = join(dir, 'out');
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [TSX_CLI, 'main.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, TRAILBRIDGE_TOPOLOGY: file, CDKTF_OUTDIR: outdir, CI: 'true' } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`synth failed:\n${run.stderr || run.stdout}`);
  return { seconds, stacksDir: join(outdir, 'stacks') };
}

function bytesUnder(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? bytesUnder(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

/** The PIDs of a process and all its descendants (from /proc/PID/task/TID/children). */
function processTree(root: number): number[] {
  const out: number[] = [];
  const visit = (pid: number) => {
    out.push(pid);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.trim().split(/\s+/).filter(Boolean)) visit(Number(child));
    }
  };
  visit(root);
  return out;
}

/** Proportional set size in bytes (pages shared between the providers count once in total). */
function pss(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function isProvider(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('terraform-provider-aws');
  } catch {
    return false;
  }
}

/** Runs terraform in `dir`, sampling the process tree; resolves with the peak and the providers seen. */
function sampledTerraform(dir: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ peakPss: number; providers: number; code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(terraformBinary(), [...args], { cwd: dir, env: terraformEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    let peakPss = 0;
    const providers = new Set<number>();
    const timer = setInterval(() => {
      const tree = processTree(child.pid!);
      peakPss = Math.max(peakPss, tree.reduce((n, pid) => n + pss(pid), 0));
      for (const pid of tree) if (isProvider(pid)) providers.add(pid);
    }, SAMPLE_MS);
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ peakPss, providers: providers.size, code: code ?? 1, stderr });
    });
  });
}

async function planRow(mode: ScaleMode, regions: number, accounts: number, endpoint: string, log: (line: string) => void): Promise<PlanFigure> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-plan-'));
  try {
    const { stacksDir } = synthInto(scaleTopology(mode, regions, accounts), dir);
    const stackDir = join(stacksDir, plannedStack(mode));
    const env = { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
    // With the backend: plan refuses a configuration whose backend init skipped. The state path
    // is relative, so it lands in this row's temporary directory.
    const init = spawnSync(terraformBinary(), ['init', '-input=false', '-no-color'], { cwd: stackDir, env: terraformEnv(env), encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`terraform init of ${plannedStack(mode)} failed:\n${init.stderr}`);
    const started = Date.now();
    const plan = await sampledTerraform(stackDir, ['plan', '-input=false', '-refresh=false', '-lock=false', '-no-color'], env);
    if (plan.code !== 0) throw new Error(`terraform plan of ${plannedStack(mode)} (${mode}, ${regions} regions) failed:\n${plan.stderr}`);
    const row = { mode, regions, accounts, peakPssMiB: Math.round(plan.peakPss / MiB), providerProcesses: plan.providers, seconds: (Date.now() - started) / 1000 };
    log(`plan ${mode} ${regions} regions, ${accounts} accounts: ${row.peakPssMiB} MiB PSS, ${row.providerProcesses} provider processes, ${row.seconds.toFixed(1)} s`);
    return row;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function synthRow(mode: ScaleMode, accounts: number, log: (line: string) => void): SynthScaleFigure {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-synth-'));
  try {
    const { seconds, stacksDir } = synthInto(scaleTopology(mode, SYNTH_REGIONS, accounts), dir);
    const row = { mode, accounts, seconds: Math.round(seconds * 100) / 100, outputMiB: Math.round((bytesUnder(stacksDir) / MiB) * 10) / 10 };
    log(`synth ${mode} ${accounts} accounts: ${row.seconds} s, ${row.outputMiB} MiB`);
    return row;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ScaleResults {
  readonly plans: PlanFigure[];
  readonly synth: SynthScaleFigure[];
}

export interface PlanRowSpec {
  readonly mode: ScaleMode;
  readonly regions: number;
  readonly accounts: number;
}

export interface SynthRowSpec {
  readonly mode: ScaleMode;
  readonly accounts: number;
}

/**
 * The rows of a run. The full set (on 2 loaded cores: 12 minutes of plans, then well over 20 of synth) is every mode x 3, 17, 33
 * regions, the organization stack at 33 regions with 20 and 500 accounts, and synth of every mode
 * x 20, 100, 500 accounts. `--quick` keeps the rows the targets are read from (the StackSet modes
 * at 33 regions, the organization at 20 and 500 accounts, synth of 500 accounts in the StackSet
 * modes) and one providers row to hold them against.
 */
export function scaleRows(quick: boolean): { plans: PlanRowSpec[]; synth: SynthRowSpec[] } {
  // Organization mode: the plan's size must not follow the number of accounts.
  const organizationByAccounts = [20, 500].map((accounts) => ({ mode: 'organization' as const, regions: 33, accounts }));
  if (quick) {
    return {
      plans: [{ mode: 'providers', regions: 3, accounts: 1 }, { mode: 'stackset', regions: 33, accounts: 1 }, ...organizationByAccounts],
      synth: (['stackset', 'organization'] as const).map((mode) => ({ mode, accounts: 500 })),
    };
  }
  return {
    plans: [...SCALE_MODES.flatMap((mode) => PLAN_REGION_COUNTS.map((regions) => ({ mode, regions, accounts: 1 }))), ...organizationByAccounts],
    synth: SCALE_MODES.flatMap((mode) => SYNTH_ACCOUNT_COUNTS.map((accounts) => ({ mode, accounts }))),
  };
}

/** Every row of the set, one at a time (the plans' memory must not overlap). */
export async function benchScale(log: (line: string) => void, options: { readonly quick?: boolean } = {}): Promise<ScaleResults> {
  const rows = scaleRows(options.quick ?? false);
  const moto = await startMoto();
  const plans: PlanFigure[] = [];
  try {
    for (const row of rows.plans) plans.push(await planRow(row.mode, row.regions, row.accounts, moto.endpoint, log));
  } finally {
    await moto.stop();
  }
  const synth = rows.synth.map((row) => synthRow(row.mode, row.accounts, log));
  return { plans, synth };
}

export function scaleMarkdown(results: ScaleResults): string {
  const lines = [
    '| mode | regions | accounts | plan peak PSS (MiB) | provider processes | plan (s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.plans.map((p) => `| ${p.mode} | ${p.regions} | ${p.accounts} | ${p.peakPssMiB} | ${p.providerProcesses} | ${p.seconds.toFixed(1)} |`),
    '',
    `| mode | accounts (${SYNTH_REGIONS} regions) | synth, app alone (s) | output (MiB) |`,
    '| --- | ---: | ---: | ---: |',
    ...results.synth.map((s) => `| ${s.mode} | ${s.accounts} | ${s.seconds.toFixed(2)} | ${s.outputMiB.toFixed(1)} |`),
  ];
  return `${lines.join('\n')}\n`;
}
