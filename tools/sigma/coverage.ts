import { relative } from 'node:path';
import { PROJECT_ROOT } from '../../config/paths';
import type { SigmaConversion } from '../../config/sigma';

/** The coverage table sits between these lines of docs/sigma.md; `npm run sigma -- coverage --write` rewrites it. */
export const COVERAGE_START = '<!-- sigma-coverage:start (npm run sigma -- coverage --write) -->';
export const COVERAGE_END = '<!-- sigma-coverage:end -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The Markdown coverage table: one row per rule with its id, title and author (the Detection Rule License 1.1
 * asks for them wherever a conversion is shown), status and reasons; then the count of each status.
 */
export function coverageTable(conversions: readonly SigmaConversion[]): string {
  const rows = conversions.map(({ rule, status, reasons }) =>
    `| ${cell(relative(PROJECT_ROOT, rule.file))} | ${rule.id ?? ''} | ${cell(rule.title)} | ${cell(rule.author ?? '')} | ${rule.level ?? ''} | ${status} | ${cell(reasons.join('; '))} |`,
  );
  const count = (status: string) => conversions.filter((c) => c.status === status).length;
  return [
    '| file | id | title | author | level | status | reason |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `${conversions.length} rules: ${count('exact')} exact, ${count('approximate')} approximate, ${count('unsupported')} unsupported.`,
  ].join('\n');
}

/** `document` with the text between the coverage markers replaced by `table`; throws when the markers are missing. */
export function withCoverageTable(document: string, table: string): string {
  const start = document.indexOf(COVERAGE_START);
  const end = document.indexOf(COVERAGE_END);
  if (start < 0 || end < start) throw new Error(`docs/sigma.md has no ${COVERAGE_START} ... ${COVERAGE_END} block`);
  return `${document.slice(0, start + COVERAGE_START.length)}\n${table}\n${document.slice(end)}`;
}
