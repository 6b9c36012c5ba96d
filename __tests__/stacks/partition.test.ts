import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTopology } from '../../config/load';
import { TopologyInput } from '../../config/schema';
import { defaultTopologyInput, synthesize } from '../support/synth';

const ROOT = join(__dirname, '..', '..');

/** How often each needle occurs in the synthesized stacks of a topology. */
function countInSynth(input: TopologyInput, ...needles: string[]): number[] {
  const synth = synthesize(parseTopology(input, 'test topology'));
  const text = [...synth.byName.values()].map((stack) => JSON.stringify(stack.json)).join('\n');
  return needles.map((needle) => text.split(needle).length - 1);
}

/**
 * The same topology in GovCloud: the partition set, and the ARNs the topology itself gives (a
 * function, a key) and the AppConfig layer of the home region moved to that partition too.
 */
function inGovCloud(input: TopologyInput): TopologyInput {
  const moved = JSON.parse(JSON.stringify(input).replaceAll('arn:aws:', 'arn:aws-us-gov:')) as TopologyInput;
  moved.partition = 'aws-us-gov';
  moved.forwarder = {
    ...moved.forwarder,
    appConfigLayerArns: { [moved.homeRegion]: `arn:aws-us-gov:lambda:${moved.homeRegion}:123456789012:layer:AWS-AppConfig-Extension-Arm64:1` },
  };
  return moved;
}

function organizationMode(t: TopologyInput): TopologyInput {
  t.organization = { id: 'o-abcdefghij', managementAccount: 'prod' };
  t.trails = { mode: 'organization' };
  for (const account of t.accounts) if (account.source) delete account.source.bucketName;
  return t;
}

const TOPOLOGIES: [string, () => TopologyInput][] = [
  ['the default topology', defaultTopologyInput],
  ['the example topology', () => JSON.parse(readFileSync(join(ROOT, 'examples', 'topology.example.json'), 'utf8')) as TopologyInput],
  ['the default topology in organization mode', () => organizationMode(defaultTopologyInput())],
];

describe('partition', () => {
  test.each(TOPOLOGIES)('a non-default partition changes every ARN the stacks of %s emit', (_name, input) => {
    const [inAws] = countInSynth(input(), 'arn:aws:');
    expect(inAws).toBeGreaterThan(20);
    expect(countInSynth(inGovCloud(input()), 'arn:aws:', 'arn:aws-us-gov:')).toEqual([0, inAws]);
  });

  test('outside the aws partition the AppConfig layer must come from the topology', () => {
    const input = defaultTopologyInput();
    input.partition = 'aws-cn';
    expect(() => synthesize(parseTopology(input, 'test topology'))).toThrow(
      /forwarder\.appConfigLayerArns: the built-in AppConfig extension layers are those of the aws partition, and the topology's partition is aws-cn; add "us-east-1": "arn:aws-cn:lambda:us-east-1:/,
    );
  });
});
