import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { Construct } from 'constructs';
import { Naming } from '../config/naming';
import { Account, Topology } from '../config/schema';
import { CloudBackendConfig, WORKLOAD_IDENTITY_AUDIENCE, subjectClaim, workspaceRoleName, workspaceRolePrefix } from '../config/terraform-cloud';
import { WorkspaceRoles } from './constructs/workspace-roles';
import { TrailbridgeStack } from './trailbridge-stack';

/** The bootstrap stack of an account. */
export function bootstrapStackName(account: Account): string {
  return `bootstrap-${account.name}`;
}

/**
 * `bootstrap-<account>`: what lets HCP Terraform workspaces deploy into one account with dynamic
 * provider credentials: the account's OIDC provider for the HCP Terraform host, and the plan and
 * apply roles of every workspace whose stack reaches the account, each allowed what that stack's
 * resource types need (stacks/constructs/resource-permissions.ts).
 *
 * It runs once per account, before any workspace can, on the operator's machine with an
 * administrator's credentials (local state, deployRole assumed), and again when a stack gains a
 * resource type. One stack per account, not one for all: each plan starts one provider process
 * (a single stack would start one per account: ~100 MB each), an account's administrator can run
 * its own, and adding an account adds a stack without touching the others' state.
 */
export class BootstrapStack extends TrailbridgeStack {
  readonly oidcProvider: IamOpenidConnectProvider;
  readonly workspaceRoles: readonly WorkspaceRoles[];

  constructor(scope: Construct, topology: Topology, naming: Naming, backend: CloudBackendConfig, account: Account, workloads: readonly TrailbridgeStack[]) {
    super(scope, bootstrapStackName(account), { topology, naming, account, operatorRun: true });
    this.oidcProvider = new IamOpenidConnectProvider(this, 'tfc-oidc', {
      url: `https://${backend.hostname}`,
      clientIdList: [WORKLOAD_IDENTITY_AUDIENCE],
    });
    const permissionScope = {
      partition: topology.partition,
      accountId: account.id,
      topologyAccountIds: topology.accounts.map((a) => a.id),
      namePrefix: topology.name,
    };
    this.workspaceRoles = workloads.map(
      (stack) =>
        new WorkspaceRoles(this, stack.stackName, {
          stackName: stack.stackName,
          hostname: backend.hostname,
          oidcProviderArn: this.oidcProvider.arn,
          roleName: (phase) => workspaceRoleName(topology, stack.stackName, phase),
          subject: (phase) => subjectClaim(backend, stack.stackName, phase),
          resourceTypes: stack.resourceTypesIn(account),
          scope: permissionScope,
          workspaceRolePrefix: workspaceRolePrefix(topology),
        }),
    );
  }
}
