/**
 * The pipeline's step for one record: decode, filter, match Sigma rules, redact, format. Pure: the formatter holds
 * only the file's constant attributes and the time comes in as `now`.
 */
import { FormatResult, RecordFormatter } from './formatter';
import { decodeRecord, RecordProblem } from './record-decoder';
import { CompiledRules } from './rules';
import type { SigmaHits } from './sigma-tags';

/** A record a filter dropped; one object for all of them, since this runs for every record. */
const FILTER_DROP = { kind: 'drop', reason: 'filter' } as const;

/**
 * A record that is not a JSON object while redactions are configured: its text cannot be redacted,
 * so it is not sent (it may hold what a redaction masks) but ticketed, for an operator to look at.
 */
export const WITHHELD = { kind: 'withhold', reason: 'the record is not a JSON object, so the redactions of the rules document cannot be applied; withheld rather than sent unredacted' } as const;

export interface RecordStep {
  /** The event to send, or why the record is dropped (a filter, its age with staleRecords: drop) or withheld. */
  readonly outcome: FormatResult | typeof FILTER_DROP | typeof WITHHELD;
  /** Set when the record is forwarded as text (not valid UTF-8, not JSON, not an object). */
  readonly problem?: RecordProblem;
  /** True when a redaction masked at least one value. */
  readonly redacted: boolean;
}

export function processRecord(bytes: Uint8Array, index: number, rules: CompiledRules, formatter: RecordFormatter, now: number): RecordStep {
  let decoded = decodeRecord(bytes);
  let redacted = false;
  let hits: SigmaHits | undefined;
  if (!decoded.value && rules.redacts) return { outcome: WITHHELD, problem: decoded.problem, redacted };
  if (decoded.value) {
    if (rules.filter(decoded.value).action === 'drop') return { outcome: FILTER_DROP, problem: decoded.problem, redacted };
    // Before redaction: a pattern may read a field that is masked afterwards.
    hits = rules.sigma(decoded.value);
    if (rules.redacts && rules.redact(decoded.value) > 0) {
      redacted = true;
      decoded = { ...decoded, text: JSON.stringify(decoded.value) };
    } else if (decoded.text.includes('\n')) {
      // Pretty-printed (hand-made files): compact it. CloudTrail's own files are compact and keep their exact text.
      decoded = { ...decoded, text: JSON.stringify(decoded.value) };
    }
  }
  return { outcome: formatter.format(decoded, index, now, hits), problem: decoded.problem, redacted };
}
