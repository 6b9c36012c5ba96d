/**
 * The loss table: markdown for the terminal and the README, JSON for drill-results.json. The
 * README's copy sits between two markers and is replaced only from a full run of every drill.
 */
import { DrillRow } from './drill';

export const README_BEGIN = '<!-- drill-table:begin (npm run drill -- --readme writes this) -->';
export const README_END = '<!-- drill-table:end -->';

export interface DrillRun {
  readonly startedAt: string;
  readonly quick: boolean;
  readonly seed: number;
  /** Every drill of the registry ran (no --only). */
  readonly complete: boolean;
  readonly seconds: number;
  readonly machine: string;
  readonly rows: readonly DrillRow[];
}

const n = (value: number) => value.toLocaleString('en-US');

export function markdownTable(rows: readonly DrillRow[]): string {
  const lines = [
    '| drill | records | delivered once | duplicated | lost | ticketed | replayed | result |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of rows) {
    const bound = row.duplicateBound ? ` (bound ${n(row.duplicateBound.records)})` : '';
    lines.push(`| ${row.number}. ${row.drill} | ${n(row.records)} | ${n(row.deliveredOnce)} | ${n(row.duplicated)}${bound} | ${n(row.lost)} | ${n(row.ticketed)} | ${n(row.replayed)} | ${row.result === 'pass' ? 'pass' : '**FAIL**'} |`);
  }
  return lines.join('\n');
}

/** The checks that failed, one line each, and the notes: what the table alone does not say. */
export function findings(rows: readonly DrillRow[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    for (const check of row.checks.filter((c) => !c.ok)) out.push(`${row.drill}: FAILED ${check.name}${check.detail ? ` - ${check.detail}` : ''}`);
  }
  return out;
}

export function notes(rows: readonly DrillRow[]): string[] {
  return rows.flatMap((row) => row.notes.map((note) => `${row.drill}: ${note}`));
}

/** The README section's body: the run's header line, the table, the failed checks. */
export function readmeSection(run: DrillRun): string {
  const failed = findings(run.rows);
  return [
    README_BEGIN,
    '',
    `Latest full run: ${run.startedAt.slice(0, 10)}, seed ${run.seed}, ${run.seconds.toFixed(0)} s on ${run.machine}.`,
    '',
    markdownTable(run.rows),
    '',
    ...(failed.length > 0 ? ['Failed checks (what the drills found: [docs/drills.md](docs/drills.md#findings)):', '', ...failed.map((f) => `- ${f}`), ''] : ['Every check of every drill held.', '']),
    README_END,
  ].join('\n');
}

/** The README with its drill section replaced; an error when the markers are missing. */
export function replaceReadmeSection(readme: string, run: DrillRun): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no drill section: add the lines\n${README_BEGIN}\n${README_END}\nunder "## Reliability"`);
  return readme.slice(0, begin) + readmeSection(run) + readme.slice(end + README_END.length);
}
