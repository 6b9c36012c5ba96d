/**
 * Compiled rules: the decisions the pipeline asks for, answered by pure functions.
 */
import { compilePattern } from '../lib/event-pattern';
import { applyRedactions, compileRedaction, CompiledRedaction } from './redaction';
import { builtInRulesDocument } from './rules-constants';
import type { Limits, Route, RulesDocument } from './rules-schema';
import { compileSigmaTagger, type SigmaHits } from './sigma-tags';

export type RecordAction = 'forward' | 'drop';

export interface FilterDecision {
  readonly action: RecordAction;
  /** The filter that decided; undefined when the default action applied. */
  readonly filter?: string;
}

export interface CompiledRules {
  readonly document: RulesDocument;
  /** AppConfig's Configuration-Version, or 'built-in' / 'file' for defaults and local files. */
  readonly version: string;
  readonly limits: Limits;
  readonly staleRecords: RulesDocument['staleRecords'];
  /** The route for an object, or undefined when no route matches (the object is skipped). */
  routeFor(bucket: string, key: string): Route | undefined;
  /** What happens to a parsed record. */
  filter(record: unknown): FilterDecision;
  /** Masks the configured fields in place; returns how many values were masked. */
  redact(record: unknown): number;
  /** True when some redaction is configured (the record must then be parsed and re-serialized). */
  readonly redacts: boolean;
  /** The Sigma rules of the document the record matches, or undefined for none. */
  sigma(record: Record<string, unknown>): SigmaHits | undefined;
}

export function compileRules(document: RulesDocument, version: string): CompiledRules {
  const filters = document.filters.map((f) => ({ name: f.name, action: f.action, matcher: compilePattern(f.pattern) }));
  const redactions: CompiledRedaction[] = document.redactions.map((r) => compileRedaction(r.path, r.mask));
  const defaultDecision: FilterDecision = { action: document.defaultAction };
  const sigma = compileSigmaTagger(document.sigma);
  return {
    document,
    version,
    limits: document.limits,
    staleRecords: document.staleRecords,
    redacts: redactions.length > 0,
    routeFor(bucket, key) {
      return document.routes.find(
        (r) => (r.bucket === undefined || r.bucket === bucket) && (r.keyPrefix === undefined || key.startsWith(r.keyPrefix)),
      );
    },
    filter(record) {
      for (const f of filters) {
        if (f.matcher.matches(record)) return { action: f.action, filter: f.name };
      }
      return defaultDecision;
    },
    redact(record) {
      return applyRedactions(record, redactions);
    },
    sigma(record) {
      return sigma.hits(record);
    },
  };
}

export const BUILT_IN_RULES_VERSION = 'built-in';

export function defaultRules(): CompiledRules {
  return compileRules(builtInRulesDocument(), BUILT_IN_RULES_VERSION);
}
