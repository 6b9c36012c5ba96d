import type { RecordOutcome, SimulationReport } from './simulate-records';

const describe = (outcome: RecordOutcome): string =>
  `${outcome.file}#${outcome.index} ${outcome.eventSource ?? '(no eventSource)'} ${outcome.eventName ?? '(no eventName)'}` +
  (outcome.account !== undefined ? ` account ${outcome.account}` : '') +
  (outcome.region !== undefined ? ` in ${outcome.region}` : '');

/** The human-readable report: one line per record, then counts per rule, then what nothing matched. */
export function formatReport(report: SimulationReport): string {
  const lines: string[] = [];
  for (const outcome of report.outcomes) {
    const result = outcome.dropped !== undefined ? `not delivered: ${outcome.dropped}` : outcome.rules.length > 0 ? outcome.rules.join(', ') : '(no rule)';
    lines.push(`${describe(outcome)} -> ${result}`);
  }
  lines.push('', 'Records per rule:');
  const width = Math.max(0, ...Object.keys(report.ruleCounts).map((name) => name.length));
  for (const [name, count] of Object.entries(report.ruleCounts)) lines.push(`  ${name.padEnd(width)}  ${count}`);
  lines.push('', `Delivered to the central bus but matched by no rule: ${report.unmatched.length}`);
  for (const outcome of report.unmatched) lines.push(`  ${describe(outcome)}`);
  lines.push(`Not delivered to the central bus: ${report.dropped.length}`);
  const reasons = new Map<string, number>();
  for (const outcome of report.dropped) reasons.set(outcome.dropped!, (reasons.get(outcome.dropped!) ?? 0) + 1);
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1])) lines.push(`  ${count} x ${reason}`);
  lines.push(`Records: ${report.outcomes.length}`);
  return lines.join('\n');
}
