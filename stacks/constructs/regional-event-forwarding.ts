import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { ForwardingDefinition, RegionalRuleDefinition } from '../catalog/forwarding-definition';
import { EventDeadLetterQueue } from './event-dead-letter-queue';
import { policyDocument } from './iam';

export interface RegionalEventForwardingProps {
  /** This account's forwarding (stacks/catalog/forwarding-definition.ts); no rules creates nothing. */
  readonly definition: ForwardingDefinition;
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
    const definition = props.definition;
    if (definition.rules.length === 0) {
      this.rules = [];
      return;
    }
    // IAM is global: one role, with the default provider, serves the rules of every region.
    const role = forwardingRole(this, definition);
    this.role = role;
    this.rules = definition.rules.map((rule) => this.forwardIn(rule, role, definition, props.providerFor(rule.region)));
  }

  private forwardIn(rule: RegionalRuleDefinition, role: IamRole, definition: ForwardingDefinition, provider: TerraformProvider): CloudwatchEventRule {
    // Construct ids are Terraform addresses: one scope per region keeps them stable as regions come and go.
    const scope = new Construct(this, rule.region);
    const eventRule = new CloudwatchEventRule(scope, 'rule', {
      provider,
      name: rule.name,
      description: rule.description,
      eventPattern: JSON.stringify(rule.pattern),
      state: rule.state,
    });
    const dlq = new EventDeadLetterQueue(scope, 'dlq', { provider, queueName: definition.deadLetterQueue.name, ruleArns: [eventRule.arn] });
    new CloudwatchEventTarget(scope, 'target', {
      provider,
      rule: eventRule.name,
      targetId: definition.target.id,
      arn: definition.target.arn,
      roleArn: role.arn,
      retryPolicy: { ...definition.target.retryPolicy },
      deadLetterConfig: { arn: dlq.queue.arn },
    });
    return eventRule;
  }
}

/** The forwarding role and its inline policies, with the stack's default provider (IAM is global). */
export function forwardingRole(scope: Construct, definition: Pick<ForwardingDefinition, 'role'>): IamRole {
  const { role: spec } = definition;
  const trust = policyDocument(scope, 'role-trust', spec.trust);
  const role = new IamRole(scope, 'role', { name: spec.name, description: spec.description, assumeRolePolicy: trust.json });
  // The first policy keeps the construct ids it always had, so its Terraform addresses stay put.
  spec.policies.forEach((policy, i) => {
    const suffix = i === 0 ? '' : `-${policy.name}`;
    const document = policyDocument(scope, `role-permissions${suffix}`, policy.statements);
    new IamRolePolicy(scope, `role-policy${suffix}`, { name: policy.name, role: role.id, policy: document.json });
  });
  return role;
}
