import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

/**
 * A YAML document as plain data, with the raw text of every number kept: Sigma treats values as strings, and
 * `0x17` or `1.10` must not become 23 or 1.1 on the way.
 */
export type YamlValue = YamlScalar | readonly YamlValue[] | YamlMap;

export interface YamlScalar {
  readonly scalar: string | number | boolean | null;
  /** The scalar as written (a number's digits, a string's text). */
  readonly text: string;
}

/** A mapping with its keys in file order (keys are always strings in a Sigma rule). */
export interface YamlMap {
  readonly entries: readonly (readonly [string, YamlValue])[];
}

export function isYamlScalar(value: YamlValue | undefined): value is YamlScalar {
  return value !== undefined && !Array.isArray(value) && 'scalar' in (value as object);
}

export function isYamlMap(value: YamlValue | undefined): value is YamlMap {
  return value !== undefined && !Array.isArray(value) && 'entries' in (value as object);
}

export function yamlGet(map: YamlMap, key: string): YamlValue | undefined {
  return map.entries.find(([k]) => k === key)?.[1];
}

/** Why a file is not YAML (or not one YAML document, when `syntax` is false), with its line. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly line: number,
    reason: string,
    readonly syntax = true,
  ) {
    super(reason);
    this.name = 'YamlSyntaxError';
  }
}

/** Parses one YAML document; throws YamlSyntaxError at the first syntax error or non-string key. */
export function parseYaml(text: string): YamlValue | undefined {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const [error] = document.errors;
  if (error !== undefined) {
    const line = error.linePos?.[0].line ?? 1;
    // The library's own advice (parseAllDocuments) is for programmers; a rule author needs to know what to change.
    if (error.code === 'MULTIPLE_DOCS') throw new YamlSyntaxError(line, 'the file holds more than one YAML document (a `---` line; Sigma 1 rule collections were written so); put each rule in a file of its own', false);
    throw new YamlSyntaxError(line, error.message.split('\n')[0]!);
  }
  const lineOf = (node: Node | null | undefined): number => lines.linePos(node?.range?.[0] ?? 0).line;
  const convert = (node: unknown): YamlValue => {
    if (isMap(node)) {
      return {
        entries: node.items.map((pair) => {
          const key = isScalar(pair.key) ? pair.key.value : undefined;
          if (typeof key !== 'string') throw new YamlSyntaxError(lineOf(pair.key as Node), 'keys must be strings');
          return [key, convert(pair.value)] as const;
        }),
      };
    }
    if (isSeq(node)) return node.items.map(convert);
    if (isScalar(node)) {
      const value = node.value;
      if (value === null || value === undefined) return { scalar: null, text: '' };
      if (typeof value === 'number') return { scalar: value, text: node.source ?? String(value) };
      if (typeof value === 'string' || typeof value === 'boolean') return { scalar: value, text: String(value) };
      throw new YamlSyntaxError(lineOf(node), `unsupported scalar ${String(value)}`);
    }
    // An empty value (`key:`) is a null node in the document.
    if (node === null || node === undefined) return { scalar: null, text: '' };
    throw new YamlSyntaxError(lineOf(node as Node), 'aliases and tags are not supported in a Sigma rule');
  };
  return document.contents === null ? undefined : convert(document.contents);
}
