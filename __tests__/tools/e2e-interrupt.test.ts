import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithTool } from '../support/required-tools';

/**
 * `npm run e2e` stopped by SIGTERM in the middle of its first `terraform apply` leaves nothing
 * running: no terraform, no provider plugin, no moto_server. The run applies one small stack
 * (`--only incident-response`) and is interrupted as soon as terraform has started a provider.
 */

const ROOT = join(__dirname, '..', '..');
const PROVIDER_TIMEOUT_MS = 150_000;
/** The run's own grace for terraform (15 s) plus stopping the emulator, on a loaded machine. */
const EXIT_TIMEOUT_MS = 60_000;

interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** Clock ticks since boot: with the pid, names one process even if the pid is reused. */
  readonly startTime: string;
  readonly cmdline: string;
}

function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    if (fields[0] === 'Z') return undefined; // a zombie is already dead, waiting to be reaped
    return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: fields[19], cmdline };
  } catch {
    return undefined; // exited while we looked
  }
}

function allProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => processInfo(Number(name)))
    .filter((p): p is ProcessInfo => p !== undefined);
}

/** Every process below `root`, by parent links. */
function descendants(root: number, processes: readonly ProcessInfo[]): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const children = processes.filter((p) => frontier.includes(p.ppid));
    found.push(...children);
    frontier = children.map((p) => p.pid);
  }
  return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithTool('terraform', 'npm run e2e interrupted', () => {
  describeWithTool('moto_server', 'by SIGTERM mid-apply', () => {
    test('exits non-zero and leaves no terraform, provider or emulator process of the run', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tools', 'e2e.ts'), '--only', 'incident-response'], {
        cwd: ROOT,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own group, so the test can clean up whatever it leaves if an assertion fails.
        detached: true,
      });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
      const root = child.pid!;
      const seen = new Map<string, ProcessInfo>();
      const remember = (list: readonly ProcessInfo[]) => list.forEach((p) => seen.set(`${p.pid}/${p.startTime}`, p));
      try {
        // Wait for a provider plugin under a `terraform apply`: the apply has begun.
        const deadline = Date.now() + PROVIDER_TIMEOUT_MS;
        let provider: ProcessInfo | undefined;
        while (!provider) {
          if (child.exitCode !== null) throw new Error(`the run ended (${child.exitCode}) before an apply started:\n${output.slice(-4000)}`);
          if (Date.now() > deadline) throw new Error(`no terraform apply with a provider within ${PROVIDER_TIMEOUT_MS / 1000}s:\n${output.slice(-4000)}`);
          await sleep(200);
          const below = descendants(root, allProcesses());
          remember(below);
          const applies = new Set(below.filter((p) => / apply /.test(` ${p.cmdline} `) && /terraform/.test(p.cmdline)).map((p) => p.pid));
          provider = below.find((p) => applies.has(p.ppid) && /terraform-provider-aws/.test(p.cmdline));
        }
        expect([...seen.values()].some((p) => /moto_server/.test(p.cmdline))).toBe(true);

        process.kill(root, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const result = await Promise.race([exited, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), EXIT_TIMEOUT_MS)))]);
        clearTimeout(timer);
        if (!result) throw new Error(`the run did not exit within ${EXIT_TIMEOUT_MS / 1000}s of SIGTERM:\n${output.slice(-4000)}`);

        // Left: a process the run started, or any process in one of its process groups.
        const groups = new Set([...seen.values()].map((p) => p.pgid));
        const left = allProcesses().filter((p) => seen.has(`${p.pid}/${p.startTime}`) || groups.has(p.pgid));
        expect(seen.size).toBeGreaterThanOrEqual(3); // moto_server, terraform, a provider at least
        expect(left.map((p) => `${p.pid} ${p.cmdline}`)).toEqual([]);
        expect(result).toEqual({ code: 143, signal: null });
        expect(output).toMatch(/SIGTERM: interrupting terraform/);
        // terraform ran in a group of its own, with its providers in it.
        const terraform = seen.get([...seen.keys()].find((k) => seen.get(k)!.pid === provider!.ppid)!)!;
        expect(terraform.pgid).toBe(terraform.pid);
        expect(provider.pgid).toBe(terraform.pid);
      } finally {
        // Whatever the outcome, nothing of this test outlives it (only processes it saw, by pid and start time).
        const leftovers = [root, ...allProcesses().filter((p) => p.pid !== root && seen.has(`${p.pid}/${p.startTime}`)).map((p) => p.pid)];
        for (const pid of leftovers) {
          try {
            process.kill(pid === root ? -root : pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    }, PROVIDER_TIMEOUT_MS + EXIT_TIMEOUT_MS + 30_000);
  });
});
