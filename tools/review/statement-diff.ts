import { Condition } from './policy-document';
import { FlatStatement, FlattenedPolicies, UnreadablePolicy } from './policy-statements';
import { formatCondition } from './permissions-report';

/**
 * IAM and resource-policy changes between two synths, the way `cdk diff` shows them: statements
 * added and removed, and for a statement present in both (same resource, attribute and Sid) what
 * widened or narrowed. A change *broadens* access when it lets more principals do more actions on
 * more resources under fewer conditions; those are the security changes a CI gate stops on.
 */

export type StatementChangeKind = 'added' | 'removed' | 'changed';

export interface StatementChange {
  readonly kind: StatementChangeKind;
  readonly stack: string;
  readonly resource: string;
  readonly display: string;
  readonly attribute: string;
  /** The statement after the change (before it, for a removal); undefined for an unreadable policy. */
  readonly statement?: FlatStatement;
  /** What changed, one line each: "widened actions: + s3:PutObject", "dropped condition: ...". */
  readonly details: readonly string[];
  /** True when the change can give someone access they did not have. */
  readonly broadens: boolean;
}

/** Statements pair on stack, resource, attribute and Sid; statements without a Sid on their order among those. */
function statementKeys(statements: readonly FlatStatement[]): Map<string, FlatStatement> {
  const keys = new Map<string, FlatStatement>();
  const unnamed = new Map<string, number>();
  for (const s of statements) {
    const owner = `${s.stack}\u0000${s.resource}\u0000${s.attribute}`;
    let key: string;
    if (s.sid !== undefined && !keys.has(`${owner}\u0000sid:${s.sid}`)) key = `${owner}\u0000sid:${s.sid}`;
    else {
      const n = unnamed.get(owner) ?? 0;
      unnamed.set(owner, n + 1);
      key = `${owner}\u0000#${n}`;
    }
    keys.set(key, s);
  }
  return keys;
}

const SET_FIELDS = [
  ['principals', 'principals', 'widen'],
  ['actions', 'actions', 'widen'],
  ['resources', 'resources', 'widen'],
  ['notPrincipals', 'NotPrincipal', 'narrow'],
  ['notActions', 'NotAction', 'narrow'],
  ['notResources', 'NotResource', 'narrow'],
] as const;

/** A negated operator (StringNotEquals, ArnNotLike, ...) matches less as it lists more values. */
function isNegated(test: string): boolean {
  return /Not/.test(test.replace(/^For(Any|All)Values:/, ''));
}

function conditionKey(c: Condition): string {
  return `${c.test} ${c.variable}`;
}

/** The differences between two versions of one statement, each with the direction it moves access. */
export function compareStatements(before: FlatStatement, after: FlatStatement): { details: string[]; broadens: boolean } {
  const details: string[] = [];
  let broadens = false;
  // For a Deny, everything that widens the statement narrows access, and the reverse.
  const allow = after.effect === 'Allow';
  const note = (text: string, widensStatement: boolean) => {
    details.push(text);
    if (widensStatement === allow) broadens = true;
  };

  if (before.effect !== after.effect) {
    details.push(`effect: ${before.effect} → ${after.effect}`);
    if (after.effect === 'Allow') broadens = true;
  }
  for (const [field, label, addMeans] of SET_FIELDS) {
    const was = new Set(before[field]);
    const now = new Set(after[field]);
    const added = [...now].filter((v) => !was.has(v));
    const removed = [...was].filter((v) => !now.has(v));
    const addWidens = addMeans === 'widen';
    if (added.length > 0) note(`${addWidens ? 'widened' : 'narrowed'} ${label}: + ${added.join(', ')}`, addWidens);
    if (removed.length > 0) note(`${addWidens ? 'narrowed' : 'widened'} ${label}: − ${removed.join(', ')}`, !addWidens);
  }

  const was = new Map(before.conditions.map((c) => [conditionKey(c), c]));
  const now = new Map(after.conditions.map((c) => [conditionKey(c), c]));
  for (const [key, c] of was) {
    const current = now.get(key);
    if (!current) {
      note(`dropped condition: ${formatCondition(c)}`, true);
      continue;
    }
    const added = current.values.filter((v) => !c.values.includes(v));
    const removed = c.values.filter((v) => !current.values.includes(v));
    const negated = isNegated(c.test);
    if (added.length > 0) note(`${negated ? 'narrowed' : 'widened'} condition ${key}: + ${added.join(', ')}`, !negated);
    if (removed.length > 0) note(`${negated ? 'widened' : 'narrowed'} condition ${key}: − ${removed.join(', ')}`, negated);
  }
  for (const [key, c] of now) if (!was.has(key)) note(`added condition: ${formatCondition(c)}`, false);
  return { details, broadens };
}

function unreadableKey(u: UnreadablePolicy): string {
  return `${u.stack}\u0000${u.resource}\u0000${u.attribute}\u0000${u.reason}`;
}

export function diffStatements(base: FlattenedPolicies, current: FlattenedPolicies): StatementChange[] {
  const changes: StatementChange[] = [];
  const before = statementKeys(base.statements);
  const after = statementKeys(current.statements);
  const where = (s: FlatStatement) => ({ stack: s.stack, resource: s.resource, display: s.display, attribute: s.attribute, statement: s });

  for (const [key, s] of after) {
    const old = before.get(key);
    if (!old) {
      changes.push({ kind: 'added', ...where(s), details: ['added statement'], broadens: s.effect === 'Allow' });
      continue;
    }
    const { details, broadens } = compareStatements(old, s);
    if (details.length > 0) changes.push({ kind: 'changed', ...where(s), details, broadens });
  }
  for (const [key, s] of before) {
    if (!after.has(key)) changes.push({ kind: 'removed', ...where(s), details: ['removed statement'], broadens: s.effect === 'Deny' });
  }

  // A policy the synth does not spell out (managed policy ARN, computed JSON) changes unseen:
  // any appearance or change of one counts as broadening until a person has looked.
  const oldUnreadable = new Map(base.unreadable.map((u) => [unreadableKey(u), u]));
  const newUnreadable = new Map(current.unreadable.map((u) => [unreadableKey(u), u]));
  for (const [key, u] of newUnreadable) {
    if (!oldUnreadable.has(key)) changes.push({ kind: 'added', stack: u.stack, resource: u.resource, display: u.display, attribute: u.attribute, details: [`not readable from the synth: ${u.reason}`], broadens: true });
  }
  for (const [key, u] of oldUnreadable) {
    if (!newUnreadable.has(key)) changes.push({ kind: 'removed', stack: u.stack, resource: u.resource, display: u.display, attribute: u.attribute, details: [`was: ${u.reason}`], broadens: false });
  }
  const order = (c: StatementChange) => `${c.stack}\u0000${c.display}\u0000${c.attribute}\u0000${c.statement?.index ?? 0}\u0000${c.kind}`;
  return changes.sort((a, b) => order(a).localeCompare(order(b)));
}
