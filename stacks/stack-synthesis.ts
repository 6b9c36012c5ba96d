import { DefaultTokenResolver, IResolvable, StringConcat, TerraformElement, TerraformOutput, TerraformStack, Tokenization, dependable, ref } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * cdktf's TerraformStack.prepareStack and toTerraform, giving the same result with fewer runs of
 * cdktf's resolve, which walks every value with a context per key and was two thirds of a
 * 500-account synth (each element resolved three times: preparing, alone, and in the whole).
 *
 * - prepareStack resolves every element with `preparing: true` and throws the result away; only a
 *   token's side effect can matter, and cdktf's only such token is a reference into another stack
 *   (it adds an output there and a remote-state data source here). An element is prepared as
 *   cdktf does whenever its Terraform holds any token other than a reference into its own stack
 *   or a dependency on one: a reference to another stack, a Lazy, a function call, a list, map or
 *   number token.
 * - toTerraform resolves each element, merges, and resolves the whole again. Here the walk
 *   through plain objects and arrays is done without resolve's per-key context, and resolve runs
 *   on each value that holds a token (see `resolved`).
 *
 * Tests hold both to cdktf's own methods (__tests__/stacks/stack-synthesis.test.ts).
 */

const MARKER = /[$#&]\{TfToken\[/;
const MARKERS = new RegExp(MARKER.source, 'g');
/** How resolve finds numbers in strings that may be number tokens (cdktf's NUMBER_TOKEN_REGEX). */
const NUMBER_IN_STRING = /[-|\d|.+]+(e[-|\d|.|e|E|+]+)/g;
/** A cdktf reference (`ref()`: resource attributes, data source `.json`, provider names). */
const REFERENCE_PROTOTYPE = Object.getPrototypeOf(ref('trailbridge-probe')) as object;
/** A `depends_on` entry (`dependable()`): resolves to the fqn, a reference, of what it names. */
const DEPENDABLE_PROTOTYPE = Object.getPrototypeOf(Tokenization.reverseString(dependable({ fqn: 'trailbridge-probe' })).firstToken) as object;
const RESOLVER = new DefaultTokenResolver(new StringConcat());
/** cdktf's deepMerge (`undefined` deletes, arrays concatenate), so merging stays cdktf's. */
const { deepMerge } = require('cdktf/lib/util') as { deepMerge: (target: object, ...sources: object[]) => object };

/** What the two methods read of the stack besides its tree (private in cdktf's typings). */
interface StackInternals {
  readonly rawOverrides: Record<string, unknown>;
  readonly cdktfVersion: string;
}

/** The stack's elements as cdktf lists them: its subtree, without nested stacks. */
export function stackElements(node: IConstruct, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(node)) into.push(node);
  for (const child of node.node.children) {
    if (!TerraformStack.isStack(child)) stackElements(child, into);
  }
  return into;
}

const resolve = (stack: TerraformStack, value: unknown, preparing = false): unknown => Tokenization.resolve(value, { scope: stack, preparing, resolver: RESOLVER });

/** cdktf's prepareStack, with the preparing resolve run only where it can have an effect. */
export function prepareStack(stack: TerraformStack): void {
  stack.ensureBackendExists();
  for (const element of stackElements(stack)) {
    const fragment: unknown = element.toTerraform();
    if (needsPreparing(stack, fragment)) resolve(stack, fragment, true);
  }
}

/** cdktf's toTerraform, resolving only values that hold tokens. */
export function stackTerraform(stack: TerraformStack): ReturnType<TerraformStack['toTerraform']> {
  const { rawOverrides, cdktfVersion } = stack as unknown as StackInternals;
  const metadata = {
    version: cdktfVersion,
    stackName: stack.node.id,
    backend: 'local',
    cloud: undefined,
    ...(Object.keys(rawOverrides).length > 0 ? { overrides: { stack: Object.keys(rawOverrides) } } : {}),
  };
  const elements = stackElements(stack);
  for (const element of elements) deepMerge(metadata, resolved(stack, element.toMetadata()) as object);
  const outputs = {};
  for (const element of elements) {
    if (!TerraformOutput.isTerraformOutput(element)) continue;
    const nested = element.node.path.split('/').reduceRight<Record<string, unknown>>((inner, part) => ({ [part]: Object.keys(inner).length === 0 ? element.friendlyUniqueId : inner }), {});
    deepMerge(outputs, nested);
  }
  const tf: Record<string, unknown> = { '//': { metadata, outputs } };
  for (const element of elements) deepMerge(tf, resolved(stack, element.toTerraform()) as object);
  deepMerge(tf, rawOverrides);
  return resolved(stack, tf);
}

/**
 * What cdktf's resolve returns for the value. resolve treats plain objects and arrays member by
 * member with the same options (the path it carries only words its errors), so the walk is done
 * here and resolve runs on the smallest value that holds a token: a string, or a container it
 * treats as a whole (list and map tokens, resolvables). Without tokens a value resolves to a copy
 * of itself without undefined members. On any error resolve runs on the whole value, so the error
 * (and its path) is cdktf's.
 */
function resolved(stack: TerraformStack, value: unknown): unknown {
  try {
    return resolvedMembers(stack, value);
  } catch {
    return resolve(stack, value);
  }
}

function resolvedMembers(stack: TerraformStack, value: unknown): unknown {
  if (typeof value === 'string') return MARKER.test(value) || numberTokenIn(value) ? resolve(stack, value) : value;
  if (typeof value === 'number') return Tokenization.reverseNumber(value) === undefined ? value : resolve(stack, value);
  if (typeof value === 'function') return resolve(stack, value);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Tokenization.isResolvable(value) || isConstructLike(value)) return resolve(stack, value);
  if (Array.isArray(value)) {
    // List tokens (and number lists) are resolved by the array they are in.
    if (value.some((item) => typeof item === 'number' || (typeof item === 'string' && MARKER.test(item)))) return resolve(stack, value);
    return value.map((item) => resolvedMembers(stack, item)).filter((item) => item !== undefined);
  }
  const entries = Object.entries(value);
  if (entries.some(([key]) => MARKER.test(key))) return resolve(stack, value);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolvedItem = resolvedMembers(stack, item);
    if (resolvedItem !== undefined) copy[key] = resolvedItem;
  }
  return copy;
}

/** resolve's own test for a construct, which it refuses. */
function isConstructLike(value: object): boolean {
  return (value as { _children?: unknown })._children !== undefined && (value as { _metadata?: unknown })._metadata !== undefined;
}

/** A number token is a double near -1.9e+289, so its text always has `e+`; most strings are spared the search. */
function numberTokenIn(s: string): boolean {
  if (!s.includes('e+')) return false;
  return (s.match(NUMBER_IN_STRING) ?? []).some((n) => Tokenization.reverseNumber(parseFloat(n)) !== undefined);
}

/** Whether a value holds a token whose preparing resolve may do something (see the module comment). */
export function needsPreparing(stack: TerraformStack, value: unknown): boolean {
  if (typeof value === 'string') return !onlyOwnReferencesIn(stack, value);
  if (typeof value === 'number') return Tokenization.reverseNumber(value) !== undefined;
  if (value === null || typeof value !== 'object') return false;
  if (Tokenization.isResolvable(value)) return !isOwnReference(stack, value);
  if (Array.isArray(value)) return value.some((item) => needsPreparing(stack, item));
  return Object.entries(value).some(([key, item]) => MARKER.test(key) || needsPreparing(stack, item));
}

/** A string whose every token marker is a reference into the stack, and with no number token. */
function onlyOwnReferencesIn(stack: TerraformStack, s: string): boolean {
  if (numberTokenIn(s)) return false;
  const markers = s.match(MARKERS)?.length ?? 0;
  if (markers === 0) return true;
  const tokens = Tokenization.reverseString(s).tokens;
  // A list or map marker, or one the string tokenizer does not take as a string token: unknown.
  return tokens.length === markers && tokens.every((t) => isOwnReference(stack, t));
}

/**
 * A reference whose origin is the stack (or none, as iterator keys): resolving it in the stack
 * returns its identifier and registers nothing; or a dependency whose fqn is such a reference.
 * Anything else, including a reference of a cdktf whose fields are named otherwise, counts as
 * possibly acting.
 */
function isOwnReference(stack: TerraformStack, token: IResolvable): boolean {
  const prototype = Object.getPrototypeOf(token) as object;
  if (prototype === DEPENDABLE_PROTOTYPE) {
    const fqn = 'dependable' in token ? (token.dependable as { fqn?: unknown } | undefined)?.fqn : undefined;
    return typeof fqn === 'string' && MARKER.test(fqn) && onlyOwnReferencesIn(stack, fqn);
  }
  if (prototype !== REFERENCE_PROTOTYPE || !('originStack' in token) || !('identifier' in token)) return false;
  const { originStack, identifier } = token as { originStack: unknown; identifier: unknown };
  return (originStack === undefined || originStack === stack) && typeof identifier === 'string' && !MARKER.test(identifier);
}
