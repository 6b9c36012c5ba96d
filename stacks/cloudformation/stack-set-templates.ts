import { accountWithRole } from '../../config/accounts';
import { Naming } from '../../config/naming';
import { SourceAccount, Topology } from '../../config/schema';
import { ForwardingDefinition, forwardingDefinition, sourceForwardingDefinition } from '../catalog/forwarding-definition';
import { regionalForwardingRules } from '../catalog/forwarding';
import { enabledResponses, sourceRoleNeeded } from '../catalog/responses';
import { mfaPolicyStatements } from '../constructs/mfa-policy-document';
import {
  MFA_POLICY_DESCRIPTION,
  RESPONDER_ROLE_DESCRIPTION,
  RESPONDER_ROLE_MAX_SESSION_SECONDS,
  responderRoleStatements,
  responderTrustStatements,
} from '../constructs/source-responder-role';
import { ForwardingTemplate, ForwardingTemplateProps, GlobalRoleDefinition, ManagedPolicyDefinition, RegionalPart, forwardingTemplate } from './forwarding-template';

/** The account a template's stack runs in, as CloudFormation substitutes it. */
export const TEMPLATE_ACCOUNT_ID = '${AWS::AccountId}';

/**
 * Parts every StackSet template gets besides the forwarding rules (per-region alarms and the like
 * register here, so both StackSet modes carry them).
 */
export const REGIONAL_PARTS: RegionalPart[] = [];

/**
 * A listed source account's self-managed StackSet: only the regional resources. The account's
 * Terraform creates the roles (IAM is global: one provider suffices), so the execution role needs
 * no IAM write permission.
 */
export function sourceStackSetTemplate(topology: Topology, naming: Naming, source: SourceAccount): ForwardingTemplate {
  return forwardingTemplate({
    definition: sourceForwardingDefinition(topology, naming, source),
    description: `${topology.name} (trailbridge): regional forwarding of ${source.name} (${source.id}) to the central bus`,
    includeGlobalResources: false,
    regionalParts: REGIONAL_PARTS,
  });
}

/** What every account of the targeted OUs gets: the same rules, with the account CloudFormation deploys to. */
export function organizationForwardingDefinition(topology: Topology, naming: Naming): ForwardingDefinition {
  const options = organizationOptions(topology).forwarding;
  return forwardingDefinition({
    rules: regionalForwardingRules(topology, options),
    accountId: TEMPLATE_ACCOUNT_ID,
    accountName: 'this account',
    centralBusName: naming.centralBusName(),
    centralBusArn: naming.centralBusArn(),
    roleName: naming.eventForwardingRoleName(),
    deadLetterQueueName: naming.eventForwardingDlqName(),
    retryPolicy: { maximumRetryAttempts: options.retryAttempts, maximumEventAgeInSeconds: options.maxEventAgeInSeconds },
  });
}

/** The service-managed StackSet's template: regional resources, and the roles once per account. */
export function organizationStackSetTemplate(topology: Topology, naming: Naming): ForwardingTemplate {
  const props: ForwardingTemplateProps = {
    definition: organizationForwardingDefinition(topology, naming),
    description: `${topology.name} (trailbridge): regional forwarding of every account of the organization's targeted OUs to the central bus`,
    includeGlobalResources: true,
    ...responderResources(topology, naming),
    regionalParts: REGIONAL_PARTS,
  };
  return forwardingTemplate(props);
}

/** The responder's role and MFA policy, when a response acts in source accounts (as SourceResponderRole makes them). */
function responderResources(topology: Topology, naming: Naming): { extraRoles?: GlobalRoleDefinition[]; managedPolicies?: ManagedPolicyDefinition[] } {
  if (!sourceRoleNeeded(topology)) return {};
  const responses = enabledResponses(topology);
  const mfaPolicyArn = naming.arn({ service: 'iam', account: TEMPLATE_ACCOUNT_ID, resource: `policy/${naming.mfaPolicyName()}` });
  const role: GlobalRoleDefinition = {
    logicalId: 'ResponderRole',
    name: naming.responderRoleName(),
    description: RESPONDER_ROLE_DESCRIPTION,
    maxSessionDurationInSeconds: RESPONDER_ROLE_MAX_SESSION_SECONDS,
    trust: responderTrustStatements({
      partition: topology.partition,
      functionAccountId: accountWithRole(topology, 'security').id,
      functionRoleArn: naming.responderFunctionRoleArn(),
      sessionName: naming.responderSessionName,
    }),
    policies: [{ name: 'enabled-responses', statements: responderRoleStatements({ partition: topology.partition, accountId: TEMPLATE_ACCOUNT_ID, responses, mfaPolicyArn }) }],
  };
  const managedPolicies: ManagedPolicyDefinition[] = responses['require-mfa-for-new-users']
    ? [{ logicalId: 'MfaPolicy', name: naming.mfaPolicyName(), description: MFA_POLICY_DESCRIPTION, statements: mfaPolicyStatements(topology.partition) }]
    : [];
  return { extraRoles: [role], managedPolicies };
}

function organizationOptions(topology: Topology): NonNullable<Topology['organizationForwarding']> {
  if (!topology.organizationForwarding) throw new Error('the topology has no organizationForwarding section');
  return topology.organizationForwarding;
}
