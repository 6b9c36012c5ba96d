import { compilePattern, InvalidPatternError, type CompiledPattern, type EventPattern } from '../../functions/lib/event-pattern';
import type { Topology } from '../../config/schema';
import { globalEventsRegion } from '../../config/regions';
import type { SigmaTagRule } from '../../functions/forwarder/rules-schema';
import { centralRules, forwardingRules, type RuleState } from '../../stacks/catalog';
import { sigmaTagRules } from '../../stacks/catalog/sigma-rules';
import { deliveryRegion, isGlobalServiceEvent, isReadOnlyManagementEvent } from './delivery';
import { toEnvelope, type EventBridgeEnvelope } from './envelope';
import { SimulateInputError, type CloudTrailFile } from './read-cloudtrail';

const ALL_MANAGEMENT_EVENTS: RuleState = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/** An EventBridge rule as the simulator needs it. */
export interface SimulatedRule {
  readonly name: string;
  readonly pattern: EventPattern;
  /** ENABLED rules do not see read-only management events. @default 'ENABLED' */
  readonly state?: RuleState;
  /** The Sigma rule a central rule is compiled from. @default - not a Sigma rule */
  readonly sigma?: SigmaRuleRef;
}

/** A Sigma rule as the report names it: the id and level beside the title (Detection Rule License 1.1 keeps id and title). */
export interface SigmaRuleRef {
  /** The Sigma id ('' for a rule without one). */
  readonly id: string;
  readonly level: string;
  readonly title: string;
}

/** A Sigma rule a record matched on the central bus, with the central rule that fires. */
export interface SigmaHit extends SigmaRuleRef {
  readonly rule: string;
}

/** A forwarding rule of a source account in one region. */
export interface SimulatedForwardingRule extends SimulatedRule {
  readonly region: string;
}

/** A source account with its forwarding rules (none when forwarding is disabled). */
export interface SimulatedSourceAccount {
  readonly name: string;
  readonly id: string;
  readonly forwardingRules: readonly SimulatedForwardingRule[];
}

/** Everything the replay depends on; `setupFromTopology` builds it from a topology and the use-case catalog. */
export interface SimulationSetup {
  readonly sourceAccounts: readonly SimulatedSourceAccount[];
  /** The rules of the central bus, in report order. */
  readonly centralRules: readonly SimulatedRule[];
  /**
   * Replay every record as if it had been logged in this source account (for test data from foreign accounts).
   * @default - each record's own account; records of other accounts are not delivered
   */
  readonly asAccount?: string;
  /**
   * The rules document's Sigma rules when forwarder.sigmaTags is on: the forwarder matches every record against
   * them (delivered to the central bus or not) and adds the threat.rule.* attributes.
   * @default - the forwarder adds no Sigma tags
   */
  readonly sigmaTags?: readonly SigmaTagRule[];
  /**
   * Where global services' events reach EventBridge: the partition's global-events region.
   * @default us-east-1
   */
  readonly globalEventsRegion?: string;
}

/** What happened to one record. */
export interface RecordOutcome {
  readonly file: string;
  readonly index: number;
  readonly eventSource?: string;
  readonly eventName?: string;
  readonly account?: string;
  readonly region?: string;
  /** Why the record never reached the central bus; absent when it did. */
  readonly dropped?: string;
  /** Central rules the record fires, in rule order. */
  readonly rules: readonly string[];
  /** The central rules among `rules` that come from Sigma rules, with the Sigma id, level and title. */
  readonly sigma: readonly SigmaHit[];
  /** The Sigma rules the forwarder tags the record with (threat.rule.id/.name/.level), in document order; absent without forwarder.sigmaTags. */
  readonly sigmaTags?: readonly SigmaRuleRef[];
}

export interface SimulationReport {
  readonly outcomes: readonly RecordOutcome[];
  /** Records per central rule, every rule listed (0 when it never fires). */
  readonly ruleCounts: Readonly<Record<string, number>>;
  /** Records that reached the central bus but fired no rule. */
  readonly unmatched: readonly RecordOutcome[];
  /** Records that never reached the central bus, with the reason. */
  readonly dropped: readonly RecordOutcome[];
}

/** The simulator's view of a topology: the forwarding rules of its source accounts and its enabled central rules. */
export function setupFromTopology(topology: Topology, asAccountName?: string): SimulationSetup {
  const forwarding = forwardingRules(topology);
  const sourceAccounts = topology.accounts
    .filter((account) => account.roles.includes('source'))
    .map((account) => ({
      name: account.name,
      id: account.id,
      forwardingRules: forwarding
        .filter((rule) => rule.account.id === account.id)
        .map((rule) => ({ name: `${rule.name} (${account.name}, ${rule.region})`, region: rule.region, pattern: rule.pattern, state: rule.state })),
    }));
  let asAccount: string | undefined;
  if (asAccountName !== undefined) {
    asAccount = sourceAccounts.find((account) => account.name === asAccountName)?.id;
    if (asAccount === undefined) {
      throw new SimulateInputError(
        `--as-account ${asAccountName}: not a source account of the topology; use one of ${sourceAccounts.map((a) => a.name).join(', ') || '(none)'}`,
      );
    }
  }
  const central = centralRules(topology).map((rule) => ({
    name: rule.name,
    pattern: rule.pattern,
    state: rule.state,
    sigma: rule.sigma && { id: rule.sigma.id, level: rule.sigma.level, title: rule.sigma.title },
  }));
  return {
    sourceAccounts,
    centralRules: central,
    asAccount,
    sigmaTags: topology.forwarder.sigmaTags ? sigmaTagRules(topology) : undefined,
    globalEventsRegion: globalEventsRegion(topology.partition),
  };
}

interface CompiledRule {
  readonly name: string;
  readonly seesReadOnly: boolean;
  readonly compiled: CompiledPattern;
  readonly sigma?: SigmaRuleRef;
}

/** Compiles a rule once; an invalid pattern is reported with the rule's name. */
function compileRule(rule: SimulatedRule): CompiledRule {
  try {
    return { name: rule.name, seesReadOnly: rule.state === ALL_MANAGEMENT_EVENTS, compiled: compilePattern(rule.pattern), sigma: rule.sigma };
  } catch (err) {
    if (err instanceof InvalidPatternError) throw new InvalidPatternError(err.problems.map((p) => ({ ...p, path: `rule ${rule.name}: ${p.path}` })));
    throw err;
  }
}

/**
 * The forwarder's Sigma tags of a record, with the shared matcher on the record itself as the forwarder's tagger
 * matches it (its prefilter and direct reads are held to this by its tests).
 */
function sigmaTagger(rules: readonly SigmaTagRule[] | undefined): ((record: Record<string, unknown>) => SigmaRuleRef[]) | undefined {
  if (rules === undefined) return undefined;
  const compiled = rules.map((rule) => ({ ref: { id: rule.id, level: rule.level, title: rule.name }, pattern: compileRule({ name: `sigma ${rule.id}`, pattern: rule.pattern }).compiled }));
  return (record) => compiled.filter((rule) => rule.pattern.matches(record)).map((rule) => rule.ref);
}

const fires = (rule: CompiledRule, envelope: EventBridgeEnvelope, readOnly: boolean): boolean =>
  (!readOnly || rule.seesReadOnly) && rule.compiled.matches(envelope);

/**
 * Replays CloudTrail records through a topology: each record becomes the envelope EventBridge delivers in its
 * account, reaches the central bus if a forwarding rule of that account in the delivery region passes it, and is
 * matched there against every central rule.
 */
export function simulate(files: readonly CloudTrailFile[], setup: SimulationSetup): SimulationReport {
  const central = setup.centralRules.map(compileRule);
  const tagsOf = sigmaTagger(setup.sigmaTags);
  const accounts = new Map(setup.sourceAccounts.map((account) => [account.id, { account, rules: account.forwardingRules.map((rule) => ({ region: rule.region, ...compileRule(rule) })) }]));

  const outcomes: RecordOutcome[] = [];
  const ruleCounts: Record<string, number> = Object.fromEntries(setup.centralRules.map((rule) => [rule.name, 0]));
  for (const { file, records } of files) {
    records.forEach((record, index) => {
      const sigmaTags = tagsOf?.(record);
      const described = { file, index, eventSource: stringOr(record.eventSource), eventName: stringOr(record.eventName), ...(sigmaTags && { sigmaTags }) };
      const built = toEnvelope(record);
      if ('reason' in built) {
        outcomes.push({ ...described, dropped: built.reason, rules: [], sigma: [] });
        return;
      }
      const envelope: EventBridgeEnvelope = { ...built, account: setup.asAccount ?? built.account, region: deliveryRegion(built, setup.globalEventsRegion) };
      const located = { ...described, account: envelope.account, region: envelope.region };
      const readOnly = isReadOnlyManagementEvent(record);
      const sender = accounts.get(envelope.account);
      let dropped: string | undefined;
      if (sender === undefined) {
        dropped = `account ${envelope.account} is not a source account of the topology (replay foreign records with --as-account)`;
      } else if (sender.rules.length === 0) {
        dropped = `source account ${sender.account.name} has forwarding disabled`;
      } else {
        const inRegion = sender.rules.filter((rule) => rule.region === envelope.region);
        if (inRegion.length === 0) {
          dropped = isGlobalServiceEvent(record) && envelope.region !== record.awsRegion
            ? `global-service events arrive in ${envelope.region} only, where ${sender.account.name} has no forwarding rule`
            : `${sender.account.name} has no forwarding rule in ${envelope.region} (not an enabled region)`;
        } else if (!inRegion.some((rule) => fires(rule, envelope, readOnly))) {
          dropped = readOnly && !inRegion.some((rule) => rule.seesReadOnly)
            ? `read-only management event, and ${sender.account.name} does not forward those (forwarding.readOnlyEvents)`
            : `the forwarding rule of ${sender.account.name} in ${envelope.region} does not match it`;
        }
      }
      if (dropped !== undefined) {
        outcomes.push({ ...located, dropped, rules: [], sigma: [] });
        return;
      }
      const firing = central.filter((rule) => fires(rule, envelope, readOnly));
      for (const { name } of firing) ruleCounts[name] = (ruleCounts[name] ?? 0) + 1;
      const sigma = firing.flatMap(({ name, sigma: ref }) => (ref ? [{ rule: name, ...ref }] : []));
      outcomes.push({ ...located, rules: firing.map((rule) => rule.name), sigma });
    });
  }
  return {
    outcomes,
    ruleCounts,
    unmatched: outcomes.filter((outcome) => outcome.dropped === undefined && outcome.rules.length === 0),
    dropped: outcomes.filter((outcome) => outcome.dropped !== undefined),
  };
}

const stringOr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
