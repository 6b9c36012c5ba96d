import { SynthesizedStack } from '../support/synth';

/** A statement of an aws_iam_policy_document as synthesized. */
export interface SynthStatement {
  sid?: string;
  effect: string;
  actions?: string[];
  resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
}

export function statementsOf(stack: SynthesizedStack, reference: string): SynthStatement[] {
  return stack.policyDocument(reference).statement as SynthStatement[];
}

export function statementBySid(statements: SynthStatement[], sid: string): SynthStatement {
  const found = statements.filter((s) => s.sid === sid);
  if (found.length !== 1) throw new Error(`expected one statement ${sid}, found ${found.length} among ${statements.map((s) => s.sid).join(', ')}`);
  return found[0];
}

/** The values of a condition (test + variable) of a statement; undefined when it has none. */
export function conditionValues(statement: SynthStatement, test: string, variable: string): string[] | undefined {
  return statement.condition?.find((c) => c.test === test && c.variable === variable)?.values;
}

/** The terraform reference to a resource's attribute, as cdktf writes it. */
export function ref(type: string, name: string, attribute: string): string {
  return `\${${type}.${name}.${attribute}}`;
}

/** The local name of the one resource of a type whose body has key = value. */
export function nameWhere(stack: SynthesizedStack, type: string, key: string, value: unknown): string {
  const found = stack.resources(type).filter(([, body]) => body[key] === value);
  if (found.length !== 1) throw new Error(`${stack.name}: expected one ${type} with ${key} = ${JSON.stringify(value)}, found ${found.length}`);
  return found[0][0];
}

/** The log-archive CMK as [local name, body]: the key alias/trailbridge-cloudtrail names (the alarm topic has a key of its own). */
export function cloudTrailKey(stack: SynthesizedStack): [string, Record<string, any>] {
  const alias = stack.resourceWhere('aws_kms_alias', 'name', 'alias/trailbridge-cloudtrail');
  const name = /^\$\{aws_kms_key\.([\w-]+)\.key_id\}$/.exec(alias.target_key_id)![1];
  return [name, stack.json.resource.aws_kms_key[name]];
}

/** The notification topic as [local name, body] (the alarm topic is another). */
export function notificationTopic(stack: SynthesizedStack): [string, Record<string, any>] {
  const name = nameWhere(stack, 'aws_sns_topic', 'name', 'trailbridge-cloudtrail-objects');
  return [name, stack.json.resource.aws_sns_topic[name]];
}
