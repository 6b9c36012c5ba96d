import { cidrProblem } from './cidr';
import { ConditionError, parseCondition, type ConditionAst } from './condition';
import { isYamlMap, isYamlScalar, parseYaml, yamlGet, YamlSyntaxError, type YamlMap, type YamlScalar, type YamlValue } from './yaml-tree';

/** The value modifiers of the Sigma specification (appendix "Sigma Modifiers", v2.1.0). */
export const SIGMA_MODIFIERS: readonly string[] = [
  'all', 'startswith', 'endswith', 'contains', 'exists', 'cased', 'neq', 'windash', 're', 'i', 'm', 's', 'base64',
  'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'lt', 'lte', 'gt', 'gte', 'minute', 'hour', 'day', 'week',
  'month', 'year', 'cidr', 'expand', 'fieldref',
];

/** The sub-modifiers of `re`; they are valid only after it. */
const RE_FLAGS = ['i', 'm', 's'];

export const SIGMA_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type SigmaLevel = (typeof SIGMA_LEVELS)[number];

/** The rule statuses of the specification ("Status"); deprecated and unsupported rules are not to be used as they are. */
export const SIGMA_RULE_STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;
export type SigmaRuleStatus = (typeof SIGMA_RULE_STATUSES)[number];

/** One `field|modifier...: value(s)` of a selection map. */
export interface FieldTest {
  readonly field: string;
  readonly modifiers: readonly string[];
  readonly values: readonly YamlScalar[];
  /** YAML path of the entry, for messages: `detection.selection.eventName|startswith`. */
  readonly at: string;
}

/** A search identifier: maps OR-ed (a single map is a list of one), or a keyword list (full-text search). */
export type Selection =
  | { readonly kind: 'maps'; readonly maps: readonly (readonly FieldTest[])[]; readonly at: string }
  | { readonly kind: 'keywords'; readonly at: string };

export interface SigmaRule {
  readonly file: string;
  readonly title: string;
  readonly id?: string;
  readonly author?: string;
  readonly level?: SigmaLevel;
  readonly status?: SigmaRuleStatus;
  readonly tags: readonly string[];
  readonly logsource: { readonly product?: string; readonly service?: string; readonly category?: string };
  /** Search identifiers in file order. */
  readonly selections: ReadonlyMap<string, Selection>;
  /** The condition(s), parsed; a list of conditions is OR-ed. */
  readonly conditions: readonly ConditionAst[];
  /** Set for a correlation rule, which is a rule about other rules' matches. */
  readonly correlation: boolean;
}

/** A file that is not a valid Sigma rule: the file, the YAML path, and what is wrong. */
export class SigmaRuleError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${file}: ${path}: ${reason}`);
    this.name = 'SigmaRuleError';
  }
}

const text = (value: YamlValue | undefined): string | undefined =>
  isYamlScalar(value) && typeof value.scalar === 'string' ? value.scalar : undefined;

/** Parses and checks a Sigma rule file's text; throws SigmaRuleError naming what is wrong and where. */
export function parseSigmaRule(file: string, source: string): SigmaRule {
  let root: YamlValue | undefined;
  try {
    root = parseYaml(source);
  } catch (err) {
    if (err instanceof YamlSyntaxError) {
      const reason = err.message.replace(/ at line \d+, column \d+:?$/, '');
      throw new SigmaRuleError(file, `(line ${err.line})`, err.syntax ? `not valid YAML: ${reason}` : reason);
    }
    throw err;
  }
  const fail = (path: string, reason: string): never => {
    throw new SigmaRuleError(file, path, reason);
  };
  if (!isYamlMap(root)) return fail('(root)', 'a Sigma rule is a YAML mapping with title, logsource and detection');
  const correlation = yamlGet(root, 'correlation') !== undefined;
  const title = text(yamlGet(root, 'title'));
  if (title === undefined || title.trim() === '') fail('title', 'is required: a short text saying what the rule detects');
  if (title!.length > 256) fail('title', `is ${title!.length} characters; the specification allows at most 256`);
  const level = optionalText(root, 'level', fail);
  if (level !== undefined && !(SIGMA_LEVELS as readonly string[]).includes(level)) {
    fail('level', `${JSON.stringify(level)} is not a Sigma level; use one of ${SIGMA_LEVELS.join(', ')}`);
  }
  const status = optionalText(root, 'status', fail);
  if (status !== undefined && !(SIGMA_RULE_STATUSES as readonly string[]).includes(status)) {
    fail('status', `${JSON.stringify(status)} is not a Sigma status; use one of ${SIGMA_RULE_STATUSES.join(', ')}`);
  }
  const rule = {
    file,
    title: title!,
    id: optionalText(root, 'id', fail),
    author: optionalText(root, 'author', fail),
    level: level as SigmaLevel | undefined,
    status: status as SigmaRuleStatus | undefined,
    tags: readTags(root, fail),
    correlation,
  };
  if (correlation) return { ...rule, logsource: {}, selections: new Map(), conditions: [] };
  const { selections, conditions } = readDetection(root, fail);
  return { ...rule, logsource: readLogsource(root, fail), selections, conditions };
}

type Fail = (path: string, reason: string) => never;

function optionalText(map: YamlMap, key: string, fail: Fail): string | undefined {
  const value = yamlGet(map, key);
  if (value === undefined || (isYamlScalar(value) && value.scalar === null)) return undefined;
  const found = text(value);
  return found ?? fail(key, 'must be a string');
}

function readTags(root: YamlMap, fail: Fail): string[] {
  const value = yamlGet(root, 'tags');
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail('tags', 'must be a list of strings');
  return value.map((item, i) => text(item) ?? fail(`tags[${i}]`, 'must be a string'));
}

function readLogsource(root: YamlMap, fail: Fail): SigmaRule['logsource'] {
  const value = yamlGet(root, 'logsource');
  if (!isYamlMap(value)) return fail('logsource', 'is required: a mapping with product, service and/or category');
  const field = (key: string) => optionalText(value, key, (path, reason) => fail(`logsource.${path}`, reason));
  return { product: field('product'), service: field('service'), category: field('category') };
}

function readDetection(root: YamlMap, fail: Fail): Pick<SigmaRule, 'selections' | 'conditions'> {
  const detection = yamlGet(root, 'detection');
  if (!isYamlMap(detection)) return fail('detection', 'is required: a mapping of search identifiers and a condition');
  const selections = new Map<string, Selection>();
  let conditions: string[] | undefined;
  for (const [name, value] of detection.entries) {
    const at = `detection.${name}`;
    if (name === 'condition') conditions = readConditions(value, fail);
    else if (name === 'timeframe') continue; // a correlation-era field: no effect on matching one event
    else selections.set(name, readSelection(value, at, fail));
  }
  if (conditions === undefined) return fail('detection.condition', 'is required');
  const names = [...selections.keys()];
  const parsed = conditions.map((condition, i) => {
    try {
      return parseCondition(condition, names);
    } catch (err) {
      if (!(err instanceof ConditionError)) throw err;
      return fail(conditions!.length > 1 ? `detection.condition[${i}]` : 'detection.condition', `${JSON.stringify(condition)}: ${err.message}`);
    }
  });
  return { selections, conditions: parsed };
}

function readConditions(value: YamlValue, fail: Fail): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return fail('detection.condition', 'must not be an empty list');
  return list.map((item, i) => {
    const condition = text(item);
    if (condition === undefined || condition.trim() === '') return fail(Array.isArray(value) ? `detection.condition[${i}]` : 'detection.condition', 'must be a non-empty string');
    return condition;
  });
}

function readSelection(value: YamlValue, at: string, fail: Fail): Selection {
  if (isYamlMap(value)) {
    if (value.entries.some(([key]) => key === '' || key.startsWith('|'))) return { kind: 'keywords', at };
    return { kind: 'maps', maps: [readMap(value, at, fail)], at };
  }
  if (Array.isArray(value) && value.length > 0) {
    if (value.every(isYamlScalar)) return { kind: 'keywords', at };
    const maps = value.map((item, i) => (isYamlMap(item) ? readMap(item, `${at}[${i}]`, fail) : fail(`${at}[${i}]`, 'a list of maps must hold only maps')));
    return { kind: 'maps', maps, at };
  }
  return fail(at, 'a search identifier must be a map of fields or a non-empty list of maps or keywords');
}

function readMap(map: YamlMap, at: string, fail: Fail): FieldTest[] {
  if (map.entries.length === 0) fail(at, 'an empty map matches nothing in particular; give it at least one field');
  return map.entries.map(([key, value]) => {
    const entryAt = `${at}.${key}`;
    const [field, ...modifiers] = key.split('|');
    if (field === undefined || field === '') fail(entryAt, 'the field name is empty');
    checkModifiers(modifiers, entryAt, fail);
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) fail(entryAt, 'an empty list of values matches nothing; give at least one value');
    const scalars = values.map((item, i) => {
      if (isYamlScalar(item)) return item;
      // A nested map is the usual slip: Sigma names a field inside an object by its dotted path.
      const inner = isYamlMap(item) ? item.entries[0]?.[0] : undefined;
      const hint = inner === undefined ? '' : `; for a field inside an object write its path with dots, e.g. ${field}.${inner.split('|')[0]}`;
      return fail(Array.isArray(value) ? `${entryAt}[${i}]` : entryAt, `a value must be a string, number, boolean or null${hint}`);
    });
    if (Array.isArray(value) && scalars.some((s) => s.scalar === null)) {
      fail(entryAt, 'null cannot be part of a list of values (specification, "Special Field Values"); give null a selection of its own');
    }
    if (modifiers.includes('exists')) checkExists(modifiers, value, scalars, entryAt, fail);
    checkTypedValues(modifiers, scalars, Array.isArray(value), entryAt, fail);
    if (modifiers.includes('all') && scalars.length < 2) fail(entryAt, '|all needs a list of at least two values (specification, "Generic Modifiers")');
    return { field: field!, modifiers, values: scalars, at: entryAt };
  });
}

/** `|exists` asks one question of the field (specification, "Generic Modifiers": "by providing a boolean value"). */
function checkExists(modifiers: readonly string[], value: YamlValue, scalars: readonly YamlScalar[], at: string, fail: Fail): void {
  const others = modifiers.filter((m) => m !== 'exists');
  if (others.length > 0) fail(at, `|exists stands alone; drop |${others.join(' and |')}, or test the value in a selection of its own`);
  const [only] = scalars;
  const boolean = (s: YamlScalar) => typeof s.scalar === 'boolean' || /^(true|false)$/i.test(s.text);
  if (Array.isArray(value) || !boolean(only!)) {
    fail(at, `|exists takes one value, true or false; got ${Array.isArray(value) ? 'a list' : JSON.stringify(only!.text)}`);
  }
}

/** The numeric modifiers of the specification that trailbridge compiles (`neq` is refused as unsupported). */
const NUMERIC_MODIFIERS = ['lt', 'lte', 'gt', 'gte'];

/**
 * `|cidr` takes IP networks and `|lt` `|lte` `|gt` `|gte` finite numbers only (modifiers appendix: "can only be
 * applied to IP values", "to numeric values"): any other value is a mistake in the rule, not something EventBridge lacks.
 */
function checkTypedValues(modifiers: readonly string[], scalars: readonly YamlScalar[], isList: boolean, at: string, fail: Fail): void {
  const numeric = modifiers.find((m) => NUMERIC_MODIFIERS.includes(m));
  const cidr = modifiers.includes('cidr');
  if (!numeric && !cidr) return;
  const shown = (s: YamlScalar) => (s.scalar === null ? 'null' : typeof s.scalar === 'string' ? JSON.stringify(s.text) : s.text);
  scalars.forEach((scalar, i) => {
    const path = isList ? `${at}[${i}]` : at;
    if (cidr) {
      const problem = typeof scalar.scalar === 'string' ? cidrProblem(scalar.scalar) : 'it is not a text';
      if (problem !== undefined) {
        fail(path, `${shown(scalar)} is not a CIDR network: ${problem}; write a network such as 10.0.0.0/8 or 2001:db8::/32 (modifiers appendix, "IP (Internet Protocol) Modifiers")`);
      }
    }
    if (numeric && typeof scalar.scalar !== 'number') {
      const quoted = typeof scalar.scalar === 'string' && scalar.scalar.trim() !== '' && Number.isFinite(Number(scalar.scalar));
      fail(path, `|${numeric} compares numbers (modifiers appendix, "Numeric Modifiers"), and ${shown(scalar)} ${quoted ? 'is a string here: write the number without quotes' : 'is not one'}`);
    } else if (numeric && !Number.isFinite(scalar.scalar)) {
      // .inf, .nan (YAML's special floats) or a number beyond a double parse as numbers, but JSON has none to compare with.
      const kind = Number.isNaN(scalar.scalar) ? 'not-a-number' : 'infinity';
      fail(path, `|${numeric} compares numbers (modifiers appendix, "Numeric Modifiers"), and ${shown(scalar)} is not a finite number (YAML's ${kind}): no JSON event holds one; write a finite number`);
    }
  });
}

function checkModifiers(modifiers: readonly string[], at: string, fail: Fail): void {
  modifiers.forEach((modifier, i) => {
    if (RE_FLAGS.includes(modifier) && modifiers.slice(0, i).includes('re')) return;
    if (!SIGMA_MODIFIERS.includes(modifier) || RE_FLAGS.includes(modifier)) {
      fail(at, `${JSON.stringify(modifier)} is not a Sigma value modifier; use one of ${SIGMA_MODIFIERS.filter((m) => !RE_FLAGS.includes(m)).join(', ')}`);
    }
  });
  const placements = modifiers.filter((m) => m === 'contains' || m === 'startswith' || m === 'endswith');
  if (placements.length > 1) fail(at, `|${placements.join(' and |')} contradict each other; use one of them`);
}
