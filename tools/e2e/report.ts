import { CheckLine } from './flow2-events';
import { ForwardingRun } from './forwarding-check';
import { Leftover } from './inventory';
import { PlanQuirk } from './quirks';
import { PlannedChange } from './terraform-stacks';
import { EmulatorSwitch } from './topology';

export interface Failure {
  readonly step: string;
  readonly message: string;
}

/** What a run did and what went wrong, printed at the end. */
export class Report {
  constructor(private readonly onFailure: (failure: Failure) => void = () => undefined) {}

  stacks: string[] = [];
  switches: EmulatorSwitch[] = [];
  readonly applied = new Map<string, { resources: number; seconds: number }>();
  records = 0;
  forwarding: ForwardingRun[] = [];
  /** The checks of flow 2 (central bus, IDR bus), one line each. */
  flow2: CheckLine[] = [];
  /** Emulator limits the flow-2 checks ran into. */
  flow2Notes: string[] = [];
  /** Seconds of each flow-2 section. */
  flow2Seconds = new Map<string, number>();
  readonly tolerated: { stack: string; change: PlannedChange; quirk: PlanQuirk }[] = [];
  leftovers: (Leftover & { account: string; region: string })[] = [];
  /** Emulator bugs the run works around at run time (not in the Terraform), printed. */
  readonly workarounds: { name: string; why: string }[] = [];
  readonly seconds = new Map<string, number>();
  readonly failures: Failure[] = [];

  fail(step: string, message: string): void {
    const failure = { step, message };
    this.failures.push(failure);
    this.onFailure(failure);
  }

  get ok(): boolean {
    return this.failures.length === 0;
  }

  render(totalSeconds: number): string {
    const lines: string[] = ['', '== trailbridge e2e report =='];
    const resources = [...this.applied.values()].reduce((n, a) => n + a.resources, 0);
    lines.push(`stacks applied: ${this.applied.size}/${this.stacks.length}, ${resources} resources`);
    for (const stack of this.stacks) {
      const a = this.applied.get(stack);
      lines.push(`  ${a ? 'ok  ' : 'FAIL'} ${stack}${a ? ` (${a.resources} resources, ${a.seconds.toFixed(1)}s)` : ''}`);
    }
    lines.push(`records through: ${this.forwarding.map((r) => `${r.label}: ${r.accepted}/${this.records} accepted${r.tickets ? `, ${r.tickets} tickets, ${r.replayed} replayed` : ''}`).join('; ') || 'none'}`);
    lines.push(`flow 2 checks: ${this.flow2.filter((l) => l.ok).length}/${this.flow2.length} held (${[...this.flow2Seconds].map(([n, s]) => `${n} ${s.toFixed(1)}s`).join(', ')})`);
    for (const l of this.flow2) lines.push(`  ${l.ok ? 'ok  ' : 'FAIL'} ${l.text}`);
    for (const n of this.flow2Notes) lines.push(`  note: ${n}`);
    lines.push('left out for the emulator:');
    for (const s of this.switches) lines.push(`  - ${s.option} = ${JSON.stringify(s.value)}: ${s.leavesOut} (${s.why})`);
    if (this.workarounds.length > 0) {
      lines.push('emulator bugs worked around at run time:');
      for (const w of this.workarounds) lines.push(`  - ${w.name}: ${w.why}`);
    }
    if (this.tolerated.length > 0) {
      lines.push('tolerated emulator quirks in the second plan:');
      for (const t of this.tolerated) lines.push(`  - ${t.stack}: ${t.change.action} ${t.change.address}: ${t.quirk.name} (${t.quirk.why})`);
    }
    lines.push(`seconds per step: ${[...this.seconds].map(([step, s]) => `${step} ${s.toFixed(1)}`).join(', ')}; total ${totalSeconds.toFixed(1)}`);
    if (this.failures.length === 0) {
      lines.push('result: PASS');
    } else {
      lines.push(`result: FAIL (${this.failures.length})`);
      for (const f of this.failures) lines.push(`  - [${f.step}] ${f.message.replace(/\n/g, '\n      ')}`);
    }
    return lines.join('\n');
  }
}

/** Times named steps into the report and logs their start and end. */
export class StepTimer {
  constructor(
    private readonly report: Report,
    private readonly log: (line: string) => void,
    private readonly signal?: AbortSignal,
  ) {}

  async step<T>(name: string, body: () => Promise<T>): Promise<T> {
    if (this.signal?.aborted) throw new Error(`interrupted before ${name}`);
    const started = Date.now();
    this.log(`-> ${name}`);
    try {
      return await body();
    } finally {
      const seconds = (Date.now() - started) / 1000;
      this.report.seconds.set(name, (this.report.seconds.get(name) ?? 0) + seconds);
      this.log(`   ${name}: ${seconds.toFixed(1)}s`);
    }
  }
}
