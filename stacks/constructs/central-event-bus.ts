import { CloudwatchEventArchive } from '@cdktf/provider-aws/lib/cloudwatch-event-archive';
import { CloudwatchEventBus } from '@cdktf/provider-aws/lib/cloudwatch-event-bus';
import { CloudwatchEventBusPolicy } from '@cdktf/provider-aws/lib/cloudwatch-event-bus-policy';
import { Construct } from 'constructs';
import { Naming } from '../../config/naming';
import { Topology } from '../../config/schema';
import { ACTIONS, Statement, policyDocument } from './iam';
import { sourceAccounts } from '../../config/accounts';

export interface CentralEventBusProps {
  readonly busName: string;
  readonly archiveName: string;
  /** How long the archive keeps an event (0 keeps it forever). */
  readonly archiveRetentionInDays: number;
  /** Who may put events on the bus (see putEventsStatement). @default - no bus policy: no account may */
  readonly putEvents?: Statement;
}

/**
 * The central bus in the security account's home region; its policy lets the forwarding roles of
 * the source accounts (or of every account of the organization) put events on it, and an archive
 * keeps every event for replay.
 *
 * Only PutEvents is granted, and PutEvents refuses a `source` that starts with "aws.", so no
 * principal the policy admits can forge a CloudTrail event: they arrive only through the
 * forwarding rules.
 */
export class CentralEventBus extends Construct {
  readonly bus: CloudwatchEventBus;
  readonly archive: CloudwatchEventArchive;
  readonly policy?: CloudwatchEventBusPolicy;

  constructor(scope: Construct, id: string, props: CentralEventBusProps) {
    super(scope, id);
    this.bus = new CloudwatchEventBus(this, 'bus', {
      name: props.busName,
      description: 'trailbridge: API calls and console sign-ins of every source account and region',
    });

    if (props.putEvents) {
      const document = policyDocument(this, 'policy-document', [props.putEvents]);
      this.policy = new CloudwatchEventBusPolicy(this, 'policy', { eventBusName: this.bus.name, policy: document.json });
    }

    this.archive = new CloudwatchEventArchive(this, 'archive', {
      name: props.archiveName,
      description: 'Every event of the central bus, for replay',
      eventSourceArn: this.bus.arn,
      retentionDays: props.archiveRetentionInDays,
    });
  }
}

/**
 * Who may put events on the central bus: only the forwarding roles of the source accounts
 * (aws:PrincipalArn), so no other principal of those accounts or the organization can put custom
 * events the central rules would act on. Undefined when no source account forwards.
 */
export function putEventsStatement(topology: Topology, naming: Naming): Statement | undefined {
  const senders = sourceAccounts(topology).filter((s) => s.source.forwarding.enabled);
  if (senders.length === 0 && !topology.organizationForwarding) return undefined;
  const resources = [naming.centralBusArn()];
  if (topology.organization) {
    return {
      sid: 'PutEventsFromOrganizationForwardingRoles',
      actions: ACTIONS.eventsPut,
      resources,
      principals: [{ type: '*', identifiers: ['*'] }],
      conditions: [
        { test: 'StringEquals', variable: 'aws:PrincipalOrgID', values: [topology.organization.id] },
        // Every account of the organization names its forwarding role alike.
        { test: 'ArnLike', variable: 'aws:PrincipalArn', values: [naming.roleArn('*', naming.eventForwardingRoleName())] },
      ],
    };
  }
  return {
    sid: 'PutEventsFromSourceForwardingRoles',
    actions: ACTIONS.eventsPut,
    resources,
    // Account principals with a role condition: a role principal must exist when the policy is
    // written, and the source stacks that create the roles apply after this one.
    principals: [{ type: 'AWS', identifiers: senders.map((s) => naming.accountRootArn(s.id)) }],
    conditions: [{ test: 'ArnEquals', variable: 'aws:PrincipalArn', values: senders.map((s) => naming.eventForwardingRoleArn(s)) }],
  };
}
