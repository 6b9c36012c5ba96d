import { rulePatternProblems } from '../../functions/lib/event-pattern';
import { assembleDetail } from './assemble';
import { detectionExpression, toTerms, type Term } from './boolean-form';
import { UnsupportedError, type Literal } from './literals';
import type { SigmaRule } from './rule';

export type SigmaStatus = 'exact' | 'approximate' | 'unsupported';

/**
 * The detail-types EventBridge gives CloudTrail records (by eventType: AwsApiCall, AwsConsoleSignIn,
 * AwsConsoleAction, AwsServiceEvent). A compiled pattern is limited to them and to sources of AWS
 * (CLOUDTRAIL_SOURCE), so on a bus that carries other events too it still sees CloudTrail records only.
 */
export const CLOUDTRAIL_DETAIL_TYPES: readonly string[] = [
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
  'AWS Console Action via CloudTrail',
  'AWS Service Event via CloudTrail',
];

/**
 * EventBridge gives a CloudTrail record the source `aws.<service>` (`aws.s3`, `aws.signin`), and PutEvents refuses
 * sources that begin with `aws.`: anyone may put an event with a CloudTrail detail-type, but only AWS with this source.
 */
export const CLOUDTRAIL_SOURCE: readonly unknown[] = [{ prefix: 'aws.' }];

/** A value a field is limited to in one alternative of a rule: the whole value, or its start. */
export interface ScopeValue {
  readonly text: string;
  readonly prefix: boolean;
}

/** What one alternative of a rule is limited to; undefined fields are not limited (or not in a way listed here). */
export interface AlternativeScope {
  readonly eventSources?: readonly ScopeValue[];
  readonly eventNames?: readonly ScopeValue[];
}

export interface SigmaConversion {
  readonly rule: SigmaRule;
  readonly status: SigmaStatus;
  /** Why the status is not `exact`, each naming the YAML path it is about. Empty for exact. */
  readonly reasons: readonly string[];
  /** The EventBridge pattern (absent when unsupported). */
  readonly pattern?: Record<string, unknown>;
  /** One per alternative of the pattern: the event sources and names it can match. */
  readonly alternatives: readonly AlternativeScope[];
}

/** The values a positive, case-insensitive-exact-or-prefix literal on `field` limits it to, in one term. */
function scopeOf(term: Term, field: string): ScopeValue[] | undefined {
  const literal = term.find((l: Literal) => l.field === field && !l.negated);
  if (literal === undefined) return undefined;
  const values: ScopeValue[] = [];
  for (const match of literal.matches) {
    if (match.kind !== 'text') return undefined;
    const parts = match.parts;
    const text = parts.filter((p) => p.kind === 'text').map((p) => (p as { text: string }).text).join('');
    const starAt = parts.findIndex((p) => p.kind !== 'text');
    if (starAt === -1) values.push({ text, prefix: false });
    else if (starAt > 0 && starAt === parts.length - 1 && parts[starAt]!.kind === 'star') values.push({ text, prefix: true });
    else return undefined;
  }
  return values;
}

function unsupported(rule: SigmaRule, reason: string): SigmaConversion {
  return { rule, status: 'unsupported', reasons: [reason], alternatives: [] };
}

/**
 * Converts a parsed Sigma rule to an EventBridge pattern over the CloudTrail envelope (`detail` = the record), with
 * its status: `exact` when the pattern matches exactly the records the rule matches, `approximate` with the
 * reasons where not, `unsupported` with the reason when EventBridge cannot express it. Every pattern is checked
 * by the shared matcher's validator and EventBridge's size limit; a rejected one is `unsupported`.
 */
export function convertSigmaRule(rule: SigmaRule): SigmaConversion {
  if (rule.correlation) return unsupported(rule, 'correlation rule: it relates the matches of other rules over time, and an EventBridge pattern sees one event');
  if (rule.status === 'deprecated') return unsupported(rule, 'status: deprecated: the rule is replaced by another (its related rules); convert that one instead');
  if (rule.status === 'unsupported') return unsupported(rule, 'status: unsupported: the rule says it cannot be used as it stands');
  const { product, service } = rule.logsource;
  if (product !== 'aws' || service !== 'cloudtrail') {
    return unsupported(rule, `logsource is ${JSON.stringify(rule.logsource)}; only product aws, service cloudtrail converts`);
  }
  let terms: Term[];
  let assembled: ReturnType<typeof assembleDetail>;
  try {
    terms = toTerms(detectionExpression(rule.conditions, rule.selections));
    if (terms.length === 0) return unsupported(rule, 'detection.condition: the condition can never hold');
    assembled = assembleDetail(terms);
  } catch (err) {
    if (err instanceof UnsupportedError) return unsupported(rule, `${err.at}: ${err.message}`);
    throw err;
  }
  const pattern = { source: [...CLOUDTRAIL_SOURCE], 'detail-type': [...CLOUDTRAIL_DETAIL_TYPES], detail: assembled.detail };
  const problems = rulePatternProblems(pattern);
  if (problems.length > 0) return unsupported(rule, `EventBridge would reject the pattern: ${problems.join('; ')}`);
  const alternatives = terms.map((term) => ({ eventSources: scopeOf(term, 'eventSource'), eventNames: scopeOf(term, 'eventName') }));
  const reasons = assembled.approximations;
  return { rule, status: reasons.length > 0 ? 'approximate' : 'exact', reasons, pattern, alternatives };
}
