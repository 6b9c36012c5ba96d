import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { accountWithRole, managementAccount, sourceAccounts } from '../config/accounts';
import { Naming } from '../config/naming';
import { Account, Topology } from '../config/schema';
import { organizationStackSetTemplate } from './cloudformation/stack-set-templates';
import { OrganizationForwardingStackSet } from './constructs/organization-forwarding-stack-set';
import { TrailbridgeStack } from './trailbridge-stack';

/** The account that owns the organization's StackSet: the delegated administrator (security) or the management account. */
export function organizationForwardingAccount(topology: Topology): Account {
  return topology.organizationForwarding?.deployFrom === 'management' ? managementAccount(topology) : accountWithRole(topology, 'security');
}

/**
 * True when the StackSet's owner acts as delegated administrator (call_as DELEGATED_ADMIN): the
 * security account, unless it is the management account itself, which cannot be registered as
 * one and calls as SELF.
 */
export function isDelegatedAdministrator(topology: Topology): boolean {
  return topology.organizationForwarding?.deployFrom === 'security' && organizationForwardingAccount(topology).name !== topology.organization?.managementAccount;
}

/**
 * What synth tells the operator about the organization StackSet: a service-managed StackSet never
 * deploys to the management account, so a management account that is a source keeps its
 * per-account source stack, and one that is not is not covered at all.
 */
export function organizationForwardingNotes(topology: Topology): string[] {
  const management = topology.organization?.managementAccount;
  if (!topology.organizationForwarding || !management) return [];
  const asSource = sourceAccounts(topology).find((s) => s.name === management);
  if (asSource) {
    return [`organizationForwarding: the management account ${management} (${asSource.id}) is never reached by a service-managed StackSet; it keeps its own stack source-${management}`];
  }
  return [`organizationForwarding: the management account ${management} is never reached by a service-managed StackSet and is not a source account, so its API calls are not forwarded; give it the source role to cover it`];
}

/** `organization-forwarding`: the service-managed StackSet of organizationForwarding. */
export class OrganizationForwardingStack extends TrailbridgeStack {
  constructor(scope: Construct, topology: Topology, naming: Naming) {
    super(scope, naming.organizationForwardingStackName, { topology, naming, account: organizationForwardingAccount(topology) });
    const options = topology.organizationForwarding;
    if (!options) throw new Error('OrganizationForwardingStack: the topology has no organizationForwarding section');
    new OrganizationForwardingStackSet(this, 'forwarding', {
      stackSetName: naming.organizationForwardingStackSetName(),
      template: organizationStackSetTemplate(topology, naming),
      options,
      delegatedAdmin: isDelegatedAdministrator(topology),
    });
    for (const note of organizationForwardingNotes(topology)) Annotations.of(this).addWarning(note);
  }
}
