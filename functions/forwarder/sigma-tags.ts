/**
 * Sigma rules on forwarded records: which of the compiled Sigma patterns of the rules document a record
 * matches, as the threat.rule.* attributes Dynatrace users query. Every pattern is compiled once. Per distinct
 * (event source, event name, identity type) of the records, the rules that can apply are worked out once, with
 * their conditions on those three fields decided; the rest of a rule is read straight off the record
 * (compileDirectPattern), and the full walk of the shared matcher runs only where the direct read cannot decide
 * (arrays of objects, keys with dots on a rule's field).
 */
import { compileDirectPattern, compilePattern, type CompiledPattern, type DirectPattern } from '../lib/event-pattern';
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
 * records whose value is among them: a cheap test that spares the matcher on almost every record. Each reader
 * returns undefined (no verdict) unless the value it reads is the field's only leaf: `userIdentity.type` can
 * also come from a key with a dot.
 */
const PREFILTER_FIELDS = [
  { path: ['eventSource'], read: (r: Record<string, unknown>) => r.eventSource },
  { path: ['eventName'], read: (r: Record<string, unknown>) => r.eventName },
  {
    path: ['userIdentity', 'type'],
    read: (r: Record<string, unknown>) => (r['userIdentity.type'] === undefined ? (r.userIdentity as Record<string, unknown> | null | undefined)?.type : undefined),
  },
] as const;

interface CompiledSigmaRule {
  /** Position in the document: hits are listed in this order. */
  readonly order: number;
  readonly rule: SigmaTagRule;
  /** Per prefilter field (same order), the lowercased values the rule requires, or undefined. */
  readonly required: readonly (ReadonlySet<string> | undefined)[];
  /** Undefined when a field of the pattern cannot be read directly (then `full` always decides). */
  readonly direct: DirectPattern | undefined;
  readonly full: CompiledPattern;
  /** The hits of a record that matches this rule alone (most tagged records). */
  readonly alone: SigmaHits;
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

type Reader = (record: Record<string, unknown>) => unknown;
/** Strings and absence key the candidate cache; other values (numbers, objects) are worked out each time. */
const isKey = (value: unknown): boolean => value === undefined || typeof value === 'string';

const NO_HITS: SigmaTagger = { hits: () => undefined };
const lower = (value: unknown): string | undefined => (typeof value === 'string' ? value.toLowerCase() : undefined);

function compileRule(rule: SigmaTagRule, order: number): CompiledSigmaRule {
  return {
    order,
    rule,
    required: PREFILTER_FIELDS.map((field) => requiredValues(rule.pattern, field.path)),
    direct: compileDirectPattern(rule.pattern),
    full: compilePattern(rule.pattern),
    alone: hitsOf([rule]),
  };
}

/**
 * A rule left for records of one (source, name, identity type) triple: `check` is what is left to read once the
 * triple's values are known (true: the triple decides it), or undefined when only the full walk can match the rule.
 */
interface Candidate {
  readonly rule: CompiledSigmaRule;
  readonly check: true | DirectPattern | undefined;
}

/** The direct read where it decides, the full walk where it does not. */
function candidateMatches({ rule, check }: Candidate, record: Record<string, unknown>): boolean {
  if (check === true) return true;
  return check?.matches(record) ?? rule.full.matches(record);
}

export function compileSigmaTagger(rules: readonly SigmaTagRule[]): SigmaTagger {
  if (rules.length === 0) return NO_HITS;
  const all = rules.map(compileRule);
  const candidates = candidateIndex(all);
  const hitsByKey = new Map<string, SigmaHits>();
  return {
    hits(record) {
      let first: CompiledSigmaRule | undefined;
      let more: CompiledSigmaRule[] | undefined;
      const list = candidates(record);
      for (let i = 0; i < list.length; i++) {
        const candidate = list[i]!;
        if (!candidateMatches(candidate, record)) continue;
        const { rule } = candidate;
        if (first === undefined) first = rule;
        else (more ??= [first]).push(rule);
      }
      if (more === undefined) return first?.alone;
      // One object per distinct list of matched rules: the formatter caches its attributes per object.
      const key = more.map((rule) => rule.order).join(',');
      let hits = hitsByKey.get(key);
      if (hits === undefined) {
        hits = hitsOf(more.map((compiled) => compiled.rule));
        if (hitsByKey.size < MAX_CACHED) hitsByKey.set(key, hits);
      }
      return hits;
    },
  };
}

/** Bounds each cache of the tagger, so a document of many rules or records of many distinct values cannot grow it without limit. */
const MAX_CACHED = 1024;

function hitsOf(rules: readonly SigmaTagRule[]): SigmaHits {
  return { ids: rules.map((m) => m.id).join(','), names: rules.map((m) => m.name).join(','), levels: rules.map((m) => m.level).join(',') };
}

/**
 * The rules the prefilter lets through for a record, in document order, each with what is left to read. Few
 * distinct (event source, event name, identity type) triples occur, so each one's list is worked out once, keyed by
 * the record's own strings (no lowercasing per record). A string of the triple is the record's only leaf at its
 * field (the readers make sure), so the conditions on it are decided once per triple: most rules pin only event
 * source and name, and cost a record nothing beyond the lookup.
 */
function candidateIndex(all: readonly CompiledSigmaRule[]): (record: Record<string, unknown>) => readonly Candidate[] {
  // Plain loops: this runs once per distinct triple, mostly before V8 has optimized anything.
  const compute = (values: readonly unknown[]): Candidate[] => {
    const lowered = values.map(lower);
    const source = lowered[0];
    const known = new Map<string, string>();
    PREFILTER_FIELDS.forEach((field, i) => typeof values[i] === 'string' && known.set(field.path.join('.'), values[i] as string));
    const list: Candidate[] = [];
    for (const rule of all) {
      // A rule that pins the event source needs a string among its values; a source that is not a string cannot be
      // judged (the rule stays), and a record without one cannot match it.
      const sources = rule.required[0];
      const sourceMayMatch = sources === undefined || (source !== undefined ? sources.has(source) : values[0] !== undefined);
      if (!sourceMayMatch || !mayMatch(rule, lowered)) continue;
      const check = rule.direct === undefined ? undefined : rule.direct.given(known);
      if (check !== false) list.push({ rule, check });
    }
    return list;
  };
  const cache = new Map<unknown, Map<unknown, Map<unknown, Candidate[]>>>();
  let cached = 0;
  const [source, name, type] = PREFILTER_FIELDS.map((field) => field.read) as [Reader, Reader, Reader];
  return (record) => {
    const s = source(record);
    const n = name(record);
    const t = type(record);
    if (!isKey(s) || !isKey(n) || !isKey(t)) return compute([s, n, t]);
    let byName = cache.get(s);
    let byType = byName?.get(n);
    let list = byType?.get(t);
    if (list === undefined) {
      list = compute([s, n, t]);
      if (cached < MAX_CACHED) {
        if (byName === undefined) cache.set(s, (byName = new Map()));
        if (byType === undefined) byName.set(n, (byType = new Map()));
        byType.set(t, list);
        cached++;
      }
    }
    return list;
  };
}
