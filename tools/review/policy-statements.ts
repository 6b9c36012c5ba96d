import { Condition, PolicyStatement, parsePolicyValue, strings } from './policy-document';
import { StackJson, Synth, displayName, resourcesOf } from './stack-json';

/**
 * Every IAM and resource-policy statement of a synth, flattened: found by attribute (a policy on
 * any resource type) plus the resource types that grant without a policy document
 * (`aws_lambda_permission`, `aws_cloudwatch_event_permission`) and managed-policy attachments.
 */

/** Attributes that hold a policy document, on whatever resource type they appear. */
export const POLICY_ATTRIBUTES = ['policy', 'assume_role_policy', 'policy_document', 'access_policies', 'resource_policy'] as const;

/** Resource types whose `policy` attribute is not an IAM document. */
const NOT_IAM_POLICY_TYPES = new Set(['aws_appautoscaling_policy', 'aws_autoscaling_policy', 'aws_lb_ssl_negotiation_policy', 'aws_load_balancer_policy']);

export interface StatementSource {
  readonly stack: string;
  /** Terraform address (type.name): the key diffs pair on. */
  readonly resource: string;
  /** The construct path, for people. */
  readonly display: string;
  /** Where in the resource: assume_role_policy, policy, inline_policy[0].policy, (permission), ... */
  readonly attribute: string;
  /** Who holds an identity policy (the role or user it is attached to), when it is not in the statement. */
  readonly holder?: string;
}

export interface FlatStatement extends PolicyStatement, StatementSource {
  /** Position in its document. */
  readonly index: number;
}

export interface UnreadablePolicy extends StatementSource {
  /** Why the statements are not in the synth (a computed policy, a managed policy ARN, ...). */
  readonly reason: string;
}

export interface FlattenedPolicies {
  readonly statements: FlatStatement[];
  readonly unreadable: UnreadablePolicy[];
}

export function flattenSynth(synth: Synth): FlattenedPolicies {
  const statements: FlatStatement[] = [];
  const unreadable: UnreadablePolicy[] = [];
  for (const [name, stack] of synth) {
    const flat = flattenStack(name, stack);
    statements.push(...flat.statements);
    unreadable.push(...flat.unreadable);
  }
  return { statements, unreadable };
}

export function flattenStack(stackName: string, stack: StackJson): FlattenedPolicies {
  const statements: FlatStatement[] = [];
  const unreadable: UnreadablePolicy[] = [];
  const add = (source: StatementSource, value: unknown) => {
    const parsed = parsePolicyValue(value, stack);
    if ('unresolved' in parsed) unreadable.push({ ...source, reason: parsed.unresolved });
    else parsed.statements.forEach((s, index) => statements.push({ ...s, ...source, index }));
  };

  for (const { address, type, body } of resourcesOf(stack)) {
    const base = { stack: stackName, resource: address, display: displayName(stackName, address, body) };
    const holder = holderOf(type, address, body);
    if (!NOT_IAM_POLICY_TYPES.has(type)) {
      for (const attribute of POLICY_ATTRIBUTES) {
        if (body[attribute] !== undefined && body[attribute] !== '') add({ ...base, attribute, holder: attribute === 'assume_role_policy' ? undefined : holder }, body[attribute]);
      }
    }
    [body.inline_policy ?? []].flat().forEach((inline: any, i: number) => {
      if (inline?.policy) add({ ...base, attribute: `inline_policy[${i}].policy`, holder: `role ${physicalOrRef(body.name, address)}` }, inline.policy);
    });
    for (const arn of strings(body.managed_policy_arns)) unreadable.push({ ...base, attribute: 'managed_policy_arns', holder, reason: `attaches managed policy ${arn}` });
    if (/^aws_iam_(role|user|group)_policy_attachment$|^aws_iam_policy_attachment$/.test(type)) {
      unreadable.push({ ...base, attribute: 'policy_arn', holder, reason: `attaches managed policy ${body.policy_arn}` });
    }
    const granted = permissionStatement(type, body);
    if (granted) statements.push({ ...granted, ...base, attribute: '(permission)', index: 0 });
  }
  return { statements, unreadable };
}

/** Who an identity policy applies to, from the attachment attributes. */
function holderOf(type: string, address: string, body: Record<string, any>): string | undefined {
  if (type === 'aws_iam_role') return `role ${physicalOrRef(body.name, address)}`;
  if (type === 'aws_iam_policy') return 'managed policy (see attachments)';
  for (const key of ['role', 'user', 'group']) if (typeof body[key] === 'string') return `${key} ${body[key]}`;
  return undefined;
}

function physicalOrRef(name: unknown, address: string): string {
  return typeof name === 'string' ? name : address;
}

/** Lambda and EventBridge permissions are resource policies written as attributes. */
function permissionStatement(type: string, body: Record<string, any>): PolicyStatement | undefined {
  const condition = (test: string, variable: string, value: unknown): Condition[] =>
    value === undefined || value === null || value === '' ? [] : [{ test, variable, values: strings(value) }];
  if (type === 'aws_lambda_permission') {
    const principal = String(body.principal ?? '');
    return {
      sid: body.statement_id ?? undefined,
      effect: 'Allow',
      principals: [principal === '*' ? '*' : principal.endsWith('.amazonaws.com') ? `Service:${principal}` : `AWS:${principal}`],
      notPrincipals: [],
      actions: strings(body.action),
      notActions: [],
      resources: [body.qualifier ? `${body.function_name}:${body.qualifier}` : String(body.function_name)],
      notResources: [],
      conditions: [
        ...condition('ArnLike', 'AWS:SourceArn', body.source_arn),
        ...condition('StringEquals', 'AWS:SourceAccount', body.source_account),
        ...condition('StringEquals', 'aws:PrincipalOrgID', body.principal_org_id),
        ...condition('StringEquals', 'lambda:EventSourceToken', body.event_source_token),
        ...condition('StringEquals', 'lambda:FunctionUrlAuthType', body.function_url_auth_type),
      ],
    };
  }
  if (type === 'aws_cloudwatch_event_permission') {
    const principal = String(body.principal ?? '');
    const c = body.condition;
    return {
      sid: body.statement_id ?? undefined,
      effect: 'Allow',
      principals: [principal === '*' ? '*' : `AWS:${principal}`],
      notPrincipals: [],
      actions: strings(body.action ?? 'events:PutEvents'),
      notActions: [],
      resources: [String(body.event_bus_name ?? 'default')],
      notResources: [],
      conditions: c ? condition(String(c.type ?? 'StringEquals'), String(c.key), c.value) : [],
    };
  }
  return undefined;
}

// ---- flags ------------------------------------------------------------------------------------

/**
 * What a reviewer should look at twice in an Allow statement: wildcards in actions or resources,
 * NotAction/NotResource (which allow everything else), and everyone as principal without a
 * condition. Deny statements are never flagged: a broad deny only takes access away.
 */
export function flagsOf(s: PolicyStatement): string[] {
  if (s.effect !== 'Allow') return [];
  const flags: string[] = [];
  if (s.actions.some((a) => a === '*' || a.endsWith(':*'))) flags.push('⚠ all actions');
  else if (s.actions.some((a) => a.includes('*') || a.includes('?'))) flags.push('action wildcard');
  if (s.notActions.length > 0) flags.push('⚠ NotAction');
  if (s.resources.includes('*')) flags.push('⚠ resource *');
  else if (s.resources.some((r) => r.replace(/\$\{[^}]*\}/g, '').includes('*'))) flags.push('resource wildcard');
  if (s.notResources.length > 0) flags.push('⚠ NotResource');
  const everyone = s.principals.includes('*') || s.notPrincipals.length > 0;
  if (everyone && s.conditions.length === 0) flags.push('⚠ public: Principal * without condition');
  return flags;
}
