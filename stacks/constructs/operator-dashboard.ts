import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { Construct } from 'constructs';
import { DashboardSpec, dashboardBody } from '../dashboards/widgets';

/**
 * A CloudWatch dashboard from its spec (stacks/dashboards/). The body is plain text built from
 * names, not resource references, so it is known at plan time and equal from one synth to the next.
 */
export class OperatorDashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, spec: DashboardSpec) {
    super(scope, id);
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', { dashboardName: spec.name, dashboardBody: dashboardBody(spec) });
  }
}
