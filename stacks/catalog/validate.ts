import { topologySource } from '../../config/load';
import { Problem, TopologyError } from '../../config/problems';
import { globalEventsRegion } from '../../config/regions';
import { Topology } from '../../config/schema';
import { rulePatternProblems } from '../../functions/lib/event-pattern';
import { CentralRule, centralRules } from './central-rules';
import { destinationProblems } from './destinations';
import { forwardingRules } from './forwarding';
import { DATABASE_DELETED_USE_CASE, enabledResponses, evidenceRules, responseRules } from './responses';
import { sigmaProblems } from './sigma-rules';
import { EventPattern } from './use-case';
import { USE_CASES } from './use-cases';

export { MAX_PATTERN_CHARS } from '../../functions/lib/event-pattern';

/**
 * Everything wrong with the EventBridge part of a topology that the schema cannot see: unknown
 * use-case ids, rule names used twice, Lambda targets elsewhere, rules that need us-east-1's
 * global events that no source forwards, destinations that do not resolve, and every pattern
 * (catalog, custom, forwarding) that EventBridge would reject, each with the rule name and the reason.
 */
export function eventTopologyProblems(topology: Topology): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const ids = USE_CASES.map((u) => u.id);

  for (const id of Object.keys(topology.events.useCases)) {
    if (!ids.includes(id)) add(`events.useCases[${JSON.stringify(id)}]`, `${JSON.stringify(id)} is not a use case of the catalog; use one of ${ids.join(', ')}, or write a custom rule`);
  }
  const seen = new Map<string, number>();
  topology.events.customRules.forEach((custom, i) => {
    if (ids.includes(custom.name)) add(`events.customRules[${i}].name`, `${JSON.stringify(custom.name)} is the id of a catalog use case; give the custom rule another name`);
    else if (seen.has(custom.name)) add(`events.customRules[${i}].name`, `${JSON.stringify(custom.name)} is already the name of events.customRules[${seen.get(custom.name)}]; rule names must be unique`);
    seen.set(custom.name, i);
  });

  let rules: CentralRule[] = [];
  try {
    rules = centralRules(topology);
  } catch (err) {
    // A name over a service limit: report it with the others instead of stopping at it.
    add('events', (err as Error).message);
  }
  const security = topology.accounts.find((a) => a.roles.includes('security'));
  for (const rule of rules) {
    for (const reason of patternProblems(rule.pattern)) add(`${rule.path}${rule.origin === 'custom' ? '.pattern' : ''}`, `rule ${JSON.stringify(rule.name)}: ${reason}`);
    if (rule.functionArn !== undefined) {
      if (rule.target !== 'lambda') add(`${rule.path}.functionArn`, `is set but the target is ${JSON.stringify(rule.target)}; set "target": "lambda" or remove functionArn`);
      const [, , , region, accountId] = rule.functionArn.split(':');
      if (region !== topology.homeRegion || accountId !== security?.id) {
        add(`${rule.path}.functionArn`, `${rule.functionArn} is not in the security account (${security?.id}) and the home region (${topology.homeRegion}); a rule targets a function there only`);
      }
    }
  }

  problems.push(...sigmaProblems(topology));
  problems.push(...responseProblems(topology, rules));
  problems.push(...destinationProblems(topology, rules));

  const forwarding = forwardingRules(topology);
  for (const rule of forwarding) {
    for (const reason of patternProblems(rule.pattern)) add(rule.path, `rule ${JSON.stringify(rule.name)} in ${rule.region}: ${reason}`);
  }
  const globalRegion = globalEventsRegion(topology.partition);
  if (forwarding.length > 0 && !forwarding.some((r) => r.region === globalRegion)) {
    for (const rule of [...rules, ...responseRules(topology)].filter((r) => r.needsGlobalEvents)) {
      add(
        rule.path,
        `rule ${JSON.stringify(rule.name)} needs events of global services (IAM, STS, sign-in, Organizations), which reach EventBridge in ${globalRegion} only, and no source account forwards from there; add ${globalRegion} to regions, leave forwarding.globalEventsFromUsEast1 on, or disable this use case`,
      );
    }
  }
  return problems;
}

/** What the responses name that the catalog or the rules do not have, and the patterns of their rules. */
function responseProblems(topology: Topology, rules: readonly CentralRule[]): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const on = enabledResponses(topology);
  const evidence = on['audit-evidence'];
  const ids = USE_CASES.map((u) => u.id);
  evidence?.useCases?.forEach((id, i) => {
    const at = `responses["audit-evidence"].useCases[${i}]`;
    if (!ids.includes(id)) add(at, `${JSON.stringify(id)} is not a use case of the catalog; use one of ${ids.join(', ')}`);
    else if (!rules.some((r) => r.id === id)) add(at, `use case ${JSON.stringify(id)} is disabled, so no event of it reaches the responder; enable it in events.useCases or remove it here`);
  });
  if (evidence && evidence.useCases === undefined && evidenceRules(topology).length === 0) {
    add('responses["audit-evidence"]', 'no enabled use case targets sns, so no event is sensitive; list the use cases to report on in useCases, or turn audit-evidence off');
  }
  if (on['database-deleted'] && !rules.some((r) => r.id === DATABASE_DELETED_USE_CASE)) {
    add('responses["database-deleted"]', `rides on the use case ${DATABASE_DELETED_USE_CASE}, which is disabled; enable it in events.useCases or turn the response off`);
  }
  const [first] = Object.keys(on);
  if (first !== undefined && !rules.some((r) => r.target === 'sns')) {
    // The responder says what it did (or, reporting, would do) on the alert topic, which exists only for sns rules.
    add(
      `responses[${JSON.stringify(first)}]`,
      'the responder tells what it did, or in report mode what it would do, on the alert topic, and no enabled rule targets sns, so there is none; target sns with a use case (events.useCases.<id>.target) or a custom rule, or turn the responses off',
    );
  }
  for (const rule of responseRules(topology)) {
    for (const reason of patternProblems(rule.pattern)) add(rule.path, `rule ${JSON.stringify(rule.name)}: ${reason}`);
  }
  return problems;
}

/** Throws one TopologyError listing every problem of {@link eventTopologyProblems}. */
export function assertValidEventTopology(topology: Topology): void {
  const problems = eventTopologyProblems(topology);
  if (problems.length > 0) throw new TopologyError(topologySource(topology), problems);
}

/** Why EventBridge would reject a pattern; empty when it is valid. */
export function patternProblems(pattern: EventPattern): string[] {
  return rulePatternProblems(pattern);
}
