import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compilePattern } from '../../functions/lib/event-pattern';
import type { TargetKind } from '../../config/sections/events';
import { API_CALL, CentralRule, ForwardingRule } from '../../stacks/catalog';
import type { PutEventsEntry } from '../../stacks/constructs/idr-event-format';
import { isGlobalServiceEvent, isReadOnlyManagementEvent } from '../simulate/delivery';
import { toEnvelope } from '../simulate/envelope';
import { SHARED_CLOUDTRAIL_DIR } from './cloudtrail-files';

/**
 * Flow 2 of the e2e, as pure functions: which real CloudTrail records the run puts on the source
 * accounts' default buses, the event EventBridge would build from each (adjusted to the account and
 * region it is put in), which central-bus rules must deliver it where, and the lines the run prints.
 * The I/O is in flow2-check.ts.
 */

/** The target kinds moto's EventBridge delivers to; a rule of another kind (sns, lambda, kinesis) makes PutEvents fail there. */
export const EMULATOR_DELIVERED_KINDS: readonly TargetKind[] = ['sqs', 'logs'];

/** What a sample record is for: reaching one deliverable kind, reaching one Sigma rule (by its rule name), or reaching no rule at all. */
export type SamplePurpose = TargetKind | 'no rule' | `sigma ${string}`;

/** The purpose of proving one Sigma rule of the topology end to end. */
export const sigmaPurpose = (rule: Pick<CentralRule, 'name'>): SamplePurpose => `sigma ${rule.name}`;

export interface CandidateRecord {
  /** File name, for messages and the printed lines. */
  readonly file: string;
  readonly record: Record<string, any>;
}

export interface SampleRecord extends CandidateRecord {
  readonly purpose: SamplePurpose;
}

/** The shared CloudTrail records (Stratus Red Team), file by file in name order. */
export function sharedCandidates(dir: string = SHARED_CLOUDTRAIL_DIR): CandidateRecord[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const records: Record<string, any>[] = Array.isArray(parsed) ? parsed : parsed.Records;
      return records.map((record) => ({ file, record }));
    });
}

/** The central rules a delivered event matches (the shared matcher, as EventBridge would). */
export function matchingRules(event: Record<string, unknown>, rules: readonly CentralRule[]): CentralRule[] {
  return rules.filter((rule) => compilePattern(rule.pattern).matches(event));
}

/**
 * One record per purpose: for each deliverable kind some enabled rule targets, the first record
 * that only rules of deliverable kinds match (at least one of them of that kind); for each Sigma
 * rule with a deliverable target, the first such record it matches (so flow 2 proves that rule end
 * to end); and the first record no rule matches. Every sample is an API call of a regional service (so it reaches the
 * default bus of every region) and, unless read-only events are forwarded, not read-only (a rule
 * in the ENABLED state would never see it in AWS). Throws naming each purpose nothing fits.
 */
export function chooseSamples(candidates: readonly CandidateRecord[], rules: readonly CentralRule[], readOnlyForwarded: boolean): SampleRecord[] {
  const kinds = EMULATOR_DELIVERED_KINDS.filter((kind) => rules.some((r) => r.target === kind));
  const sigmaRules = rules.filter((r) => r.origin === 'sigma' && EMULATOR_DELIVERED_KINDS.includes(r.target));
  const purposes: SamplePurpose[] = [...kinds, ...sigmaRules.map(sigmaPurpose), 'no rule'];
  const chosen = new Map<SamplePurpose, SampleRecord>();
  for (const candidate of candidates) {
    if (chosen.size === purposes.length) break;
    const envelope = toEnvelope(candidate.record);
    if ('reason' in envelope || envelope['detail-type'] !== API_CALL) continue;
    if (isGlobalServiceEvent(candidate.record)) continue;
    if (!readOnlyForwarded && isReadOnlyManagementEvent(candidate.record)) continue;
    const matched = matchingRules(envelope as unknown as Record<string, unknown>, rules);
    if (matched.some((r) => !EMULATOR_DELIVERED_KINDS.includes(r.target))) continue;
    const purpose = purposeOf(matched, kinds, sigmaRules, chosen);
    if (purpose !== undefined) chosen.set(purpose, { ...candidate, purpose });
  }
  const missing = purposes.filter((p) => !chosen.has(p));
  if (missing.length > 0) {
    throw new Error(
      `flow 2: no shared CloudTrail record fits ${missing.map(describePurpose).join(', ')} ` +
        `(an API call of a regional service, not read-only, matched by no rule of a kind other than ${EMULATOR_DELIVERED_KINDS.join('/')}); add such a record to ../shared/data/cloudtrail or change the e2e topology's targets`,
    );
  }
  return purposes.map((p) => chosen.get(p)!);
}

/**
 * The first purpose still open that a record matched by `matched` serves: no rule, a Sigma rule, then a deliverable
 * kind. Sigma rules first: few shared records match one, while most kinds have many.
 */
function purposeOf(matched: readonly CentralRule[], kinds: readonly TargetKind[], sigmaRules: readonly CentralRule[], chosen: ReadonlyMap<SamplePurpose, SampleRecord>): SamplePurpose | undefined {
  const open = (p: SamplePurpose) => !chosen.has(p);
  if (matched.length === 0) return open('no rule') ? 'no rule' : undefined;
  const sigma = sigmaRules.filter((r) => matched.includes(r)).map(sigmaPurpose).find(open);
  return sigma ?? kinds.find((k) => open(k) && matched.some((r) => r.target === k));
}

function describePurpose(purpose: SamplePurpose): string {
  if (purpose === 'no rule') return '"matches no central rule"';
  if (purpose.startsWith('sigma ')) return `"reaches the Sigma rule ${purpose.slice('sigma '.length)}"`;
  return `"reaches only ${purpose} targets"`;
}

/** A source account and region the run puts events in: one forwarding rule of the topology. */
export interface Flow2Slot {
  readonly accountName: string;
  readonly accountId: string;
  readonly region: string;
  /** The forwarding rule's pattern on that default bus. */
  readonly forwardingPattern: Record<string, unknown>;
}

export function slotsOf(rules: readonly ForwardingRule[]): Flow2Slot[] {
  return rules.filter((r) => r.scope === 'all').map((r) => ({ accountName: r.account.name, accountId: r.account.id, region: r.region, forwardingPattern: r.pattern }));
}

/** What one central rule must deliver. */
export interface ExpectedDelivery {
  readonly rule: string;
  readonly target: TargetKind;
}

/** One event the run puts on a default bus, and where it must arrive. */
export interface Flow2Event {
  /** The event's detail.eventID: unique per slot and sample, so arrivals say where they came from. */
  readonly id: string;
  readonly slot: Flow2Slot;
  readonly purpose: SamplePurpose;
  readonly eventName: string;
  readonly file: string;
  /** The PutEvents entry for the default bus of the slot. */
  readonly entry: PutEventsEntry;
  /** Whether the slot's forwarding rule matches it (then it must reach the central bus). */
  readonly forwarded: boolean;
  /** The central rules that match it. */
  readonly deliveries: readonly ExpectedDelivery[];
}

/** A UUID-shaped id from the parts (stable, so a run is reproducible). */
export function derivedEventId(...parts: readonly string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The record as CloudTrail would have written it in this account and region: the recording
 * account's id replaced everywhere (userIdentity, ARNs, recipientAccountId), awsRegion set, and a
 * new eventID.
 */
export function adjustRecord(record: Record<string, any>, accountId: string, region: string, eventId: string): Record<string, any> {
  const original = String(record.recipientAccountId ?? record.userIdentity?.accountId ?? '');
  const text = JSON.stringify(record);
  const moved = /^\d{12}$/.test(original) ? text.split(original).join(accountId) : text;
  return { ...JSON.parse(moved), recipientAccountId: accountId, awsRegion: region, eventID: eventId };
}

/**
 * The events to put: one per slot, the samples taken in turn, and more on the first slots until
 * every sample is used once. Each slot proves its forwarding rule; routing on the central bus does
 * not depend on the slot, and every delivery costs the emulator about a second (moto rebuilds a
 * JSONPath parser per target), so a sample is not repeated in every slot.
 */
export function flow2Events(slots: readonly Flow2Slot[], samples: readonly SampleRecord[], rules: readonly CentralRule[]): Flow2Event[] {
  if (slots.length === 0 || samples.length === 0) throw new Error('flow 2: no source account forwards events (no forwarding rule of scope "all"), or no sample record');
  // Pairs (i mod slots, i mod samples) for i below the larger count are all distinct.
  const pairs = Array.from({ length: Math.max(slots.length, samples.length) }, (_, i) => [slots[i % slots.length], samples[i % samples.length]] as const);
  return pairs.map(([slot, sample]) => {
    const forwarding = compilePattern(slot.forwardingPattern);
    const id = derivedEventId('trailbridge-e2e-flow2', slot.accountId, slot.region, sample.file, String(sample.record.eventID));
    const detail = adjustRecord(sample.record, slot.accountId, slot.region, id);
    const envelope = toEnvelope(detail);
    if ('reason' in envelope) throw new Error(`flow 2: ${sample.file} ${sample.record.eventName}: ${envelope.reason}`);
    const delivered = envelope as unknown as Record<string, unknown>;
    return {
      id,
      slot,
      purpose: sample.purpose,
      eventName: String(detail.eventName),
      file: sample.file,
      entry: { EventBusName: 'default', Source: envelope.source, DetailType: envelope['detail-type'], Detail: JSON.stringify(detail), Time: envelope.time || undefined },
      forwarded: forwarding.matches(delivered),
      deliveries: matchingRules(delivered, rules).map((r) => ({ rule: r.name, target: r.target })),
    };
  });
}

/** How often each event id arrived where the run looked. */
export interface Arrivals {
  /** On the central bus (counted by its archive). */
  readonly centralBus: ReadonlyMap<string, number>;
  /** At each deliverable kind's target (the SQS buffer, the log group). */
  readonly byKind: ReadonlyMap<TargetKind, ReadonlyMap<string, number>>;
}

/** Names of what the lines talk about. */
export interface Flow2Names {
  readonly centralBus: string;
  /** The target of each deliverable kind, e.g. sqs -> "SQS buffer trailbridge-security-events". */
  readonly targets: ReadonlyMap<TargetKind, string>;
}

export interface CheckLine {
  readonly ok: boolean;
  readonly text: string;
}

const where = (slot: Flow2Slot) => `${slot.accountName} (${slot.accountId}) ${slot.region}`;
const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

/**
 * The checks of the central-bus half of flow 2, one line each: per slot, every forwarded event
 * reached the central bus once; per event and deliverable kind, it reached that target once per
 * matching rule; an event no rule matches reached none of the targets.
 */
export function deliveryChecks(events: readonly Flow2Event[], arrivals: Arrivals, names: Flow2Names): CheckLine[] {
  const lines: CheckLine[] = [];
  const slots = [...new Map(events.map((e) => [`${e.slot.accountId}/${e.slot.region}`, e.slot])).values()];
  for (const slot of slots) {
    const mine = events.filter((e) => e.slot === slot);
    const arrived = (e: Flow2Event) => arrivals.centralBus.get(e.id) ?? 0;
    const once = mine.filter((e) => e.forwarded && arrived(e) === 1);
    const wrong = mine.filter((e) => arrived(e) !== (e.forwarded ? 1 : 0));
    const detail = wrong.map((e) => `${e.eventName} arrived ${arrived(e)} times${e.forwarded ? '' : ' though the forwarding rule does not match it'}`).join(', ');
    lines.push({
      ok: wrong.length === 0 && once.length > 0,
      text: `${where(slot)}: ${once.length}/${mine.length} events put on the default bus reached the central bus ${names.centralBus} once (${mine.map((e) => e.eventName).join(', ')})${detail ? `; ${detail}` : ''}`,
    });
  }
  for (const event of events) {
    const relevant = EMULATOR_DELIVERED_KINDS.filter((kind) => names.targets.has(kind));
    const expected = (kind: TargetKind) => event.deliveries.filter((d) => d.target === kind).length;
    const got = (kind: TargetKind) => arrivals.byKind.get(kind)?.get(event.id) ?? 0;
    if (event.deliveries.length === 0) {
      const reached = relevant.filter((k) => got(k) > 0);
      lines.push({
        ok: reached.length === 0,
        text: `${where(event.slot)}: ${event.eventName} (no central bus rule matches) reached ${reached.length === 0 ? `neither ${relevant.map((k) => names.targets.get(k)).join(' nor ')}` : reached.map((k) => `${names.targets.get(k)} ${times(got(k))}`).join(', ')}`,
      });
      continue;
    }
    for (const kind of relevant) {
      const want = expected(kind);
      if (want === 0 && got(kind) === 0) continue;
      const rules = event.deliveries.filter((d) => d.target === kind).map((d) => d.rule);
      lines.push({
        ok: got(kind) === want,
        text:
          want === 0
            ? `${where(event.slot)}: ${event.eventName} reached ${names.targets.get(kind)} ${times(got(kind))} though no central bus rule of that target matches it`
            : `${where(event.slot)}: ${event.eventName} reached ${names.targets.get(kind)} ${got(kind) === want ? times(want) : `${got(kind)} times, expected ${want}`} through the central bus rule${rules.length > 1 ? 's' : ''} ${rules.join(', ')}`,
      });
    }
  }
  return lines;
}

/** Counts of detail.eventID over EventBridge events (SQS bodies, log messages), ignoring ids not asked for and text that is not an event. */
export function countEventIds(messages: readonly string[], ids: ReadonlySet<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) {
    let id: unknown;
    try {
      id = JSON.parse(message)?.detail?.eventID;
    } catch {
      continue;
    }
    if (typeof id === 'string' && ids.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** A JWT-shaped web identity token with the claims the Dynatrace role's trust reads (unsigned: only an emulator accepts it). */
export function unsignedWebIdentityToken(claims: { readonly iss: string; readonly aud: string; readonly sub: string }, now: Date): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now.getTime() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, iat, exp: iat + 900 })}.`;
}

/** A PutEvents entry as the JSON 1.1 protocol sends it: a timestamp is epoch seconds (moto fails the whole call on an ISO string). */
export function wireEntry(entry: PutEventsEntry): Record<string, unknown> {
  if (entry.Time === undefined) return { ...entry };
  const ms = Date.parse(entry.Time);
  if (Number.isNaN(ms)) throw new Error(`PutEvents entry ${entry.DetailType}: Time ${JSON.stringify(entry.Time)} is not an ISO-8601 time`);
  return { ...entry, Time: ms / 1000 };
}
