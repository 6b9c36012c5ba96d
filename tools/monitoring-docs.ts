import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Naming } from '../config/naming';
import { PROJECT_ROOT } from '../config/paths';
import { Topology } from '../config/schema';
import { loadTopology } from '../config/load';
import { forwardingRules } from '../stacks/catalog';
import { AlarmSpec } from '../stacks/constructs/alarm-spec';
import { centralAlarmSpecs } from '../stacks/constructs/central-bus-alarms';
import { forwardingAlarmSpecs } from '../stacks/constructs/source-forwarding-alarms';
import { dashboardBody, dashboardPicture } from '../stacks/dashboards/widgets';
import { forwarderDashboardSpec } from '../stacks/observability-stack';
import { centralAlarmInput, centralDashboardSpec } from '../stacks/security-events-stack';
import { forwardingAlarmInput } from '../stacks/source-stack';
import { ALARMS_BEGIN_MARKER, ALARMS_DOC, ALARMS_END_MARKER, alarmCatalogSection } from './alarm-catalog';
import { parseNoArguments, runCli } from './lib/cli';
import { table } from './review/markdown';

/**
 * `npm run docs:monitoring`: writes the alarm table and the dashboards' widget layouts of the
 * default topology into docs/flow-2-events.md, between its monitoring markers, from the same
 * functions the stacks build them with, and the catalog of every alarm of every stack into
 * docs/monitoring.md (./alarm-catalog.ts); tests keep both equal to the code.
 */

export const MONITORING_DOC = join(PROJECT_ROOT, 'docs', 'flow-2-events.md');
export const BEGIN_MARKER = '<!-- monitoring:begin (npm run docs:monitoring writes this) -->';
export const END_MARKER = '<!-- monitoring:end -->';

const USAGE = 'usage: npm run docs:monitoring\n  rewrites the alarm table and the dashboard layouts of docs/flow-2-events.md (between its monitoring markers) and the alarm catalog of docs/monitoring.md (between its alarms markers) from the code';

function metricText(spec: AlarmSpec): string {
  const names = spec.metrics.map((m) => `${m.namespace} \`${m.metricName}\` (${m.statistic})`);
  return names.join(' + ');
}

function thresholdText(spec: AlarmSpec): string {
  const value = spec.metrics.some((m) => m.metricName === 'ApproximateAgeOfOldestMessage') ? `${spec.threshold / 86400} days` : String(spec.threshold);
  return `>= ${value} in ${spec.periodInSeconds / 60} min`;
}

/** One row per kind: the per-rule alarms of the central bus are one row with their count. */
export function alarmRows(topology: Topology): string[][] {
  const naming = new Naming(topology);
  const central = centralAlarmSpecs(centralAlarmInput(topology, naming));
  const perRule = central.filter((s) => s.id.endsWith('-failed-deliveries'));
  const rows: string[][] = [];
  if (perRule.length > 0) {
    const [first] = perRule;
    rows.push([`\`${naming.centralAlarmName('<rule>-failed-deliveries')}\``, `security account, one per rule on the bus (${perRule.length} in this topology)`, metricText(first), thresholdText(first), first.why]);
  }
  for (const spec of central.filter((s) => !perRule.includes(s))) {
    rows.push([`\`${spec.alarmName}\``, 'security account, home region', metricText(spec), thresholdText(spec), spec.why]);
  }
  const forwarding = forwardingRules(topology);
  if (forwarding.length > 0) {
    for (const spec of forwardingAlarmSpecs(forwardingAlarmInput(naming, forwarding[0]))) {
      rows.push([`\`${spec.alarmName}\``, `every source account, each region it forwards from (${forwarding.length} in this topology)`, metricText(spec), thresholdText(spec), spec.why]);
    }
  }
  return rows;
}

/** The generated section: the alarm table, then a picture of each dashboard. */
export function monitoringSection(topology: Topology): string {
  const naming = new Naming(topology);
  const dashboards = [
    { account: 'security', spec: centralDashboardSpec(topology, naming) },
    { account: 'observability', spec: forwarderDashboardSpec(naming) },
  ];
  const parts = [
    BEGIN_MARKER,
    '',
    `Alarms of the default topology (${topology.accounts.length} accounts, regions ${topology.regions.join(', ')}):`,
    '',
    table(['alarm', 'where', 'metric', 'threshold', 'why'], alarmRows(topology)).trimEnd(),
  ];
  for (const { account, spec } of dashboards) {
    parts.push('', `Dashboard \`${spec.name}\` (${account} account, ${spec.region}), as its widgets are laid out:`, '', '```text', dashboardPicture(dashboardBody(spec)), '```');
  }
  parts.push('', END_MARKER);
  return parts.join('\n');
}

/** The document with its section replaced; fails when the markers are missing. */
export function withSection(document: string, section: string, markers: { readonly doc: string; readonly begin: string; readonly end: string } = { doc: 'docs/flow-2-events.md', begin: BEGIN_MARKER, end: END_MARKER }): string {
  const begin = document.indexOf(markers.begin);
  const end = document.indexOf(markers.end);
  if (begin < 0 || end < begin) throw new Error(`${markers.doc}: the markers ${markers.begin} and ${markers.end} are missing; put them back where the section goes`);
  return document.slice(0, begin) + section + document.slice(end + markers.end.length);
}

if (require.main === module) {
  runCli(() => {
    if (!parseNoArguments(process.argv.slice(2), USAGE)) return;
    const topology = loadTopology({});
    writeFileSync(MONITORING_DOC, withSection(readFileSync(MONITORING_DOC, 'utf8'), monitoringSection(topology)));
    process.stdout.write(`wrote the monitoring section of ${MONITORING_DOC}\n`);
    const catalogMarkers = { doc: 'docs/monitoring.md', begin: ALARMS_BEGIN_MARKER, end: ALARMS_END_MARKER };
    writeFileSync(ALARMS_DOC, withSection(readFileSync(ALARMS_DOC, 'utf8'), alarmCatalogSection(topology), catalogMarkers));
    process.stdout.write(`wrote the alarm catalog of ${ALARMS_DOC}\n`);
  });
}
