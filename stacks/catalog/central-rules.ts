import { Naming } from '../../config/naming';
import { Topology } from '../../config/schema';
import type { TargetKind } from '../../config/sections/events';
import { RuleState, ruleState } from './forwarding';
import { AlertDetail, EventPattern } from './use-case';
import { USE_CASES } from './use-cases';
import { forwardsReadOnlyEvents, sigmaCentralRules, type SigmaRuleInfo } from './sigma-rules';

/** One rule on the central bus: a catalog use case as configured, or a custom rule. */
export interface CentralRule {
  /** Catalog id or custom rule name. */
  readonly id: string;
  /** Physical rule name, from the naming module. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly pattern: EventPattern;
  readonly target: TargetKind;
  /** The function of a lambda target. @default - the bucket-logger */
  readonly functionArn?: string;
  /** The API destination or state machine of a servicenow, jira, webhook or stepfunctions target. @default - the only one of its kind */
  readonly destination?: string;
  readonly origin: 'catalog' | 'custom' | 'sigma';
  /** JSON path of the rule in the topology, for messages: events.useCases["x"] or events.customRules[0]. */
  readonly path: string;
  readonly needsGlobalEvents: boolean;
  /** What the alert says beyond the common line. @default - nothing more */
  readonly alertDetail?: AlertDetail;
  /** ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS when some source forwards read-only events. */
  readonly state: RuleState;
  /** Tags of the rule beyond the stack's default tags (a Sigma rule's level, id and attack.* tags). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
  /** The Sigma rule a rule of origin sigma comes from. @default - none */
  readonly sigma?: SigmaRuleInfo;
}

/**
 * The enabled rules of the central bus, catalog use cases first (in catalog order), then custom
 * rules in topology order, then the Sigma rules of events.sigma in file order. Pure: no checks here (see eventTopologyProblems), so a caller can list
 * the rules of a topology that still has problems.
 */
export function centralRules(topology: Topology): CentralRule[] {
  const naming = new Naming(topology);
  const events = topology.events;
  // Forwarded read-only events may be filtered out by a central rule in the plain ENABLED state.
  const readOnlyForwarded = forwardsReadOnlyEvents(topology);
  const state = ruleState(readOnlyForwarded);
  const rules: CentralRule[] = [];
  for (const useCase of USE_CASES) {
    const options = events.useCases[useCase.id];
    if (!(options?.enabled ?? useCase.enabledByDefault ?? true)) continue;
    rules.push({
      id: useCase.id,
      name: naming.centralRuleName(useCase.id),
      title: useCase.title,
      description: useCase.description,
      pattern: useCase.pattern,
      target: options?.target ?? useCase.defaultTarget,
      functionArn: options?.functionArn,
      destination: options?.destination,
      origin: 'catalog',
      path: `events.useCases[${JSON.stringify(useCase.id)}]`,
      needsGlobalEvents: useCase.needsGlobalEvents,
      alertDetail: useCase.alertDetail,
      state,
    });
  }
  events.customRules.forEach((custom, index) => {
    rules.push({
      id: custom.name,
      name: naming.centralRuleName(custom.name),
      title: custom.name,
      description: custom.description,
      pattern: custom.pattern,
      target: custom.target,
      functionArn: custom.functionArn,
      destination: custom.destination,
      origin: 'custom',
      path: `events.customRules[${index}]`,
      needsGlobalEvents: false,
      state,
    });
  });
  rules.push(...sigmaCentralRules(topology, state, readOnlyForwarded));
  return rules;
}

/** An EventBridge input transformer: named JSON paths and a template that uses them as <name>. */
export interface InputTransformer {
  readonly inputPaths: Record<string, string>;
  readonly inputTemplate: string;
}

/**
 * The one-line alert an SNS email subscriber reads instead of the raw event:
 * "Root user activity: ConsoleLogin (signin.amazonaws.com) by arn:... from 1.2.3.4 in account
 * 111111111111, region us-east-1, at 2026-01-01T00:00:00Z. Rule trailbridge-root-account-usage, event id ..."
 */
export function alertTransformer(rule: Pick<CentralRule, 'title' | 'name' | 'alertDetail'>): InputTransformer {
  // <...> is placeholder syntax in a template; quotes and backslashes would break the JSON string.
  const title = rule.title.replace(/[<>"\\]/g, '');
  const detail = rule.alertDetail ? ` ${rule.alertDetail.sentence.replace(/["\\]/g, '')}` : '';
  return {
    inputPaths: {
      ...rule.alertDetail?.inputPaths,
      account: '$.account',
      region: '$.region',
      time: '$.time',
      id: '$.id',
      eventName: '$.detail.eventName',
      eventSource: '$.detail.eventSource',
      actor: '$.detail.userIdentity.arn',
      sourceIp: '$.detail.sourceIPAddress',
    },
    inputTemplate: `"${title}: <eventName> (<eventSource>) by <actor> from <sourceIp> in account <account>, region <region>, at <time>. Rule ${rule.name}, event id <id>.${detail}"`,
  };
}
