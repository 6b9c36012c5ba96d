import { Naming } from '../../config/naming';
import { GLOBAL_EVENTS_REGION, globalEventsRegion } from '../../config/regions';
import { SourceAccount, Topology } from '../../config/schema';
import type { ForwardingOptions } from '../../config/sections/events';
import { API_CALL, CONSOLE_SIGN_IN, EventPattern } from './use-case';

/**
 * The source side: which rule each source account has in which region, with which pattern.
 *
 * A rule on a default bus sees only the events of its own region, so a source account needs one in
 * every enabled region. Global services hand their events to EventBridge in us-east-1 only
 * (us-gov-west-1 in GovCloud, cn-north-1 in China: globalEventsRegion); when that region is not
 * enabled, a rule there forwards just those (globalEventsFromUsEast1).
 */

export { GLOBAL_EVENTS_REGION, globalEventsRegion };

/**
 * Event sources whose CloudTrail events reach EventBridge in us-east-1 only: IAM, STS through its
 * global endpoint, console sign-in, CloudFront, Organizations, Route 53 and its domains, WAF Classic
 * and Shield. (STS regional endpoints and sign-ins through regional console endpoints arrive in
 * their own region, which the regional rules cover.)
 */
export const GLOBAL_EVENT_SOURCES: readonly string[] = [
  'iam.amazonaws.com',
  'sts.amazonaws.com',
  'signin.amazonaws.com',
  'cloudfront.amazonaws.com',
  'organizations.amazonaws.com',
  'route53.amazonaws.com',
  'route53domains.amazonaws.com',
  'waf.amazonaws.com',
  'shield.amazonaws.com',
];

export const FORWARDED_DETAIL_TYPES: readonly string[] = [API_CALL, CONSOLE_SIGN_IN];

/**
 * The sources a forwarding rule takes: AWS's (`aws.<service>`). Anyone who may put events on the default bus can
 * give one a CloudTrail detail-type, but PutEvents refuses `aws.` sources, so only CloudTrail's reach the central bus.
 */
export const FORWARDED_SOURCES: readonly unknown[] = [{ prefix: 'aws.' }];

export type RuleState = 'ENABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/** One forwarding rule of a source account in one region. */
export interface ForwardingRule {
  readonly account: SourceAccount;
  readonly region: string;
  /** all: every API call and sign-in of the region; global: only the global services' events (us-east-1 when it is not enabled). */
  readonly scope: 'all' | 'global';
  readonly name: string;
  readonly pattern: EventPattern;
  /** ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS when read-only events are forwarded too. */
  readonly state: RuleState;
  /** JSON path of the options in the topology, for messages. */
  readonly path: string;
}

/** The state a rule needs to see read-only management events too. */
export function ruleState(readOnlyEvents: boolean): RuleState {
  return readOnlyEvents ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED';
}

/** The pattern of a forwarding rule; `limitTo` narrows it further to those sources (the global ones). */
export function forwardingPattern(options: Pick<ForwardingOptions, 'includeSources' | 'excludeSources'>, limitTo?: readonly string[]): EventPattern | undefined {
  const pattern: EventPattern = { source: [...FORWARDED_SOURCES], 'detail-type': [...FORWARDED_DETAIL_TYPES] };
  let sources: string[] | undefined;
  if (limitTo) {
    sources = limitTo.filter((s) => (options.includeSources.length > 0 ? options.includeSources.includes(s) : !options.excludeSources.includes(s)));
    if (sources.length === 0) return undefined;
  } else if (options.includeSources.length > 0) {
    sources = [...options.includeSources];
  }
  if (sources) pattern.detail = { eventSource: sources };
  else if (options.excludeSources.length > 0) pattern.detail = { eventSource: [{ 'anything-but': [...options.excludeSources] }] };
  return pattern;
}

/** The regions in which a source account has a forwarding rule (each needs a provider). */
export function forwardingRegions(topology: Topology, source: SourceAccount): string[] {
  return [...new Set(regionalForwardingRules(topology, source.source.forwarding).map((r) => r.region))];
}

/** Every forwarding rule of the topology, by source account then region. */
export function forwardingRules(topology: Topology): ForwardingRule[] {
  const rules: ForwardingRule[] = [];
  topology.accounts.forEach((account, index) => {
    if (!account.roles.includes('source') || !account.source) return;
    const source = account as SourceAccount;
    const path = `accounts[${index}].source.forwarding`;
    for (const rule of regionalForwardingRules(topology, source.source.forwarding)) rules.push({ ...rule, account: source, path });
  });
  return rules;
}

/** The rules any account forwarding with these options gets: one per enabled region, and the partition's global-events region for the global services. */
export function regionalForwardingRules(topology: Topology, options: ForwardingOptions): Omit<ForwardingRule, 'account' | 'path'>[] {
  if (!options.enabled) return [];
  const base = { name: new Naming(topology).eventForwardingRuleName(), state: ruleState(options.readOnlyEvents) };
  const rules: Omit<ForwardingRule, 'account' | 'path'>[] = topology.regions.map((region) => ({ ...base, region, scope: 'all', pattern: forwardingPattern(options)! }));
  const globalRegion = globalEventsRegion(topology.partition);
  if (!topology.regions.includes(globalRegion) && options.globalEventsFromUsEast1) {
    const pattern = forwardingPattern(options, GLOBAL_EVENT_SOURCES);
    if (pattern) rules.push({ ...base, region: globalRegion, scope: 'global', pattern });
  }
  return rules;
}
