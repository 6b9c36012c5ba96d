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
  /** Rule id -> the machine it starts and the role it starts it with. */
  private readonly byRule = new Map<string, { machine: StateMachineOptions; role: IamRole }>();

  constructor(scope: Construct, props: StateMachineTargetProps) {
    const used = new Map<string, { machine: StateMachineOptions; rules: CentralRule[]; ruleArns: string[] }>();
    props.rules.forEach((rule, i) => {
      const machine = machineOf(rule, props.stateMachines);
      const entry = used.get(machine.name) ?? { machine, rules: [], ruleArns: [] };
      entry.rules.push(rule);
      entry.ruleArns.push(props.ruleArns[i]);
      used.set(machine.name, entry);
    });
    for (const { machine, rules, ruleArns } of used.values()) {
      const role = invokeRole(scope, `state-machine-${machine.name}-role`, {
        roleName: props.roleNameOf(machine.name),
        description: `Lets the central EventBridge rules start the state machine ${machine.name}`,
        accountId: props.accountId,
        ruleArns,
        action: 'states:StartExecution',
        resource: machine.stateMachineArn,
      });
      for (const rule of rules) this.byRule.set(rule.id, { machine, role });
    }
  }

  bind(rule: CentralRule): RuleTargetConfig {
    const bound = this.byRule.get(rule.id);
    if (bound === undefined) throw new Error(`${rule.path}: the rule was not given to this target's constructor; pass every rule of the kind in rules`);
    return { arn: bound.machine.stateMachineArn, roleArn: bound.role.arn };
  }
}

function machineOf(rule: CentralRule, machines: readonly StateMachineOptions[]): StateMachineOptions {
  const resolved = resolveDestination(rule, machines);
  if ('problem' in resolved) throw new Error(`${resolved.problem.path}: ${resolved.problem.message}`);
  return resolved.destination;
}
