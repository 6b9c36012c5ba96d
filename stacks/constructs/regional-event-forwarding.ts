import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget, CloudwatchEventTargetRetryPolicy } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { ForwardingRule } from '../catalog';
import { EventDeadLetterQueue } from './event-dead-letter-queue';
import { ACTIONS, policyDocument, serviceTrust } from './iam';

export interface RegionalEventForwardingProps {
  /** This account's forwarding rules, as the catalog plans them; none creates nothing. */
  readonly rules: readonly ForwardingRule[];
  /** The source account (its EventBridge alone may assume the role). */
  readonly accountId: string;
  /** The source account's name, for the role's description. */
  readonly accountName: string;
  readonly centralBusName: string;
  readonly centralBusArn: string;
  /** The one role of every region's target. */
  readonly roleName: string;
  /** The dead-letter queue of each region's target. */
  readonly deadLetterQueueName: string;
  readonly retryPolicy: CloudwatchEventTargetRetryPolicy;
  /** The provider of a region (the stack's providerFor). */
  readonly providerFor: (region: string) => TerraformProvider;
}

/**
 * A source account's half of flow 2: in every region it forwards from, a rule on the default bus
 * (API calls and console sign-ins, narrowed by the topology) whose target is the central bus itself
 * (one hop: EventBridge does not pass an event on to a third bus), through one role that may only
 * put events on that bus; a retry policy and a dead-letter queue in the rule's region.
 */
export class RegionalEventForwarding extends Construct {
  readonly role?: IamRole;
  readonly rules: readonly CloudwatchEventRule[];

  constructor(scope: Construct, id: string, props: RegionalEventForwardingProps) {
    super(scope, id);
    if (props.rules.length === 0) {
      this.rules = [];
      return;
    }

    // IAM is global: one role, with the default provider, serves the rules of every region.
    const trust = policyDocument(this, 'role-trust', [
      serviceTrust('events.amazonaws.com', [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] }]),
    ]);
    const role = new IamRole(this, 'role', {
      name: props.roleName,
      description: `Lets the EventBridge rules of ${props.accountName} put events on the central bus ${props.centralBusName}`,
      assumeRolePolicy: trust.json,
    });
    this.role = role;
    const permissions = policyDocument(this, 'role-permissions', [{ sid: 'PutEventsOnCentralBus', actions: ACTIONS.eventsPut, resources: [props.centralBusArn] }]);
    new IamRolePolicy(this, 'role-policy', { name: 'put-events-on-central-bus', role: role.id, policy: permissions.json });

    this.rules = props.rules.map((rule) => this.forwardIn(rule, role, props));
  }

  private forwardIn(rule: ForwardingRule, role: IamRole, props: RegionalEventForwardingProps): CloudwatchEventRule {
    const provider = props.providerFor(rule.region);
    // Construct ids are Terraform addresses: one scope per region keeps them stable as regions come and go.
    const scope = new Construct(this, rule.region);
    const what = rule.scope === 'global' ? 'events of global services (IAM, STS, sign-in, ...), which arrive in us-east-1 only' : 'API calls and console sign-ins of this region';
    const eventRule = new CloudwatchEventRule(scope, 'rule', {
      provider,
      name: rule.name,
      description: `trailbridge: forwards ${what} to the central bus`,
      eventPattern: JSON.stringify(rule.pattern),
      state: rule.state,
    });
    const dlq = new EventDeadLetterQueue(scope, 'dlq', { provider, queueName: props.deadLetterQueueName, ruleArns: [eventRule.arn] });
    new CloudwatchEventTarget(scope, 'target', {
      provider,
      rule: eventRule.name,
      targetId: 'central-bus',
      arn: props.centralBusArn,
      roleArn: role.arn,
      retryPolicy: props.retryPolicy,
      deadLetterConfig: { arn: dlq.queue.arn },
    });
    return eventRule;
  }
}
