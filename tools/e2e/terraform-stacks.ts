import { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrailbridgeStack } from '../../stacks/trailbridge-stack';
import { childProcessGroups } from '../lib/process-groups';
import { mapLimit, terraformBinary, terraformEnv } from '../lib/terraform';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Longest a single terraform command may take before it is interrupted (the run has 8 minutes). */
export const COMMAND_TIMEOUT_MS: Readonly<Record<string, number>> = { init: 60_000, apply: 240_000, destroy: 180_000, plan: 120_000 };
const DEFAULT_TIMEOUT_MS = 60_000;
/** After SIGINT terraform saves its state and stops; this long, then SIGKILL to its process group. */
export const INTERRUPT_GRACE_MS = 15_000;

/** Stacks in waves: every stack's dependencies are in an earlier wave. */
export function deployWaves(stacks: readonly TrailbridgeStack[], only?: readonly string[]): string[][] {
  const all = new Map(stacks.map((s) => [s.stackName, s.dependencies.map((d) => (d as TrailbridgeStack).stackName)]));
  const unknown = (only ?? []).filter((name) => !all.has(name));
  if (unknown.length > 0) throw new Error(`no stack ${unknown.join(', ')}; stacks: ${[...all.keys()].join(', ')}`);
  const wanted = new Set<string>();
  const want = (name: string): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    all.get(name)!.forEach(want);
  };
  (only ?? [...all.keys()]).forEach(want);
  const deps = new Map([...all].filter(([name]) => wanted.has(name)));
  const done = new Set<string>();
  const waves: string[][] = [];
  while (done.size < deps.size) {
    const wave = [...deps].filter(([name, on]) => !done.has(name) && on.every((d) => done.has(d))).map(([name]) => name);
    if (wave.length === 0) throw new Error(`stack dependencies form a cycle among ${[...deps.keys()].filter((n) => !done.has(n)).join(', ')}`);
    wave.forEach((n) => done.add(n));
    waves.push(wave);
  }
  return waves;
}

/** The stacks no wave applies (an `--only` run), in the stacks' order: what checks that need them cannot check. */
export function stacksLeftOut(stacks: readonly TrailbridgeStack[], waves: readonly (readonly string[])[]): string[] {
  const applied = new Set(waves.flat());
  return stacks.map((s) => s.stackName).filter((name) => !applied.has(name));
}

/** A change a second `terraform plan` proposes. */
export interface PlannedChange {
  readonly address: string;
  /** create, update, delete, delete+create, ... */
  readonly action: string;
  /** Top-level attributes whose planned value differs from the state (updates and replacements). */
  readonly attributes: readonly string[];
  /** `attribute: before -> after` of each, shortened. */
  readonly details: readonly string[];
  /** The changed attributes' values; `unknown` when known only after apply. */
  readonly values: Readonly<Record<string, { readonly before: unknown; readonly after: unknown; readonly unknown: boolean }>>;
}

export class StackFailure extends Error {
  constructor(
    readonly stack: string,
    readonly command: string,
    readonly output: string,
  ) {
    super(`${stack}: terraform ${command} failed:\n${output}`);
    this.name = 'StackFailure';
  }
}

/**
 * Terraform against the target: the stacks' own providers and backends, unchanged; only the
 * environment points the AWS provider at the endpoint (AWS_ENDPOINT_URL) with credentials that
 * can assume each account's deploy role.
 */
export class TerraformStacks {
  private readonly running = new Set<ChildProcess>();
  private aborted = false;

  constructor(
    readonly stackDirs: ReadonlyMap<string, string>,
    readonly env: NodeJS.ProcessEnv,
    readonly parallelism: number,
  ) {}

  /** Interrupts running commands (terraform saves its state) and refuses new ones. */
  abort(): void {
    this.aborted = true;
    for (const child of this.running) interrupt(child);
  }

  dir(stack: string): string {
    const dir = this.stackDirs.get(stack);
    if (!dir) throw new Error(`no synthesized stack ${stack}`);
    return dir;
  }

  async run(stack: string, args: readonly string[], okCodes: readonly number[] = [0]): Promise<RunResult> {
    if (this.aborted) throw new StackFailure(stack, args[0], 'the run was interrupted');
    const timeoutMs = COMMAND_TIMEOUT_MS[args[0]] ?? DEFAULT_TIMEOUT_MS;
    const result = await this.spawn(this.dir(stack), [...args, '-no-color'], timeoutMs);
    // Kept with the work directory (--keep): what each resource took, for a slow or failed step.
    if (args[0] !== 'show') writeFileSync(join(this.dir(stack), `terraform-${args[0]}.log`), `${result.stdout}\n${result.stderr}`);
    if (result.timedOut) throw new StackFailure(stack, args[0], `interrupted after ${timeoutMs / 1000}s; last output:\n${lastLines(result.stdout, 12)}\n${errorLines(result.stderr)}`);
    if (!okCodes.includes(result.code)) throw new StackFailure(stack, args[0], errorLines(result.stderr || result.stdout));
    return result;
  }

  private spawn(cwd: string, args: readonly string[], timeoutMs: number): Promise<RunResult & { timedOut: boolean }> {
    return new Promise((resolve, reject) => {
      // Its own process group, with its providers: an interrupted run can stop them all.
      const child = childProcessGroups.spawn(terraformBinary(), args, { cwd, env: terraformEnv(this.env), stdio: ['ignore', 'pipe', 'pipe'] });
      this.running.add(child);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        interrupt(child);
      }, timeoutMs);
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('error', (err) => {
        clearTimeout(timer);
        this.running.delete(child);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        this.running.delete(child);
        resolve({ code: code ?? 1, stdout, stderr, timedOut });
      });
    });
  }

  init(stack: string): Promise<RunResult> {
    return this.run(stack, ['init', '-input=false']);
  }

  apply(stack: string): Promise<RunResult> {
    return this.run(stack, ['apply', '-auto-approve', '-input=false']);
  }

  destroy(stack: string): Promise<RunResult> {
    return this.run(stack, ['destroy', '-auto-approve', '-input=false']);
  }

  /** `plan -detailed-exitcode`: the changes it proposes, with the attributes that differ (none when 0). */
  async plan(stack: string): Promise<PlannedChange[]> {
    const planFile = 'e2e.tfplan';
    const result = await this.run(stack, ['plan', '-detailed-exitcode', '-input=false', `-out=${planFile}`], [0, 2]);
    if (result.code === 0) return [];
    const plan = JSON.parse((await this.run(stack, ['show', '-json', planFile])).stdout);
    const changes: PlannedChange[] = [];
    for (const rc of plan.resource_changes ?? []) {
      const actions: string[] = rc.change.actions;
      if (actions.every((a) => a === 'no-op' || a === 'read')) continue;
      const attributes = changedAttributes(rc.change);
      const details = attributes.map((a) => `${a}: ${short(rc.change.before?.[a])} -> ${rc.change.after_unknown?.[a] === true ? '(known after apply)' : short(rc.change.after?.[a])}`);
      const values = Object.fromEntries(
        attributes.map((a) => [a, { before: rc.change.before?.[a], after: rc.change.after?.[a], unknown: rc.change.after_unknown?.[a] === true }]),
      );
      changes.push({ address: rc.address, action: actions.join('+'), attributes, details, values });
    }
    for (const [name, oc] of Object.entries<any>(plan.output_changes ?? {})) {
      if (!oc.actions.every((a: string) => a === 'no-op')) changes.push({ address: `output.${name}`, action: oc.actions.join('+'), attributes: [], details: [], values: {} });
    }
    if (changes.length === 0) changes.push({ address: '(plan exit code 2 without a listed change)', action: 'unknown', attributes: [], details: [], values: {} });
    return changes;
  }

  async resourceCount(stack: string): Promise<number> {
    const result = await this.run(stack, ['state', 'list']);
    return result.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('data.')).length;
  }

  /** `terraform show -json` of the state: resources with their attribute values. */
  async state(stack: string): Promise<StateResource[]> {
    const result = await this.run(stack, ['show', '-json']);
    const root = JSON.parse(result.stdout).values?.root_module;
    return root?.resources ?? [];
  }

  /** Runs a job for every stack, wave by wave, at most `parallelism` at a time within a wave. */
  async eachInWaves<R>(waves: readonly (readonly string[])[], job: (stack: string) => Promise<R>): Promise<Map<string, R>> {
    const results = new Map<string, R>();
    for (const wave of waves) {
      const out = await mapLimit(wave, this.parallelism, async (stack) => [stack, await job(stack)] as const);
      for (const [stack, r] of out) results.set(stack, r);
    }
    return results;
  }
}

export interface StateResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, any>;
}

/** The error blocks of terraform's output, without the progress lines. */
export function errorLines(output: string): string {
  const start = output.indexOf('Error:');
  const text = start >= 0 ? output.slice(start) : output;
  return text.split('\n').filter((l) => !/Still (creating|destroying|modifying)/.test(l)).slice(0, 60).join('\n').trim();
}

function changedAttributes(change: { before?: Record<string, unknown>; after?: Record<string, unknown>; after_unknown?: Record<string, unknown> }): string[] {
  const before = change.before ?? {};
  const after = change.after ?? {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) || change.after_unknown?.[k] === true)
    .sort();
}

function interrupt(child: ChildProcess): void {
  childProcessGroups.interrupt(child, INTERRUPT_GRACE_MS);
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 400 ? `${text.slice(0, 400)}...` : text;
}
