import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';

/**
 * Children that each run in a process group of their own, so whatever they start (terraform's
 * provider plugins, one ~100 MB process per aliased provider) is signalled and killed with them.
 * A provider whose terraform died keeps running with init as its parent, and a child left in the
 * terminal's group would take the terminal's Ctrl-C itself, before its parent could stop it in
 * order.
 */
export class ProcessGroups {
  /** Leader pid (= the group id) -> the leader, while the group may have members. */
  private readonly groups = new Map<number, ChildProcess>();
  private readonly interrupted = new Set<number>();

  /** Spawns `bin` as the leader of a new process group. */
  spawn(bin: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(bin, args, { ...options, detached: true });
    const pid = child.pid;
    if (pid === undefined) return child; // it failed to start: 'error' follows, nothing to track
    this.groups.set(pid, child);
    child.once('exit', () => {
      // What the leader leaves behind has lost its parent: a provider terraform did not stop.
      signalGroup(pid, 'SIGKILL');
      this.groups.delete(pid);
      this.interrupted.delete(pid);
    });
    return child;
  }

  /** Group ids of the leaders still running. */
  get running(): number[] {
    return [...this.groups.keys()];
  }

  /**
   * Asks a leader to stop (SIGINT: terraform finishes the operations in flight and saves its
   * state; its providers ignore SIGINT and are stopped by terraform); after `graceMs` the whole
   * group is killed. A second SIGINT would make terraform exit at once, so it is sent only once.
   */
  interrupt(child: ChildProcess, graceMs: number): void {
    const pid = child.pid;
    if (pid === undefined || !this.groups.has(pid) || this.interrupted.has(pid)) return;
    this.interrupted.add(pid);
    child.kill('SIGINT');
    setTimeout(() => {
      if (this.groups.has(pid)) signalGroup(pid, 'SIGKILL');
    }, graceMs).unref();
  }

  /** Interrupts every leader, waits up to `graceMs` for them to exit, then kills every group that is left. */
  async stopAll(graceMs: number): Promise<void> {
    const leaders = [...this.groups.values()];
    const exited = leaders.map((child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))));
    for (const child of leaders) this.interrupt(child, graceMs);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exited), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.killAll();
  }

  /** SIGKILL to every group at once: a second Ctrl-C, or the grace is over. */
  killAll(): void {
    for (const pid of this.groups.keys()) signalGroup(pid, 'SIGKILL');
  }
}

/**
 * The process-wide registry: a signal reaches the process, not a component, so its handler must
 * find every child group wherever in the run it was started.
 */
export const childProcessGroups = new ProcessGroups();

/** The exit status of a process ended by `signal`, as a shell reports it (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    // ESRCH: the group has no member left, which is the goal.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
