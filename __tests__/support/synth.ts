import { Testing } from 'cdktf';
import defaultTopologyJson from '../../config/default-topology.json';
import { parseTopology } from '../../config/load';
import { Topology, TopologyInput } from '../../config/schema';
import { TrailbridgeStacks, buildStacks } from '../../stacks/app';

/** A fresh, mutable copy of the embedded default topology document. */
export function defaultTopologyInput(): TopologyInput {
  return structuredClone(defaultTopologyJson) as TopologyInput;
}

/** The default topology, changed by `edit`, validated. */
export function topologyWith(edit: (t: TopologyInput) => void = () => undefined): Topology {
  const input = defaultTopologyInput();
  edit(input);
  return parseTopology(input, 'test topology');
}

/** One synthesized stack, with lookups over its Terraform JSON. */
export class SynthesizedStack {
  constructor(readonly name: string, readonly json: Record<string, any>) {}

  /** Resources of a type as [local name, body] pairs. */
  resources(type: string): [string, Record<string, any>][] {
    return Object.entries(this.json.resource?.[type] ?? {});
  }

  /** Data sources of a type as [local name, body] pairs. */
  data(type: string): [string, Record<string, any>][] {
    return Object.entries(this.json.data?.[type] ?? {});
  }

  /** The one resource of a type whose body has `key` equal to `value`; fails clearly otherwise. */
  resourceWhere(type: string, key: string, value: unknown): Record<string, any> {
    const found = this.resources(type).filter(([, body]) => body[key] === value);
    if (found.length !== 1) throw new Error(`${this.name}: expected one ${type} with ${key} = ${JSON.stringify(value)}, found ${found.length}`);
    return found[0][1];
  }

  /** Every resource type of the stack. */
  resourceTypes(): string[] {
    return Object.keys(this.json.resource ?? {}).sort();
  }

  /** The policy document data source a `${data.aws_iam_policy_document.X.json}` reference names. */
  policyDocument(reference: string): Record<string, any> {
    const match = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(reference);
    if (!match) throw new Error(`${this.name}: ${reference} is not a reference to an aws_iam_policy_document`);
    const doc = this.json.data?.aws_iam_policy_document?.[match[1]];
    if (!doc) throw new Error(`${this.name}: no aws_iam_policy_document ${match[1]}`);
    return doc;
  }
}

export interface Synthesized {
  readonly stacks: TrailbridgeStacks;
  /** Stack name -> synthesized stack. */
  readonly byName: ReadonlyMap<string, SynthesizedStack>;
  stack(name: string): SynthesizedStack;
}

/** Builds every stack of a topology and synthesizes each one to Terraform JSON. */
export function synthesize(topology: Topology = topologyWith()): Synthesized {
  const app = Testing.app();
  const stacks = buildStacks(app, topology);
  const byName = new Map(stacks.all.map((s) => [s.stackName, new SynthesizedStack(s.stackName, JSON.parse(Testing.synth(s)))]));
  return {
    stacks,
    byName,
    stack(name: string) {
      const found = byName.get(name);
      if (!found) throw new Error(`no stack ${name}; stacks: ${[...byName.keys()].join(', ')}`);
      return found;
    },
  };
}
