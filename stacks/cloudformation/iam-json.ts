import type { Statement } from '../constructs/iam';

/**
 * IAM statements as data (stacks/constructs/iam.ts) rendered as the policy JSON CloudFormation
 * takes, where Terraform renders them through aws_iam_policy_document: the same Sid, Effect,
 * actions, resources, principals and conditions, in the same order.
 */

export type PolicyJson = { readonly Version: '2012-10-17'; readonly Statement: readonly Record<string, unknown>[] };

export function policyJson(statements: readonly Statement[]): PolicyJson {
  return { Version: '2012-10-17', Statement: statements.map(statementJson) };
}

function statementJson(s: Statement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.sid) out.Sid = s.sid;
  out.Effect = s.effect ?? 'Allow';
  if (s.principals) out.Principal = principalJson(s.principals);
  if (s.actions) out.Action = [...s.actions];
  if (s.notActions) out.NotAction = [...s.notActions];
  if (s.resources) out.Resource = [...s.resources];
  if (s.conditions && s.conditions.length > 0) out.Condition = conditionJson(s.conditions);
  return out;
}

function principalJson(principals: NonNullable<Statement['principals']>): unknown {
  if (principals.length === 1 && principals[0].type === '*') return '*';
  const out: Record<string, string[]> = {};
  for (const p of principals) out[p.type] = [...(out[p.type] ?? []), ...p.identifiers];
  return out;
}

/** Conditions of one test share its block, as IAM reads them (AND of every key). */
function conditionJson(conditions: NonNullable<Statement['conditions']>): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const c of conditions) {
    const block = (out[c.test] ??= {});
    if (block[c.variable]) throw new Error(`condition ${c.test} ${c.variable} is given twice in one statement; IAM would keep only one`);
    block[c.variable] = [...c.values];
  }
  return out;
}
