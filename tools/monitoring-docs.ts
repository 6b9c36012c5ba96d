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
import { parseNoArguments, runCli } from './lib/cli';
import { table } from './review/markdown';

/**
 * `npm run docs:monitoring`: writes the alarm table and the dashboards' widget layouts of the
 * default topology into docs/flow-2-events.md, between its monitoring markers, from the same
 * functions the stacks build them with (a test keeps the two equal).
 */

export const MONITORING_DOC = join(PROJECT_ROOT, 'docs', 'flow-2-events.md');
export const BEGIN_MARKER = '<!-- monitoring:begin (npm run docs:monitoring writes this) -->';
export const END_MARKER = '<!-- monitoring:end -->';

const USAGE = 'usage: npm run docs:monitoring\n  rewrites the alarm table and the dashboard layouts of docs/flow-2-events.md (between its monitoring markers) from the code';

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
export function withSection(document: string, section: string): string {
  const begin = document.indexOf(BEGIN_MARKER);
  const end = document.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`docs/flow-2-events.md: the markers ${BEGIN_MARKER} and ${END_MARKER} are missing; put them back where the section goes`);
  return document.slice(0, begin) + section + document.slice(end + END_MARKER.length);
}

if (require.main === module) {
  runCli(() => {
    if (!parseNoArguments(process.argv.slice(2), USAGE)) return;
    const document = readFileSync(MONITORING_DOC, 'utf8');
    writeFileSync(MONITORING_DOC, withSection(document, monitoringSection(loadTopology({}))));
    process.stdout.write(`wrote the monitoring section of ${MONITORING_DOC}\n`);
  });
}
