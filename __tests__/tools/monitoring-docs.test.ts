import { readFileSync } from 'node:fs';
import { loadTopology } from '../../config/load';
import { centralRules, forwardingRules } from '../../stacks/catalog';
import { responseRules } from '../../stacks/catalog/responses';
import { BEGIN_MARKER, END_MARKER, MONITORING_DOC, alarmRows, monitoringSection, withSection } from '../../tools/monitoring-docs';

describe('docs/flow-2-events.md: the alarm table and the dashboard layouts', () => {
  const topology = loadTopology({});

  test('equal what the stacks build for the default topology (npm run docs:monitoring rewrites them)', () => {
    const document = readFileSync(MONITORING_DOC, 'utf8');
    const section = document.slice(document.indexOf(BEGIN_MARKER), document.indexOf(END_MARKER) + END_MARKER.length);
    expect(section).toBe(monitoringSection(topology));
  });

  test('give one row to the per-rule alarms, counting the rules, and one to every other kind', () => {
    const rows = alarmRows(topology);
    expect(rows.map((r) => r[0])).toEqual([
      '`trailbridge-central-<rule>-failed-deliveries`',
      '`trailbridge-central-dlq-depth`',
      '`trailbridge-central-dlq-age`',
      '`trailbridge-central-throttled-rules`',
      '`trailbridge-central-bucket-logger-errors`',
      '`trailbridge-central-bucket-logger-failures`',
      '`trailbridge-events-to-central-failed-deliveries`',
      '`trailbridge-events-to-central-dlq-depth`',
    ]);
    // The bus's rules: the use cases' and the responses' (the default runs responses in report mode).
    expect(responseRules(topology).length).toBeGreaterThan(0);
    expect(rows[0][1]).toContain(`(${centralRules(topology).length + responseRules(topology).length} in this topology)`);
    expect(rows[6][1]).toContain(`(${forwardingRules(topology).length} in this topology)`);
  });

  test('the section goes between its markers, and missing markers are an error that says so', () => {
    const doc = `intro\n${BEGIN_MARKER}\nold\n${END_MARKER}\noutro\n`;
    expect(withSection(doc, `${BEGIN_MARKER}\nnew\n${END_MARKER}`)).toBe(`intro\n${BEGIN_MARKER}\nnew\n${END_MARKER}\noutro\n`);
    expect(() => withSection('no markers', 'x')).toThrow(/markers .* are missing; put them back/);
  });
});
