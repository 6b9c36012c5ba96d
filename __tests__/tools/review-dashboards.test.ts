import { accountWithRole } from '../../config/accounts';
import { dashboardBody, dashboardPicture } from '../../stacks/dashboards/widgets';
import { centralDashboardSpec } from '../../stacks/security-events-stack';
import { Naming } from '../../config/naming';
import { dashboardUrl, dashboardsOf, dashboardsReport } from '../../tools/review/dashboards';
import { synthesize, topologyWith } from '../support/synth';

describe('review: DASHBOARDS.md', () => {
  const topology = topologyWith();
  const synth = new Map([...synthesize(topology).byName].map(([name, stack]) => [name, stack.json]));

  test('lists each dashboard with its account, region and console link', () => {
    expect(dashboardsOf(synth).map(({ stack, name, account, region, url }) => ({ stack, name, account, region, url }))).toEqual([
      {
        stack: 'security-events',
        name: 'trailbridge-central-events',
        account: accountWithRole(topology, 'security').id,
        region: topology.homeRegion,
        url: `https://console.aws.amazon.com/cloudwatch/home?region=${topology.homeRegion}#dashboards/dashboard/trailbridge-central-events`,
      },
      {
        stack: 'observability',
        name: 'trailbridge-forwarder',
        account: accountWithRole(topology, 'observability').id,
        region: topology.homeRegion,
        url: `https://console.aws.amazon.com/cloudwatch/home?region=${topology.homeRegion}#dashboards/dashboard/trailbridge-forwarder`,
      },
    ]);
  });

  test('draws each layout as the docs do, from the synthesized body', () => {
    const report = dashboardsReport(synth);
    expect(report).toContain('[trailbridge-central-events](https://console.aws.amazon.com/');
    expect(report).toContain(dashboardPicture(dashboardBody(centralDashboardSpec(topology, new Naming(topology)))));
  });

  test('links the console of the region\'s partition', () => {
    expect(dashboardUrl('d', 'cn-north-1')).toBe('https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards/dashboard/d');
    expect(dashboardUrl('d', 'us-gov-west-1')).toMatch(/^https:\/\/console\.amazonaws-us-gov\.com\//);
  });

  test('says so when the synth has no dashboard', () => {
    expect(dashboardsReport(new Map())).toMatch(/no CloudWatch dashboard/);
  });
});
