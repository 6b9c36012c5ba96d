import { HclParseError, jsonencodeArgument, parseHclExpression } from './hcl-expression';
import type { StackJson } from './stack-json';

/**
 * Policy documents in every shape they take in synthesized Terraform JSON, reduced to one
 * statement shape: a reference to an `aws_iam_policy_document` data source (the project's
 * standard), a `${jsonencode({...})}` expression, or a literal JSON string.
 */

export interface Condition {
  /** StringEquals, ArnLike, Bool, ... */
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /** "*" for everyone, else "<type>:<identifier>" (AWS, Service, Federated, CanonicalUser). Empty in identity policies. */
  readonly principals: readonly string[];
  readonly notPrincipals: readonly string[];
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  readonly conditions: readonly Condition[];
}

export type ParsedPolicy = { readonly statements: PolicyStatement[] } | { readonly unresolved: string };

const DATA_DOCUMENT_REF = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.(json|minified_json)\}$/;

/** The statements of a policy attribute's value, or why they cannot be read from the synth alone. */
export function parsePolicyValue(value: unknown, stack: StackJson, seen: ReadonlySet<string> = new Set()): ParsedPolicy {
  if (value !== null && typeof value === 'object') return fromJsonPolicy(value);
  if (typeof value !== 'string') return { unresolved: `not a policy: ${JSON.stringify(value)}` };
  const ref = DATA_DOCUMENT_REF.exec(value.trim());
  if (ref) {
    const name = ref[1];
    const body = stack.data?.aws_iam_policy_document?.[name];
    if (!body) return { unresolved: `no data.aws_iam_policy_document.${name} in the stack` };
    if (seen.has(name)) return { unresolved: `data.aws_iam_policy_document.${name} includes itself` };
    return fromDataDocument(body, stack, new Set([...seen, name]));
  }
  const argument = jsonencodeArgument(value);
  if (argument !== undefined) {
    try {
      return fromJsonPolicy(parseHclExpression(argument));
    } catch (err) {
      if (err instanceof HclParseError) return { unresolved: `jsonencode(...) not readable: ${err.message}` };
      throw err;
    }
  }
  const text = value.trim();
  if (text.startsWith('{')) {
    try {
      return fromJsonPolicy(JSON.parse(text));
    } catch {
      return { unresolved: 'a policy string that is not valid JSON' };
    }
  }
  return { unresolved: `computed elsewhere: ${text}` };
}

// ---- JSON policy documents ------------------------------------------------------------------

function fromJsonPolicy(doc: unknown): ParsedPolicy {
  if (doc === null || typeof doc !== 'object') return { unresolved: 'a policy that is not an object' };
  const raw = (doc as Record<string, unknown>).Statement;
  if (raw === undefined) return { statements: [] };
  const list = Array.isArray(raw) ? raw : [raw];
  return { statements: list.map((s) => fromJsonStatement((s ?? {}) as Record<string, unknown>)) };
}

function fromJsonStatement(s: Record<string, unknown>): PolicyStatement {
  return {
    sid: typeof s.Sid === 'string' && s.Sid !== '' ? s.Sid : undefined,
    effect: s.Effect === 'Deny' ? 'Deny' : 'Allow',
    principals: jsonPrincipals(s.Principal),
    notPrincipals: jsonPrincipals(s.NotPrincipal),
    actions: strings(s.Action),
    notActions: strings(s.NotAction),
    resources: strings(s.Resource),
    notResources: strings(s.NotResource),
    conditions: jsonConditions(s.Condition),
  };
}

function jsonPrincipals(principal: unknown): string[] {
  if (principal === undefined || principal === null) return [];
  if (principal === '*') return ['*'];
  if (typeof principal === 'string') return [`AWS:${principal}`];
  if (typeof principal !== 'object') return [String(principal)];
  return Object.entries(principal as Record<string, unknown>).flatMap(([type, ids]) => strings(ids).map((id) => principalOf(type, id)));
}

function jsonConditions(condition: unknown): Condition[] {
  if (condition === null || typeof condition !== 'object') return [];
  return Object.entries(condition as Record<string, unknown>).flatMap(([test, byKey]) =>
    Object.entries((byKey ?? {}) as Record<string, unknown>).map(([variable, values]) => ({ test, variable, values: strings(values) })),
  );
}

// ---- aws_iam_policy_document data sources -----------------------------------------------------

function fromDataDocument(body: Record<string, any>, stack: StackJson, seen: ReadonlySet<string>): ParsedPolicy {
  let statements: PolicyStatement[] = [];
  // Terraform's order: source documents, then this document's statements replace equal Sids,
  // then override documents replace equal Sids (or are appended).
  for (const source of asList(body.source_policy_documents)) {
    const parsed = parsePolicyValue(source, stack, seen);
    if ('unresolved' in parsed) return parsed;
    statements.push(...parsed.statements);
  }
  statements = mergeBySid(statements, asList(body.statement).map(fromDataStatement));
  for (const override of asList(body.override_policy_documents)) {
    const parsed = parsePolicyValue(override, stack, seen);
    if ('unresolved' in parsed) return parsed;
    statements = mergeBySid(statements, parsed.statements);
  }
  return { statements };
}

function mergeBySid(base: PolicyStatement[], incoming: PolicyStatement[]): PolicyStatement[] {
  const result = [...base];
  for (const s of incoming) {
    const at = s.sid === undefined ? -1 : result.findIndex((b) => b.sid === s.sid);
    if (at >= 0) result[at] = s;
    else result.push(s);
  }
  return result;
}

function fromDataStatement(s: Record<string, any>): PolicyStatement {
  const principalsOf = (blocks: unknown) =>
    asList(blocks).flatMap((p: any) => strings(p.identifiers).map((id) => (p.type === '*' ? '*' : principalOf(String(p.type), id))));
  return {
    sid: typeof s.sid === 'string' && s.sid !== '' ? s.sid : undefined,
    effect: s.effect === 'Deny' ? 'Deny' : 'Allow',
    principals: principalsOf(s.principals),
    notPrincipals: principalsOf(s.not_principals),
    actions: strings(s.actions),
    notActions: strings(s.not_actions),
    resources: strings(s.resources),
    notResources: strings(s.not_resources),
    conditions: asList(s.condition).map((c: any) => ({ test: String(c.test), variable: String(c.variable), values: strings(c.values) })),
  };
}

// ---- helpers ------------------------------------------------------------------------------------

/** "AWS:*" means everyone, as "*" does. */
export function principalOf(type: string, identifier: string): string {
  return type === 'AWS' && identifier === '*' ? '*' : `${type}:${identifier}`;
}

export function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

function asList(value: unknown): any[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
