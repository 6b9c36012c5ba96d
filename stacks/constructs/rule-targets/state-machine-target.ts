import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Construct } from 'constructs';
import type { StateMachineOptions } from '../../../config/sections/destinations';
import { CentralRule, resolveDestination } from '../../catalog';
import { invokeRole } from './invoke-role';
import { RuleTarget, RuleTargetConfig } from './rule-target';

export interface StateMachineTargetProps {
  /** The state machines of the topology (events.stateMachines). */
  readonly stateMachines: readonly StateMachineOptions[];
  /** The rules that use the kind, in the order of their ARNs. */
  readonly rules: readonly CentralRule[];
  readonly ruleArns: readonly string[];
  /** The account of the rules (each role trusts EventBridge of this account only). */
  readonly accountId: string;
  readonly roleNameOf: (stateMachine: string) => string;
}

/**
 * The stepfunctions target: a state machine of the topology (not created here), started with the
 * event as input through a role that may only start that machine, trusted by exactly the rules
 * that target it.
 */
export class StateMachineTarget implements RuleTarget {
  private readonly roles = new Map<string, IamRole>();

  constructor(scope: Construct, private readonly props: StateMachineTargetProps) {
    const used = new Map<string, { machine: StateMachineOptions; ruleArns: string[] }>();
    props.rules.forEach((rule, i) => {
      const machine = this.machineOf(rule);
      const entry = used.get(machine.name) ?? { machine, ruleArns: [] };
      entry.ruleArns.push(props.ruleArns[i]);
      used.set(machine.name, entry);
    });
    for (const { machine, ruleArns } of used.values()) {
      const role = invokeRole(scope, `state-machine-${machine.name}-role`, {
        roleName: props.roleNameOf(machine.name),
        description: `Lets the central EventBridge rules start the state machine ${machine.name}`,
        accountId: props.accountId,
        ruleArns,
        action: 'states:StartExecution',
        resource: machine.stateMachineArn,
      });
      this.roles.set(machine.name, role);
    }
  }

  bind(rule: CentralRule): RuleTargetConfig {
    const machine = this.machineOf(rule);
    const role = this.roles.get(machine.name);
    if (role === undefined) throw new Error(`${rule.path}: the rule was not given to this target's constructor; pass every rule of the kind in rules`);
    return { arn: machine.stateMachineArn, roleArn: role.arn };
  }

  private machineOf(rule: CentralRule): StateMachineOptions {
    const resolved = resolveDestination(rule, this.props.stateMachines);
    if ('problem' in resolved) throw new Error(`${resolved.problem.path}: ${resolved.problem.message}`);
    return resolved.destination;
  }
}
