import { accountWithRole } from '../../config/accounts';
import { Naming } from '../../config/naming';
import { SourceAccount, Topology } from '../../config/schema';
import { ForwardingDefinition, forwardingDefinition, sourceForwardingDefinition } from '../catalog/forwarding-definition';
import { regionalForwardingRules } from '../catalog/forwarding';
import { enabledResponses, sourceRoleNeeded } from '../catalog/responses';
import { forwardingAlarmsPart } from './forwarding-alarms-part';
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

/** The account a template is for: a listed source, or `${AWS::AccountId}` for every account of the OUs. */
export interface TemplateAccount {
  readonly id: string;
  /** Named in descriptions; the account id where the template serves many accounts. */
  readonly name: string;
}

export type RegionalPartFactory = (topology: Topology, naming: Naming, account: TemplateAccount, definition: ForwardingDefinition) => RegionalPart;

/**
 * Parts every StackSet template gets besides the forwarding rules (per-region alarms and the like
 * register here, so both StackSet modes carry them).
 */
export const REGIONAL_PARTS: readonly RegionalPartFactory[] = [forwardingAlarms];

/** The source-region alarms and their ops topic, as the providers mode creates them (issue 20). */
function forwardingAlarms(topology: Topology, naming: Naming, account: TemplateAccount, definition: ForwardingDefinition): RegionalPart {
  const { retryPolicy } = definition.target;
  return forwardingAlarmsPart({
    partition: topology.partition,
    accountId: account.id,
    alarmInput: {
      accountName: account.name,
      deadLetterQueueName: definition.deadLetterQueue.name,
      centralBusName: naming.centralBusName(),
      roleName: definition.role.name,
      retryAttempts: retryPolicy.maximumRetryAttempts,
      maxEventAgeInSeconds: retryPolicy.maximumEventAgeInSeconds,
      alarmName: (kind) => naming.eventForwardingAlarmName(kind),
    },
    opsTopicName: naming.eventsOpsTopicName(),
    opsKeyAlias: naming.eventsOpsKeyAlias(),
    alarmNamePrefix: naming.eventForwardingAlarmNamePrefix(),
    opsEmails: topology.events.opsEmails,
  });
}

function regionalParts(topology: Topology, naming: Naming, account: TemplateAccount, definition: ForwardingDefinition): RegionalPart[] {
  return REGIONAL_PARTS.map((part) => part(topology, naming, account, definition));
}

/**
 * A listed source account's self-managed StackSet: only the regional resources. The account's
 * Terraform creates the roles (IAM is global: one provider suffices), so the execution role needs
 * no IAM write permission.
 */
export function sourceStackSetTemplate(topology: Topology, naming: Naming, source: SourceAccount): ForwardingTemplate {
  const definition = sourceForwardingDefinition(topology, naming, source);
  return forwardingTemplate({
    definition,
    description: `${topology.name} (trailbridge): regional forwarding of ${source.name} (${source.id}) to the central bus`,
    includeGlobalResources: false,
    regionalParts: regionalParts(topology, naming, { id: source.id, name: source.name }, definition),
  });
}

/** What every account of the targeted OUs gets: the same rules, with the account CloudFormation deploys to. */
export function organizationForwardingDefinition(topology: Topology, naming: Naming): ForwardingDefinition {
  const options = organizationOptions(topology).forwarding;
  return forwardingDefinition({
    partition: topology.partition,
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
  const definition = organizationForwardingDefinition(topology, naming);
  const props: ForwardingTemplateProps = {
    definition,
    description: `${topology.name} (trailbridge): regional forwarding of every account of the organization's targeted OUs to the central bus`,
    includeGlobalResources: true,
    ...responderResources(topology, naming),
    regionalParts: regionalParts(topology, naming, { id: TEMPLATE_ACCOUNT_ID, name: TEMPLATE_ACCOUNT_ID }, definition),
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
