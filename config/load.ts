import { readFileSync } from 'node:fs';
import { z } from 'zod';
import defaultTopologyJson from './default-topology.json';
import { Problem, TopologyError, formatPath } from './problems';
import { Topology, topologySchema } from './schema';
import { crossFieldProblems } from './validate';

export const TOPOLOGY_ENV = 'TRAILBRIDGE_TOPOLOGY';
export const DEFAULT_TOPOLOGY_NAME = '(embedded default topology)';

/** Validates a parsed topology document; throws one TopologyError listing every problem. */
export function parseTopology(raw: unknown, file: string = DEFAULT_TOPOLOGY_NAME): Topology {
  const result = topologySchema.safeParse(raw, { reportInput: true });
  const problems: Problem[] = result.success ? [] : result.error.issues.map(toProblem);
  problems.push(...crossFieldProblems(raw));
  if (problems.length > 0 || !result.success) throw new TopologyError(file, dedupe(problems));
  return result.data;
}

/** Reads and validates a topology file. */
export function readTopologyFile(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TopologyError(file, [{ path: '(file)', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); check ${TOPOLOGY_ENV}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TopologyError(file, [{ path: '(file)', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  return parseTopology(raw, file);
}

/** The topology named by TRAILBRIDGE_TOPOLOGY, else the embedded default. */
export function loadTopology(env: NodeJS.ProcessEnv = process.env): Topology {
  const file = env[TOPOLOGY_ENV]?.trim();
  return file ? readTopologyFile(file) : parseTopology(defaultTopologyJson);
}

function toProblem(issue: z.core.$ZodIssue): Problem {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return { path, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; check the spelling against schema/topology.schema.json` };
    case 'invalid_type':
      return { path, message: issue.input === undefined ? `is required (${issue.expected})` : `expected ${issue.expected}, got ${JSON.stringify(issue.input)}` };
    case 'invalid_value':
      return { path, message: `${JSON.stringify(issue.input)} is not allowed; use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'invalid_union':
      return issue.path.at(-1) === 'type'
        ? { path, message: 'unknown type; use "local", "s3" or "cloud"' }
        : { path, message: 'matches none of the allowed forms; see schema/topology.schema.json' };
    default:
      return { path, message: issue.message };
  }
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
