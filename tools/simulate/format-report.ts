import { DERIVED_STATE_NOTE, formatRecordResponses, type RecordResponses } from './responses';
import type { RecordOutcome, SigmaRuleRef, SimulationReport } from './simulate-records';

const describe = (outcome: RecordOutcome): string =>
  `${outcome.file}#${outcome.index} ${outcome.eventSource ?? '(no eventSource)'} ${outcome.eventName ?? '(no eventName)'}` +
  (outcome.account !== undefined ? ` account ${outcome.account}` : '') +
  (outcome.region !== undefined ? ` in ${outcome.region}` : '');

const sigmaRef = (ref: SigmaRuleRef): string => `${ref.id || '(no id)'} level ${ref.level}: ${ref.title}`;

/** Under a record: each Sigma rule it fires on the central bus, then each the forwarder tags it with. */
const sigmaLines = (outcome: RecordOutcome): string[] => [
  ...outcome.sigma.map((hit) => `    Sigma ${sigmaRef(hit)} (central rule ${hit.rule})`),
  ...(outcome.sigmaTags ?? []).map((tag) => `    forwarder tag (threat.rule.*) Sigma ${sigmaRef(tag)}`),
];

/**
 * The human-readable report: one line per record (with, under it, its Sigma hits with id and level, and the
 * responder's plan when a response applies), then counts per rule, then what nothing matched.
 */
export function formatReport(report: SimulationReport, responses: readonly RecordResponses[] = []): string {
  const lines: string[] = [];
  const plans = new Map(responses.map((entry) => [`${entry.file}#${entry.index}`, entry]));
  for (const outcome of report.outcomes) {
    const result = outcome.dropped !== undefined ? `not delivered: ${outcome.dropped}` : outcome.rules.length > 0 ? outcome.rules.join(', ') : '(no rule)';
    lines.push(`${describe(outcome)} -> ${result}`, ...sigmaLines(outcome));
    const plan = plans.get(`${outcome.file}#${outcome.index}`);
    if (plan) lines.push(...formatRecordResponses(plan));
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
  if (report.outcomes.some((outcome) => outcome.sigmaTags !== undefined)) {
    lines.push(`Records the forwarder tags with Sigma rules (forwarder.sigmaTags): ${report.outcomes.filter((outcome) => (outcome.sigmaTags?.length ?? 0) > 0).length}`);
  }
  if (responses.length > 0) lines.push(`Records the responder would act on or report: ${responses.length} (plans in both modes, ${DERIVED_STATE_NOTE})`);
  return lines.join('\n');
}
