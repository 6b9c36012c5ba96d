import { isObject } from './event';

/**
 * Amazon S3's definition of "public", for bucket policies and ACLs (the Block Public Access
 * documentation, "The meaning of public"). Pure.
 *
 * A policy statement is public unless it allows only a fixed principal, or a condition pins a fixed
 * value of one of the keys below. A value is fixed when it has no wildcard (`*`, `?`) and no policy
 * variable (`${...}`); `aws:SourceIp` pins only with a range narrower than the whole address space.
 * Deny statements never grant access, so they are never public.
 */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Condition?: unknown;
  readonly [key: string]: unknown;
}

export interface BucketPolicy {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[];
  readonly [key: string]: unknown;
}

/** Condition keys (lower case: IAM compares keys case-insensitively) whose fixed value makes a statement non-public. */
const PINNING_KEYS: ReadonlySet<string> = new Set(
  [
    'aws:SourceArn',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:SourceAccount',
    'aws:SourceOwner',
    'aws:PrincipalOrgID',
    'aws:PrincipalAccount',
    'aws:userid',
    's3:x-amz-server-side-encryption-aws-kms-key-id',
  ].map((key) => key.toLowerCase()),
);
const SOURCE_IP = 'aws:sourceip';

/**
 * Operators that pin a key to the values listed. `...IfExists` does not (a request without the key
 * passes), nor does `ForAllValues:` (an empty set passes); `ForAnyValue:` does.
 */
const PINNING_STRING_OPERATORS: ReadonlySet<string> = new Set(['stringequals', 'stringequalsignorecase', 'stringlike', 'arnequals', 'arnlike']);
const PINNING_IP_OPERATORS: ReadonlySet<string> = new Set(['ipaddress']);

export const ALL_USERS_URI = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS_URI = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const PUBLIC_GRANTEE_URIS: ReadonlySet<string> = new Set([ALL_USERS_URI, AUTHENTICATED_USERS_URI]);

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** True when a value could match more than one thing: a wildcard or a policy variable. */
const isPattern = (value: unknown): boolean => typeof value === 'string' && /[*?]|\$\{/.test(value);

/** `Principal: "*"`, `{"AWS": "*"}`, `{"AWS": ["*"]}` and any wildcard inside a principal all mean anyone. */
function principalIsFixed(principal: unknown): boolean {
  if (principal === undefined) return false;
  if (!isObject(principal)) return !asList(principal).some((value) => value === '*' || isPattern(value));
  const values = Object.values(principal).flatMap(asList);
  return values.length > 0 && !values.some(isPattern);
}

/** `0.0.0.0/0` and `::/0` (or any prefix length 0) cover every address: they pin nothing. */
export function isPublicCidr(cidr: unknown): boolean {
  if (typeof cidr !== 'string') return true;
  const [address, prefix] = cidr.trim().split('/');
  if (!address || (!address.includes('.') && !address.includes(':'))) return true;
  return prefix !== undefined && Number(prefix) === 0;
}

/** True when the condition block pins a fixed value of a key AWS accepts as limiting access. */
function conditionPins(condition: unknown): boolean {
  if (!isObject(condition)) return false;
  for (const [rawOperator, block] of Object.entries(condition)) {
    if (!isObject(block)) continue;
    const operator = rawOperator.toLowerCase().replace(/^foranyvalue:/, '');
    if (operator.endsWith('ifexists') || operator.startsWith('forallvalues:')) continue;
    for (const [rawKey, rawValues] of Object.entries(block)) {
      const key = rawKey.toLowerCase();
      const values = asList(rawValues);
      if (values.length === 0) continue;
      if (key === SOURCE_IP && PINNING_IP_OPERATORS.has(operator) && !values.some(isPublicCidr)) return true;
      if (PINNING_KEYS.has(key) && PINNING_STRING_OPERATORS.has(operator) && !values.some(isPattern)) return true;
    }
  }
  return false;
}

/** True when the statement grants access to the public by S3's definition. */
export function isPublicStatement(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow') return false;
  // Allow with NotPrincipal grants everyone but the listed principals.
  if (statement.NotPrincipal !== undefined) return !conditionPins(statement.Condition);
  if (principalIsFixed(statement.Principal)) return false;
  return !conditionPins(statement.Condition);
}

/** A policy document from its JSON text or object; undefined when it is not a policy. */
export function readPolicy(value: unknown): BucketPolicy | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!isObject(parsed) || parsed.Statement === undefined) return undefined;
  const statements = asList(parsed.Statement).filter(isObject) as PolicyStatement[];
  return { ...parsed, Statement: statements };
}

/** A name for a statement in messages: its Sid, or its position. */
export const statementName = (statement: PolicyStatement, index: number): string => (typeof statement.Sid === 'string' && statement.Sid !== '' ? `"${statement.Sid}"` : `#${index}`);

export interface AclGrant {
  readonly Grantee?: { readonly Type?: string; readonly URI?: string; readonly ID?: string; readonly [key: string]: unknown };
  readonly Permission?: string;
}

/** True when the grant is to AllUsers (anyone) or AuthenticatedUsers (any AWS account). */
export const isPublicGrant = (grant: AclGrant): boolean => typeof grant.Grantee?.URI === 'string' && PUBLIC_GRANTEE_URIS.has(grant.Grantee.URI);
