import { Naming } from '../../config/naming';
import { accountWithRole } from '../../config/accounts';
import { Statement } from './iam';
import { IDR_DETAIL_TYPE, IDR_SOURCE } from './idr-event-format';

/**
 * Who may put Dynatrace problems on the IDR bus, as IAM statements: the trust of the role the
 * Dynatrace AWS connector assumes with a token.dynatrace.com web identity, and what that role
 * may do. Pure data, rendered by the incident-response stack.
 */

/**
 * The `sub` the trust requires while the topology has no connection id yet (first apply). Every
 * subject Dynatrace issues for a connection starts with "dtid:connection/", so no token can carry
 * this value: the role exists (its ARN is needed to create the connection) but trusts nobody.
 */
export const UNSET_CONNECTION_SUBJECT = 'trailbridge:no-dynatrace-connection-configured';

/** What the Dynatrace workflow's PutEvents action needs, and what its AWS connector asks for. */
export const DYNATRACE_IDR_ACTIONS = {
  putEvents: ['events:PutEvents'],
  /**
   * The connector lists the account's regions to offer them in the workflow action: a read of
   * region opt-in status only. The Service Authorization Reference (AWS Account Management) gives
   * ListRegions the resource types `account` (arn:<partition>:account::<id>:account) and
   * `accountInOrganization`, so the grant names the role's own account, not "*".
   */
  listRegions: ['account:ListRegions'],
} as const;

/**
 * Trust: AssumeRoleWithWebIdentity for tokens of this tenant's AWS connector and this connection
 * only. `providerArn` is the OIDC provider (a reference, so the role waits for the provider).
 */
export function dynatraceTrust(naming: Naming, providerArn: string = naming.dynatraceOidcProviderArn()): Statement[] {
  const host = naming.dynatraceTokenHost;
  return [
    {
      sid: 'TrustDynatraceConnection',
      actions: ['sts:AssumeRoleWithWebIdentity'],
      principals: [{ type: 'Federated', identifiers: [providerArn] }],
      conditions: [
        { test: 'StringEquals', variable: `${host}:aud`, values: [naming.dynatraceAudience()] },
        { test: 'StringEquals', variable: `${host}:sub`, values: [naming.dynatraceSubject() ?? UNSET_CONNECTION_SUBJECT] },
      ],
    },
  ];
}

/**
 * PutEvents may carry only what IDR ingests. EventBridge evaluates `events:source` and
 * `events:detail-type` on PutEvents, one value per entry (EventBridge user guide, "Using IAM policy
 * conditions", and its example "Send events to a custom bus in a different account", which limits
 * PutEvents with ForAllValues:StringEquals on both), so `ForAllValues` makes every entry match;
 * `Null` = false refuses a request that supplies no value, for which ForAllValues would be true.
 * Without these, the role could put any event on the bus, for any rule added to it later. A refused
 * entry fails with NotAuthorizedForSourceException / NotAuthorizedForDetailTypeException.
 */
export const IDR_PUT_EVENTS_CONDITIONS: NonNullable<Statement['conditions']> = [
  { test: 'ForAllValues:StringEquals', variable: 'events:source', values: [IDR_SOURCE] },
  { test: 'ForAllValues:StringEquals', variable: 'events:detail-type', values: [IDR_DETAIL_TYPE] },
  { test: 'Null', variable: 'events:source', values: ['false'] },
  { test: 'Null', variable: 'events:detail-type', values: ['false'] },
];

/** Permissions: PutEvents of IDR events on the IDR bus and nothing else, plus the connector's region listing. */
export function dynatraceIdrPermissions(naming: Naming): Statement[] {
  return [
    {
      sid: 'PutEventsOnIdrBus',
      actions: [...DYNATRACE_IDR_ACTIONS.putEvents],
      resources: [naming.idrBusArn()],
      conditions: IDR_PUT_EVENTS_CONDITIONS,
    },
    {
      sid: 'ListRegionsForConnector',
      actions: [...DYNATRACE_IDR_ACTIONS.listRegions],
      resources: [naming.arn({ service: 'account', account: accountWithRole(naming.topology, 'incident-response').id, resource: 'account' })],
    },
  ];
}
