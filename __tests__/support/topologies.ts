import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTopology } from '../../config/load';
import { Topology, TopologyInput } from '../../config/schema';
import { topologyWith } from './synth';

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
