import { bodyMetrics, dashboardPicture } from '../../stacks/dashboards/widgets';
import { table } from './markdown';
import { StackJson, Synth, providerRegions, regionOf, resourcesOf } from './stack-json';

/** DASHBOARDS.md: every CloudWatch dashboard of the synth, linked in the console, with its widget layout. */

export interface DashboardEntry {
  readonly stack: string;
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly url: string;
  readonly body: string;
}

/** The console host of a region's partition. */
function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  return 'console.aws.amazon.com';
}

/** A dashboard's page in the CloudWatch console. */
export function dashboardUrl(name: string, region: string): string {
  return `https://${consoleHost(region)}/cloudwatch/home?region=${region}#dashboards/dashboard/${encodeURIComponent(name)}`;
}

function accountOf(stack: StackJson): string {
  const providers: Record<string, any>[] = [stack.provider?.aws ?? []].flat();
  const ids: unknown = providers[0]?.allowed_account_ids;
  return Array.isArray(ids) && ids.length > 0 ? ids.join(', ') : '(any)';
}

export function dashboardsOf(synth: Synth): DashboardEntry[] {
  return [...synth].flatMap(([stackName, stack]) => {
    const regions = providerRegions(stack);
    return resourcesOf(stack)
      .filter((r) => r.type === 'aws_cloudwatch_dashboard')
      .map(({ body }) => {
        const region = regionOf(body, regions);
        const name = String(body.dashboard_name);
        return { stack: stackName, name, account: accountOf(stack), region, url: dashboardUrl(name, region), body: String(body.dashboard_body) };
      });
  });
}

export function dashboardsReport(synth: Synth): string {
  const entries = dashboardsOf(synth);
  const parts = ['# Dashboards\n'];
  if (entries.length === 0) return `${parts[0]}\nThe synth has no CloudWatch dashboard.\n`;
  parts.push(
    table(
      ['dashboard', 'stack', 'account', 'region', 'metrics'],
      entries.map((e) => [`[${e.name}](${e.url})`, e.stack, e.account, e.region, String(bodyMetrics(e.body).length)]),
    ),
  );
  for (const e of entries) parts.push(`\n## ${e.name}\n`, '```text', dashboardPicture(e.body), '```');
  return `${parts.join('\n')}\n`;
}
