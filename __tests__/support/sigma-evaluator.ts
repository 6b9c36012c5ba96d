/**
 * An evaluator of Sigma rules on one CloudTrail record, written for the tests straight from the Sigma
 * specification (sigma-rules-specification.md, sigma-appendix-modifiers.md) and sharing no code with the
 * compiler in config/sigma: it reads the YAML itself, walks the condition text itself and matches values with
 * regular expressions instead of patterns. The differential test holds the compiler's `exact` patterns to it.
 *
 * Choices the specification leaves to the reader, as docs/sigma.md states them:
 * - a field name with dots is a path into the record; a list anywhere on the path gives each element;
 * - a value compares with the text of a string, number or boolean (JSON text), never with an object or null;
 * - `null` holds when the field is missing or its value is null; `|exists` when the key is there, whatever its value.
 */
import { parse } from 'yaml';

type Json = unknown;

interface Resolved {
  readonly present: boolean;
  /** The values at the end of the path (each element of a list at the end). */
  readonly values: readonly Json[];
}

function resolve(record: Json, path: readonly string[]): Resolved {
  let nodes: Json[] = [record];
  let present = true;
  for (const key of path) {
    const next: Json[] = [];
    for (const node of nodes.flatMap((n) => (Array.isArray(n) ? n : [n]))) {
      if (node !== null && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, key)) next.push((node as Record<string, Json>)[key]);
    }
    if (next.length === 0) present = false;
    nodes = next;
  }
  return { present, values: nodes.flatMap((n) => (Array.isArray(n) ? n : [n])) };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The Sigma string `value` (wildcards `*`, `?`, backslash escapes) as an anchored regular expression. */
function valueRegex(value: string, modifiers: readonly string[]): RegExp {
  let source = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const next = value[i + 1];
    if (c === '\\' && next !== undefined && '*?\\'.includes(next)) {
      source += escapeRegex(next);
      i++;
    } else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += escapeRegex(c);
  }
  if (modifiers.includes('contains')) source = `.*${source}.*`;
  else if (modifiers.includes('startswith')) source = `${source}.*`;
  else if (modifiers.includes('endswith')) source = `.*${source}`;
  return new RegExp(`^${source}$`, modifiers.includes('cased') ? 's' : 'is');
}

function textOf(value: Json): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function fieldMatches(record: Json, key: string, expected: Json): boolean {
  const [field, ...modifiers] = key.split('|');
  const found = resolve(record, field!.split('.'));
  const wanted = Array.isArray(expected) ? expected : [expected];
  if (modifiers.includes('exists')) return found.present === (wanted[0] === true || String(wanted[0]).toLowerCase() === 'true');
  const one = (value: Json): boolean => {
    if (value === null) return !found.present || found.values.every((v) => v === null);
    const regex = valueRegex(String(value), modifiers);
    return found.values.some((v) => {
      const text = textOf(v);
      return text !== undefined && regex.test(text);
    });
  };
  return modifiers.includes('all') ? wanted.every(one) : wanted.some(one);
}

function selectionMatches(record: Json, selection: Json): boolean {
  if (Array.isArray(selection)) return selection.some((map) => selectionMatches(record, map));
  return Object.entries(selection as Record<string, Json>).every(([key, value]) => fieldMatches(record, key, value));
}

/** Evaluates a condition string over the named selections, by the specification's grammar and precedence. */
function conditionHolds(condition: string, names: readonly string[], holds: (name: string) => boolean): boolean {
  const tokens = condition.replace(/\(/g, ' ( ').replace(/\)/g, ' ) ').trim().split(/\s+/);
  let i = 0;
  const expression = (): boolean => {
    let value = conjunction();
    while (tokens[i] === 'or') {
      i++;
      const right = conjunction();
      value = value || right;
    }
    return value;
  };
  const conjunction = (): boolean => {
    let value = negation();
    while (tokens[i] === 'and') {
      i++;
      const right = negation();
      value = value && right;
    }
    return value;
  };
  const negation = (): boolean => {
    if (tokens[i] === 'not') {
      i++;
      return !negation();
    }
    return atom();
  };
  const atom = (): boolean => {
    const token = tokens[i++]!;
    if (token === '(') {
      const value = expression();
      i++; // ')'
      return value;
    }
    if ((token === '1' || token === 'all') && tokens[i] === 'of') {
      const target = tokens[i + 1]!;
      i += 2;
      const regex = new RegExp(`^${target.split('*').map(escapeRegex).join('.*')}$`);
      const chosen = target === 'them' ? names.filter((n) => !n.startsWith('_')) : names.filter((n) => regex.test(n));
      return token === '1' ? chosen.some(holds) : chosen.every(holds);
    }
    return holds(token);
  };
  return expression();
}

/** A Sigma rule read by the evaluator: call it on a record. */
export interface EvaluatedRule {
  readonly title: string;
  matches(record: Json): boolean;
}

export function evaluatorFor(yamlText: string): EvaluatedRule {
  const rule = parse(yamlText) as { title: string; detection: Record<string, Json> };
  const { condition, ...selections } = rule.detection;
  const names = Object.keys(selections);
  const conditions = (Array.isArray(condition) ? condition : [condition]) as string[];
  return {
    title: rule.title,
    matches: (record) => conditions.some((c) => conditionHolds(c, names, (name) => selectionMatches(record, selections[name]))),
  };
}
