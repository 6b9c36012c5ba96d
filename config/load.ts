import { readFileSync } from 'node:fs';
import { z } from 'zod';
import defaultTopologyJson from './default-topology.json';
import { houseStyleErrorMap, issueMessage } from './issue-messages';
import { findJsonSyntaxError } from './json-syntax';
import { Problem, TopologyError, formatPath } from './problems';
import { Topology, topologySchema } from './schema';
import { crossFieldProblems } from './validate';

export const TOPOLOGY_ENV = 'TRAILBRIDGE_TOPOLOGY';
export const DEFAULT_TOPOLOGY_NAME = '(embedded default topology)';

/** The file each validated topology came from, for checks that run later (stacks/catalog/validate.ts). */
const SOURCES = new WeakMap<Topology, string>();

/** Validates a parsed topology document; throws one TopologyError listing every problem. */
export function parseTopology(raw: unknown, file: string = DEFAULT_TOPOLOGY_NAME): Topology {
  const result = topologySchema.safeParse(raw, { reportInput: true, error: houseStyleErrorMap });
  const problems: Problem[] = result.success ? [] : result.error.issues.map(toProblem);
  problems.push(...crossFieldProblems(raw));
  if (problems.length > 0 || !result.success) throw new TopologyError(file, dedupe(problems));
  SOURCES.set(result.data, file);
  return result.data;
}

/** The file a topology was read from, so a later check names it as parseTopology would; 'topology' when not known. */
export function topologySource(topology: Topology): string {
  return SOURCES.get(topology) ?? 'topology';
}

/** Reads and validates a topology file. */
export function readTopologyFile(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TopologyError(file, [{ path: '(file)', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); check ${TOPOLOGY_ENV}` }]);
  }
  return parseTopology(parseJson(text, file), file);
}

/** The document of a topology file; a syntax error names its line and column. */
export function parseJson(text: string, file: string): unknown {
  // Editors on Windows may start a UTF-8 file with a byte order mark, which JSON.parse refuses.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const at = findJsonSyntaxError(body);
    const message = at
      ? `not valid JSON at line ${at.line}, column ${at.column}: expected ${at.expected}, found ${at.found}; correct the file there`
      : `not valid JSON (${(err as Error).message}); correct the file`;
    throw new TopologyError(file, [{ path: '(file)', message }]);
  }
}

/** The topology named by TRAILBRIDGE_TOPOLOGY, else the embedded default. */
export function loadTopology(env: NodeJS.ProcessEnv = process.env): Topology {
  const file = env[TOPOLOGY_ENV]?.trim();
  return file ? readTopologyFile(file) : parseTopology(defaultTopologyJson);
}

/** A zod issue as a problem; its message is the house-style one (issue-messages.ts) unless the schema worded it. */
function toProblem(issue: z.core.$ZodIssue): Problem {
  return { path: formatPath(issue.path), message: issueMessage(issue) };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
