import { Construct } from 'constructs';
import { Naming } from '../config/naming';
import { Topology } from '../config/schema';
import { AccountTrail, trailPropsFrom } from './constructs/account-trail';
import { TrailbridgeStack } from './trailbridge-stack';
import { managementAccount } from '../config/accounts';

/**
 * `organization-trail` (organization mode only): one organization trail in the management
 * account, which alone may create it. It logs every account of the organization, under
 * `[prefix/]AWSLogs/<o-id>/<account>/` in the organization trail bucket of the log-archive stack.
 */
export class OrganizationTrailStack extends TrailbridgeStack {
  readonly trail: AccountTrail;

  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, naming.organizationTrailStackName(), { topology, naming, account: managementAccount(topology) });
    const trail = {
      name: naming.organizationTrailName(),
      arn: naming.organizationTrailArn(),
      bucketName: naming.organizationTrailBucketName(),
      options: topology.trails.organization,
      organizationTrail: true,
    };
    this.trail = new AccountTrail(this, 'trail', trailPropsFrom(naming, trail));
  }
}
