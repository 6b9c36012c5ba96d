import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Naming } from '../../config/naming';
import { SourceAccount, Topology } from '../../config/schema';
import { ForwardingRule, forwardingRules } from '../catalog';
import { EventDeadLetterQueue } from './event-dead-letter-queue';
import { ACTIONS, policyDocument, serviceTrust } from './iam';

export interface RegionalEventForwardingProps {
  readonly topology: Topology;
  readonly naming: Naming;
  readonly source: SourceAccount;
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
    const { naming, source } = props;
    const planned = forwardingRules(props.topology).filter((r) => r.account.id === source.id);
    if (planned.length === 0) {
      this.rules = [];
      return;
    }
    const options = source.source.forwarding;
    const busArn = naming.centralBusArn();

    // IAM is global: one role, with the default provider, serves the rules of every region.
    const trust = policyDocument(this, 'role-trust', [
      serviceTrust('events.amazonaws.com', [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [source.id] }]),
    ]);
    this.role = new IamRole(this, 'role', {
      name: naming.eventForwardingRoleName(),
      description: `Lets the EventBridge rules of ${source.name} put events on the central bus ${naming.centralBusName()}`,
      assumeRolePolicy: trust.json,
    });
    const permissions = policyDocument(this, 'role-permissions', [{ sid: 'PutEventsOnCentralBus', actions: ACTIONS.eventsPut, resources: [busArn] }]);
    new IamRolePolicy(this, 'role-policy', { name: 'put-events-on-central-bus', role: this.role.id, policy: permissions.json });

    const dlqName = naming.eventForwardingDlqName();
    this.rules = planned.map((rule) => this.forwardIn(rule, props.providerFor(rule.region), busArn, dlqName, options));
  }

  private forwardIn(
    rule: ForwardingRule,
    provider: TerraformProvider,
    busArn: string,
    dlqName: string,
    options: SourceAccount['source']['forwarding']): CloudwatchEventRule {
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
    const dlq = new EventDeadLetterQueue(scope, 'dlq', { provider, queueName: dlqName, ruleArns: [eventRule.arn] });
    new CloudwatchEventTarget(scope, 'target', {
      provider,
      rule: eventRule.name,
      targetId: 'central-bus',
      arn: busArn,
      roleArn: this.role!.arn,
      retryPolicy: { maximumRetryAttempts: options.retryAttempts, maximumEventAgeInSeconds: options.maxEventAgeInSeconds },
      deadLetterConfig: { arn: dlq.queue.arn },
    });
    return eventRule;
  }
}
