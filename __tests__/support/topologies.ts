import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTopology } from '../../config/load';
import { Problem, TopologyError } from '../../config/problems';
import { Topology, TopologyInput } from '../../config/schema';
import { defaultTopologyInput, topologyWith } from './synth';

const ROOT = join(__dirname, '..', '..');

/** examples/topology.example.json as committed (cloud backend, dynamic credentials on). */
export function exampleTopology(edit: (t: TopologyInput) => void = () => undefined): Topology {
  const input = JSON.parse(readFileSync(join(ROOT, 'examples', 'topology.example.json'), 'utf8')) as TopologyInput;
  edit(input);
  return parseTopology(input, 'examples/topology.example.json');
}

/** The default topology's accounts on HCP Terraform with dynamic credentials (the default itself keeps local state). */
export function defaultCloudTopology(backend: Partial<Extract<TopologyInput['backend'], { type: 'cloud' }>> = {}): Topology {
  return topologyWith((t) => {
    t.backend = { type: 'cloud', organization: 'acme', dynamicCredentials: true, ...backend };
  });
}

/** The problems parseTopology reports for the default topology changed by `edit` (none: []). */
export function topologyProblems(edit: (t: any) => void): Problem[] {
  const input = defaultTopologyInput() as any;
  edit(input);
  try {
    parseTopology(input, 'topology.json');
  } catch (err) {
    if (err instanceof TopologyError) return [...err.problems];
    throw err;
  }
  return [];
}
