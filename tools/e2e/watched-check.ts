import { accountWithRole } from '../../config/accounts';
import { forwardingRules } from '../../stacks/catalog';
import { centralAlarmSpecs } from '../../stacks/constructs/central-bus-alarms';
import { forwardingAlarmSpecs } from '../../stacks/constructs/source-forwarding-alarms';
import { DashboardSpec, dashboardBody } from '../../stacks/dashboards/widgets';
import { forwarderDashboardSpec } from '../../stacks/observability-stack';
import { centralAlarmInput, centralDashboardSpec } from '../../stacks/security-events-stack';
import { forwardingAlarmInput } from '../../stacks/source-stack';
import { ClientConfig } from './accounts';
import { ProbeTarget, queryCall, xmlValues } from './aws-probe';
import type { Flow2Section } from './flow2-check';
import type { CheckLine } from './flow2-events';

/**
 * The deployed stacks are watched (issue 20): every alarm the topology plans exists in its
 * account and region and notifies that region's operations topic, and each dashboard holds the
 * body synth wrote. The expectations come from the same functions the stacks build with.
 */

const probe = (c: ClientConfig): ProbeTarget => ({ endpoint: c.endpoint, region: c.region, credentials: c.credentials });

export function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The SNS actions of each named alarm in one account and region (absent: not found). */
async function alarmActions(config: ClientConfig, names: readonly string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const name of names) {
    const xml = await queryCall(probe(config), 'monitoring', '2010-08-01', 'DescribeAlarms', { 'AlarmNames.member.1': name });
    if (xmlValues(xml, 'AlarmName').includes(name)) found.set(name, [...new Set(xmlValues(xml, 'member').filter((v) => v.startsWith('arn:') && v.includes(':sns:')))]);
  }
  return found;
}

/** One line when every alarm exists and notifies the topic; else a line for the missing and one for the misrouted. */
export function alarmLines(where: string, names: readonly string[], found: Map<string, string[]>, topicArn: string): CheckLine[] {
  const missing = names.filter((n) => !found.has(n));
  const misrouted = [...found].filter(([, actions]) => actions.length !== 1 || actions[0] !== topicArn).map(([name, actions]) => `${name} -> ${actions.join(', ') || 'nothing'}`);
  if (missing.length === 0 && misrouted.length === 0) return [{ ok: true, text: `${where}: ${names.length}/${names.length} alarms exist and notify ${topicArn}` }];
  return [
    ...(missing.length > 0 ? [{ ok: false, text: `${where}: alarms missing: ${missing.join(', ')}` }] : []),
    ...(misrouted.length > 0 ? [{ ok: false, text: `${where}: alarms not notifying ${topicArn}: ${misrouted.join('; ')}` }] : []),
  ];
}

async function dashboardLine(config: ClientConfig, where: string, spec: DashboardSpec): Promise<CheckLine> {
  const xml = await queryCall(probe(config), 'monitoring', '2010-08-01', 'GetDashboard', { DashboardName: spec.name });
  const [body] = xmlValues(xml, 'DashboardBody').map(unescapeXml);
  if (body === undefined) return { ok: false, text: `${where}: dashboard ${spec.name} not found` };
  const same = JSON.stringify(JSON.parse(body)) === dashboardBody(spec);
  return { ok: same, text: `${where}: dashboard ${spec.name} ${same ? 'holds the synthesized body' : 'holds another body than synth wrote'} (${JSON.parse(body).widgets?.length ?? 0} widgets)` };
}

export const WATCHED: Flow2Section = {
  name: 'watched',
  async run(context) {
    const { accounts, naming } = context;
    const topology = naming.topology;
    const lines: CheckLine[] = [];
    const security = accountWithRole(topology, 'security');
    const home = await accounts.config(security);
    const centralTopic = topology.events.opsTopicArn ?? naming.arn({ service: 'sns', region: topology.homeRegion, account: security.id, resource: naming.eventsOpsTopicName() });
    const central = centralAlarmSpecs(centralAlarmInput(topology, naming)).map((s) => s.alarmName);
    lines.push(...alarmLines(`${security.name} ${topology.homeRegion}`, central, await alarmActions(home, central), centralTopic));
    for (const rule of forwardingRules(topology)) {
      const config = await accounts.config(rule.account, rule.region);
      const names = forwardingAlarmSpecs(forwardingAlarmInput(naming, rule)).map((s) => s.alarmName);
      const topic = naming.arn({ service: 'sns', region: rule.region, account: rule.account.id, resource: naming.eventsOpsTopicName() });
      lines.push(...alarmLines(`${rule.account.name} (${rule.account.id}) ${rule.region}`, names, await alarmActions(config, names), topic));
    }
    lines.push(await dashboardLine(home, security.name, centralDashboardSpec(topology, naming)));
    const observability = accountWithRole(topology, 'observability');
    lines.push(await dashboardLine(await accounts.config(observability), observability.name, forwarderDashboardSpec(naming)));
    return lines;
  },
};
