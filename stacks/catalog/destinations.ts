import type { Problem } from '../../config/problems';
import type { Topology } from '../../config/schema';
import { ApiDestinationOptions, StateMachineOptions } from '../../config/sections/destinations';
import type { TargetKind } from '../../config/sections/events';
import type { CentralRule } from './central-rules';

/** The target kinds that deliver to a named destination of the topology, and where each is declared. */
const DESTINATION_LISTS = {
  servicenow: 'events.apiDestinations',
  jira: 'events.apiDestinations',
  webhook: 'events.apiDestinations',
  stepfunctions: 'events.stateMachines',
} as const satisfies Partial<Record<TargetKind, string>>;

export type DestinationKind = keyof typeof DESTINATION_LISTS;

export function isDestinationKind(kind: TargetKind): kind is DestinationKind {
  return kind in DESTINATION_LISTS;
}

/** The destinations of the topology a rule of `kind` may name. */
export function destinationsOfKind(topology: Topology, kind: DestinationKind): readonly (ApiDestinationOptions | StateMachineOptions)[] {
  return kind === 'stepfunctions' ? topology.events.stateMachines : topology.events.apiDestinations.filter((d) => d.kind === kind);
}

type Resolved<T> = { readonly destination: T } | { readonly problem: Problem };

/**
 * The destination a rule delivers to: the one it names, else the only one of its kind. A problem
 * (with the rule's JSON path) when it names none that exists, or none or several of its kind do.
 */
export function resolveDestination<T extends { readonly name: string }>(
  rule: Pick<CentralRule, 'path' | 'target' | 'destination' | 'origin'>,
  candidates: readonly T[],
): Resolved<T> {
  const kind = rule.target as DestinationKind;
  const list = `${DESTINATION_LISTS[kind]}${kind === 'stepfunctions' ? '' : ` of kind ${JSON.stringify(kind)}`}`;
  const names = candidates.map((c) => c.name);
  if (rule.destination !== undefined) {
    const found = candidates.find((c) => c.name === rule.destination);
    if (found) return { destination: found };
    const known = names.length > 0 ? `the ${list} are ${names.join(', ')}` : `there is none in ${list}`;
    return { problem: { path: `${rule.path}.destination`, message: `${JSON.stringify(rule.destination)} is not a destination of this target kind (${known}); name one of them or declare it` } };
  }
  if (candidates.length === 1) return { destination: candidates[0] };
  const message =
    candidates.length === 0
      ? `the target is ${JSON.stringify(kind)} but there is none in ${list}; declare one there or choose another target`
      : `the target is ${JSON.stringify(kind)} and ${list} has several (${names.join(', ')}); set "destination" to one of them`;
  return { problem: { path: `${rule.path}${rule.origin === 'custom' ? '.target' : ''}`, message } };
}

/**
 * Everything wrong with the destinations of a topology and the rules that use them: names used
 * twice, state machines outside the security account's home region, a destination on a rule
 * whose target takes none, and each rule whose destination cannot be resolved.
 */
export function destinationProblems(topology: Topology, rules: readonly CentralRule[]): Problem[] {
  const problems: Problem[] = [];
  const events = topology.events;
  problems.push(...duplicateNames('events.apiDestinations', events.apiDestinations), ...duplicateNames('events.stateMachines', events.stateMachines));
  const security = topology.accounts.find((a) => a.roles.includes('security'));
  events.stateMachines.forEach((machine, i) => {
    const [, , service, region, accountId, resource = ''] = machine.stateMachineArn.split(':');
    if (service !== 'states' || !resource.startsWith('stateMachine') || region !== topology.homeRegion || accountId !== security?.id) {
      problems.push({
        path: `events.stateMachines[${i}].stateMachineArn`,
        message: `${machine.stateMachineArn} is not a state machine in the security account (${security?.id}) and the home region (${topology.homeRegion}); write arn:${topology.partition}:states:${topology.homeRegion}:${security?.id}:stateMachine:<name>`,
      });
    }
  });
  for (const rule of rules) {
    if (!isDestinationKind(rule.target)) {
      if (rule.destination !== undefined) {
        problems.push({ path: `${rule.path}.destination`, message: `is set but the target is ${JSON.stringify(rule.target)}; set a servicenow, jira, webhook or stepfunctions target or remove destination` });
      }
      continue;
    }
    const resolved = resolveDestination(rule, destinationsOfKind(topology, rule.target));
    if ('problem' in resolved) problems.push(resolved.problem);
  }
  return problems;
}

function duplicateNames(list: string, items: readonly { readonly name: string }[]): Problem[] {
  const first = new Map<string, number>();
  return items.flatMap((item, i) => {
    const seen = first.get(item.name);
    if (seen === undefined) {
      first.set(item.name, i);
      return [];
    }
    return [{ path: `${list}[${i}].name`, message: `${JSON.stringify(item.name)} is already the name of ${list}[${seen}]; destination names must be unique` }];
  });
}
