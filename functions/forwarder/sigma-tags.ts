/**
 * Sigma rules on forwarded records: which of the compiled Sigma patterns of the rules document a record
 * matches, as the threat.rule.* attributes Dynatrace users query. Every pattern is compiled once, and a cheap
 * test on the fields a rule pins (event source, name, identity type) keeps the full matcher for the few rules
 * that can apply to a record.
 */
import { compilePatternSet } from '../lib/event-pattern';
import type { SigmaTagRule } from './rules-schema';

export const ATTR_THREAT_RULE_ID = 'threat.rule.id';
export const ATTR_THREAT_RULE_NAME = 'threat.rule.name';
export const ATTR_THREAT_RULE_LEVEL = 'threat.rule.level';

/**
 * The rules a record matched, each attribute comma-joined in document order: Log Ingest keeps attribute values as
 * strings unless an OpenPipeline pipeline processes them, so one string per attribute works everywhere.
 */
export interface SigmaHits {
  readonly ids: string;
  readonly names: string;
  readonly levels: string;
}

/**
 * Fields nearly every Sigma rule for CloudTrail pins to a few exact values. A rule whose pattern requires one of
 * them (case-insensitive exact values, at the top level or in every `$or` alternative) is only matched against
 * records whose value is among them: a cheap test that spares the full matcher on almost every record.
 */
const PREFILTER_FIELDS = [
  { path: ['eventSource'], read: (r: Record<string, unknown>) => r.eventSource },
  { path: ['eventName'], read: (r: Record<string, unknown>) => r.eventName },
  { path: ['userIdentity', 'type'], read: (r: Record<string, unknown>) => (r.userIdentity as Record<string, unknown> | null | undefined)?.type },
] as const;

interface CompiledSigmaRule {
  /** Position in the document: hits are listed in this order. */
  readonly order: number;
  readonly rule: SigmaTagRule;
  /** Per prefilter field (same order), the lowercased values the rule requires, or undefined. */
  readonly required: readonly (ReadonlySet<string> | undefined)[];
}

export interface SigmaTagger {
  /** The hits of one record (the parsed CloudTrail record), or undefined when it matches none. */
  hits(record: Record<string, unknown>): SigmaHits | undefined;
}

/** The values at `path` of one pattern object, when all are (case-insensitive) exact strings. */
function exactValues(object: Record<string, unknown>, path: readonly string[]): string[] | undefined {
  let node: unknown = object[path.join('.')];
  if (node === undefined) {
    node = object;
    for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (!Array.isArray(node)) return undefined;
  const values: string[] = [];
  for (const value of node) {
    if (typeof value === 'string') values.push(value.toLowerCase());
    else if (value !== null && typeof value === 'object' && typeof (value as Record<string, unknown>)['equals-ignore-case'] === 'string') {
      values.push(((value as Record<string, unknown>)['equals-ignore-case'] as string).toLowerCase());
    } else return undefined;
  }
  return values;
}

/** The lowercased values a pattern requires at `path`: at its top level, or in every alternative of its `$or`. */
function requiredValues(pattern: Record<string, unknown>, path: readonly string[]): ReadonlySet<string> | undefined {
  const top = exactValues(pattern, path);
  if (top !== undefined) return new Set(top);
  const alternatives = pattern.$or;
  if (!Array.isArray(alternatives) || alternatives.length === 0) return undefined;
  const union = new Set<string>();
  for (const alternative of alternatives) {
    const values = alternative !== null && typeof alternative === 'object' ? exactValues(alternative as Record<string, unknown>, path) : undefined;
    if (values === undefined) return undefined;
    for (const value of values) union.add(value);
  }
  return union;
}

/** False only when a string value of the record (lowercased) is outside what the rule requires; anything else goes to the matcher. */
function mayMatch(rule: CompiledSigmaRule, lowered: readonly (string | undefined)[]): boolean {
  for (let i = 1; i < lowered.length; i++) {
    const required = rule.required[i];
    const value = lowered[i];
    if (required !== undefined && value !== undefined && !required.has(value)) return false;
  }
  return true;
}

const NO_HITS: SigmaTagger = { hits: () => undefined };
const lower = (value: unknown): string | undefined => (typeof value === 'string' ? value.toLowerCase() : undefined);

export function compileSigmaTagger(rules: readonly SigmaTagRule[]): SigmaTagger {
  if (rules.length === 0) return NO_HITS;
  const patterns = compilePatternSet(rules.map((rule) => rule.pattern));
  // Indexed by the first prefilter field (the event source); rules that do not pin it are candidates for every record.
  const bySource = new Map<string, CompiledSigmaRule[]>();
  const everywhere: CompiledSigmaRule[] = [];
  const all: CompiledSigmaRule[] = rules.map((rule, order) => ({ order, rule, required: PREFILTER_FIELDS.map((field) => requiredValues(rule.pattern, field.path)) }));
  for (const compiled of all) {
    const sources = compiled.required[0];
    if (sources === undefined) everywhere.push(compiled);
    else for (const source of sources) bySource.set(source, [...(bySource.get(source) ?? []), compiled]);
  }
  const hitsByKey = new Map<string, SigmaHits>();
  return {
    hits(record) {
      const lowered = PREFILTER_FIELDS.map((field) => lower(field.read(record)));
      // A source that is not a string cannot be looked up: every rule is a candidate then.
      const indexed = lowered[0] !== undefined ? bySource.get(lowered[0]) : record.eventSource === undefined ? undefined : all;
      const candidates = candidatesOf(indexed, everywhere, lowered);
      if (candidates.length === 0) return undefined;
      const matched = patterns.matching(record, candidates);
      if (matched.length === 0) return undefined;
      // One object per distinct list of matched rules: the formatter caches its attributes per object.
      const key = matched.join(',');
      let hits = hitsByKey.get(key);
      if (hits === undefined) {
        hits = hitsOf(matched.map((order) => all[order]!.rule));
        if (hitsByKey.size < MAX_CACHED_HITS) hitsByKey.set(key, hits);
      }
      return hits;
    },
  };
}

const MAX_CACHED_HITS = 1024;

function hitsOf(rules: readonly SigmaTagRule[]): SigmaHits {
  return { ids: rules.map((m) => m.id).join(','), names: rules.map((m) => m.name).join(','), levels: rules.map((m) => m.level).join(',') };
}

/** The positions, ascending and once each, of the rules of both lists the prefilter lets through. */
function candidatesOf(indexed: readonly CompiledSigmaRule[] | undefined, everywhere: readonly CompiledSigmaRule[], lowered: readonly (string | undefined)[]): number[] {
  const candidates: number[] = [];
  if (indexed !== undefined) for (const rule of indexed) if (mayMatch(rule, lowered)) candidates.push(rule.order);
  if (everywhere.length === 0) return candidates;
  for (const rule of everywhere) if (mayMatch(rule, lowered) && !candidates.includes(rule.order)) candidates.push(rule.order);
  return candidates.sort((a, b) => a - b);
}
