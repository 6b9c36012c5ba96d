import { compilePattern, InvalidPatternError, type CompiledPattern, type EventPattern } from '../../functions/lib/event-pattern';
import type { Topology } from '../../config/schema';
import { deliveryRegion, forwardingPattern, isReadOnlyManagementEvent, type ForwardingOptions } from './delivery';
import { toEnvelope, type EventBridgeEnvelope } from './envelope';
import { SimulateInputError, type CloudTrailFile } from './read-cloudtrail';

/** A rule on the central bus. */
export interface SimulatedRule {
  readonly name: string;
  readonly pattern: EventPattern;
}

/** A source account as the simulator needs it. */
export interface SimulatedSourceAccount {
  readonly name: string;
  readonly id: string;
  readonly forwarding: ForwardingOptions;
}

/** Everything the replay depends on, taken from a topology by `setupFromTopology`. */
export interface SimulationSetup {
  /** Enabled regions: every source account has a forwarding rule in each. */
  readonly regions: readonly string[];
  readonly sourceAccounts: readonly SimulatedSourceAccount[];
  readonly rules: readonly SimulatedRule[];
  /**
   * Replay every record as if it had been logged in this source account (test data from foreign accounts).
   * @default - each record's own account; records of other accounts are not delivered
   */
  readonly asAccount?: SimulatedSourceAccount;
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

/** The simulator's view of a topology: its regions, source accounts with forwarding options, and central rules. */
export function setupFromTopology(topology: Topology, rules: readonly SimulatedRule[], asAccountName?: string): SimulationSetup {
  const sourceAccounts = topology.accounts
    .filter((account) => account.roles.includes('source'))
    .map((account) => ({ name: account.name, id: account.id, forwarding: account.source!.forwarding }));
  let asAccount: SimulatedSourceAccount | undefined;
  if (asAccountName !== undefined) {
    asAccount = sourceAccounts.find((account) => account.name === asAccountName);
    if (asAccount === undefined) {
      throw new SimulateInputError(
        `--as-account ${asAccountName}: not a source account of the topology; use one of ${sourceAccounts.map((a) => a.name).join(', ') || '(none)'}`,
      );
    }
  }
  return { regions: topology.regions, sourceAccounts, rules, asAccount };
}

/** Compiles every rule once; an invalid pattern is reported with the rule's name. */
function compileRules(rules: readonly SimulatedRule[]): { name: string; compiled: CompiledPattern }[] {
  return rules.map((rule) => {
    try {
      return { name: rule.name, compiled: compilePattern(rule.pattern) };
    } catch (err) {
      if (err instanceof InvalidPatternError) throw new InvalidPatternError(err.problems.map((p) => ({ ...p, path: `rule ${rule.name}: ${p.path}` })));
      throw err;
    }
  });
}

/**
 * Replays CloudTrail records through the topology: each becomes the envelope EventBridge delivers in its account,
 * passes (or not) that region's forwarding rule to the central bus, and is matched against every central rule.
 */
export function simulate(files: readonly CloudTrailFile[], setup: SimulationSetup): SimulationReport {
  const rules = compileRules(setup.rules);
  const regions = new Set(setup.regions);
  const forwarding = new Map<string, { account: SimulatedSourceAccount; rule: CompiledPattern }>();
  for (const account of setup.sourceAccounts) forwarding.set(account.id, { account, rule: compilePattern(forwardingPattern(account.forwarding)) });

  const outcomes: RecordOutcome[] = [];
  const ruleCounts: Record<string, number> = Object.fromEntries(setup.rules.map((rule) => [rule.name, 0]));
  for (const { file, records } of files) {
    records.forEach((record, index) => {
      const base = { file, index, eventSource: stringOr(record.eventSource), eventName: stringOr(record.eventName) };
      const built = toEnvelope(record);
      if ('reason' in built) {
        outcomes.push({ ...base, dropped: built.reason, rules: [] });
        return;
      }
      const sender = setup.asAccount !== undefined ? forwarding.get(setup.asAccount.id) : forwarding.get(built.account);
      const region = deliveryRegion(built);
      const envelope: EventBridgeEnvelope = { ...built, region, account: sender?.account.id ?? built.account };
      const located = { ...base, account: envelope.account, region };
      const dropped = dropReason(envelope, sender, regions);
      if (dropped !== undefined) {
        outcomes.push({ ...located, dropped, rules: [] });
        return;
      }
      const fired = rules.filter((rule) => rule.compiled.matches(envelope)).map((rule) => rule.name);
      for (const name of fired) ruleCounts[name] = (ruleCounts[name] ?? 0) + 1;
      outcomes.push({ ...located, rules: fired });
    });
  }
  return {
    outcomes,
    ruleCounts,
    unmatched: outcomes.filter((outcome) => outcome.dropped === undefined && outcome.rules.length === 0),
    dropped: outcomes.filter((outcome) => outcome.dropped !== undefined),
  };
}

function dropReason(
  envelope: EventBridgeEnvelope,
  sender: { account: SimulatedSourceAccount; rule: CompiledPattern } | undefined,
  regions: ReadonlySet<string>,
): string | undefined {
  if (sender === undefined) return `account ${envelope.account} is not a source account of the topology (try --as-account)`;
  const { account, rule } = sender;
  if (!account.forwarding.enabled) return `forwarding is disabled for source account ${account.name}`;
  if (!regions.has(envelope.region)) {
    return envelope.region === envelope.detail.awsRegion
      ? `region ${envelope.region} is not enabled in the topology, so no forwarding rule sees it`
      : `global-service events arrive in ${envelope.region} only, which is not enabled in the topology`;
  }
  if (isReadOnlyManagementEvent(envelope.detail) && !account.forwarding.readOnlyEvents) {
    return `read-only management event; source account ${account.name} does not forward them (forwarding.readOnlyEvents)`;
  }
  if (!rule.matches(envelope)) return `the forwarding rule of ${account.name} does not match it (detail-type or event source)`;
  return undefined;
}

const stringOr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
