import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTopology } from '../../config/load';
import { Partition } from '../../config/arn';
import { TopologyInput } from '../../config/schema';
import { eventTopologyProblems, forwardingRules } from '../../stacks/catalog';
import { globalResourceRegion } from '../../stacks/catalog/forwarding-definition';
import { deliveryRegion } from '../../tools/simulate/delivery';
import { setupFromTopology } from '../../tools/simulate/simulate-records';
import { defaultTopologyInput, synthesize } from '../support/synth';
import { topologyProblems } from '../support/topologies';

const ROOT = join(__dirname, '..', '..');

/** How often each needle occurs in the synthesized stacks of a topology. */
function countInSynth(input: TopologyInput, ...needles: string[]): number[] {
  const synth = synthesize(parseTopology(input, 'test topology'));
  const text = [...synth.byName.values()].map((stack) => JSON.stringify(stack.json)).join('\n');
  return needles.map((needle) => text.split(needle).length - 1);
}

/**
 * The same topology in GovCloud: the partition set, its regions moved to GovCloud's (us-east-1,
 * IAM's region, to us-gov-west-1, as IAM's region there; the others to us-gov-east-1 and, as
 * GovCloud has only two, regions of allowRegions), and the ARNs the topology itself gives (a
 * function, a key) and the AppConfig layer of the home region moved to that partition too.
 */
function inGovCloud(input: TopologyInput): TopologyInput {
  const others = ['us-gov-east-1', 'us-gov-central-1', 'us-gov-central-2'];
  const regionMap = new Map(input.regions.map((region) => [region, region === 'us-east-1' ? 'us-gov-west-1' : others.shift()!]));
  let text = JSON.stringify(input).replaceAll('arn:aws:', 'arn:aws-us-gov:');
  for (const [from, to] of regionMap) text = text.replaceAll(from, to);
  const moved = JSON.parse(text) as TopologyInput;
  moved.partition = 'aws-us-gov';
  moved.allowRegions = moved.regions.filter((region) => !['us-gov-west-1', 'us-gov-east-1'].includes(region));
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

  test('outside the aws partition the AppConfig layer must come from the topology: a topology problem, before synth', () => {
    const problems = topologyProblems((t) => inPartition(t, 'aws-cn', ['cn-northwest-1'], { layer: false }));
    expect(problems).toEqual([
      {
        path: 'forwarder.appConfigLayerArns',
        message: expect.stringMatching(
          /^the built-in AppConfig extension layers are those of the aws partition, and the topology's partition is aws-cn; add "cn-northwest-1": "arn:aws-cn:lambda:cn-northwest-1:<AWS account>/,
        ),
      },
    ]);
  });
});

/** The default topology moved to a partition's regions (the first is the home region), with its ARNs and an AppConfig layer. */
function inPartition(t: TopologyInput, partition: Partition, regions: string[], options: { layer?: boolean } = {}): void {
  const moved = JSON.parse(JSON.stringify(t).replaceAll('arn:aws:', `arn:${partition}:`)) as TopologyInput;
  Object.assign(t, moved);
  t.partition = partition;
  t.regions = regions;
  t.homeRegion = regions[0];
  if (options.layer !== false) {
    t.forwarder = { ...t.forwarder, appConfigLayerArns: { [regions[0]]: `arn:${partition}:lambda:${regions[0]}:123456789012:layer:AWS-AppConfig-Extension-Arm64:1` } };
  }
}

function topologyIn(partition: Partition, regions: string[], edit: (t: TopologyInput) => void = () => undefined) {
  const input = defaultTopologyInput();
  inPartition(input, partition, regions);
  edit(input);
  return parseTopology(input, 'test topology');
}

describe("a partition's regions", () => {
  test("GovCloud's and China's regions are known without allowRegions", () => {
    expect(topologyProblems((t) => inPartition(t, 'aws-us-gov', ['us-gov-east-1', 'us-gov-west-1']))).toEqual([]);
    expect(topologyProblems((t) => inPartition(t, 'aws-cn', ['cn-north-1', 'cn-northwest-1']))).toEqual([]);
  });

  test('a region of another partition is refused, in regions and in allowRegions, with the fix', () => {
    expect(topologyProblems((t) => inPartition(t, 'aws-us-gov', ['us-gov-west-1', 'us-east-1']))).toEqual([
      { path: 'regions[1]', message: '"us-east-1" is a region of the aws partition, and the topology\'s partition is aws-us-gov; use one of us-gov-west-1, us-gov-east-1, or set partition to "aws"' },
    ]);
    expect(topologyProblems((t) => t.regions.push('cn-north-1'))).toContainEqual({
      path: 'regions[3]',
      message: expect.stringMatching(/^"cn-north-1" is a region of the aws-cn partition, and the topology's partition is aws; use one of us-east-1, .*, or set partition to "aws-cn"$/),
    });
    const allowed = topologyProblems((t) => {
      t.allowRegions = ['cn-north-1'];
      t.regions.push('cn-north-1');
    });
    expect(allowed.map((p) => p.path)).toEqual(['allowRegions[0]']);
  });
});

describe('global services outside the aws partition', () => {
  test.each([
    ['aws-us-gov', ['us-gov-east-1'], 'us-gov-west-1'],
    ['aws-cn', ['cn-northwest-1'], 'cn-north-1'],
  ] as const)('in %s, a source not enabled in IAM\'s region gets a rule there for the global services\' events', (partition, regions, globalRegion) => {
    const rules = forwardingRules(topologyIn(partition, [...regions]));
    const ofTest = rules.filter((rule) => rule.account.name === 'test');
    expect(ofTest.map((rule) => [rule.region, rule.scope])).toEqual([
      [regions[0], 'all'],
      [globalRegion, 'global'],
    ]);
    // And a synth gives that region a provider: no us-east-1 anywhere.
    const synth = synthesize(topologyIn(partition, [...regions]));
    const text = [...synth.byName.values()].map((stack) => JSON.stringify(stack.json)).join('\n');
    expect(text).not.toContain('us-east-1');
    expect(JSON.stringify(synth.byName.get('source-test')!.json.provider.aws)).toContain(`"region":"${globalRegion}"`);
  });

  test("in GovCloud, with the global rules off, a use case that needs global events names us-gov-west-1", () => {
    const topology = topologyIn('aws-us-gov', ['us-gov-east-1'], (t) => {
      for (const a of t.accounts) if (a.source) a.source.forwarding = { globalEventsFromUsEast1: false };
    });
    expect(eventTopologyProblems(topology).map((p) => p.message)).toContainEqual(
      expect.stringMatching(/needs events of global services .* which reach EventBridge in us-gov-west-1 only, .* add us-gov-west-1 to regions/),
    );
  });

  test("a StackSet puts the global (IAM) resources in IAM's region of the partition", () => {
    expect(globalResourceRegion(['us-gov-east-1', 'us-gov-west-1'])).toBe('us-gov-west-1');
    expect(globalResourceRegion(['cn-northwest-1', 'cn-north-1'])).toBe('cn-north-1');
    expect(globalResourceRegion(['eu-west-1', 'us-east-1'])).toBe('us-east-1');
    expect(globalResourceRegion(['eu-west-1', 'eu-central-1'])).toBe('eu-west-1');
  });

  test('the simulator delivers global services\' events to the partition\'s region', () => {
    const setup = setupFromTopology(topologyIn('aws-us-gov', ['us-gov-east-1']));
    expect(setup.globalEventsRegion).toBe('us-gov-west-1');
    const envelope = { region: 'us-gov-east-1', detail: { eventSource: 'iam.amazonaws.com' } };
    expect(deliveryRegion(envelope, setup.globalEventsRegion)).toBe('us-gov-west-1');
    expect(deliveryRegion({ ...envelope, detail: { eventSource: 's3.amazonaws.com' } }, setup.globalEventsRegion)).toBe('us-gov-east-1');
  });
});

describe('confused-deputy conditions outside the aws partition', () => {
  test("in China, the forwarding role's and the ops topics' aws:SourceArn patterns are of the aws-cn partition", () => {
    const synth = synthesize(topologyIn('aws-cn', ['cn-northwest-1', 'cn-north-1']));
    const source = synth.byName.get('source-test')!;
    const sourceArns = (reference: string, sid?: string) =>
      source.policyDocument(reference).statement.filter((st: any) => sid === undefined || st.sid === sid).flatMap((st: any) => st.condition.filter((c: any) => c.variable === 'aws:SourceArn').flatMap((c: any) => c.values));
    const [[, role]] = source.resources('aws_iam_role').filter(([, r]) => r.name === 'trailbridge-events-to-central');
    expect(sourceArns(role.assume_role_policy)).toEqual([expect.stringMatching(/^arn:aws-cn:events:\*:\d{12}:rule\/trailbridge-api-calls-to-central$/)]);
    const topicPatterns = source.resources('aws_sns_topic_policy').flatMap(([, p]) => sourceArns(p.policy, 'CloudWatchAlarmsPublish'));
    expect(topicPatterns.sort()).toEqual([
      expect.stringMatching(/^arn:aws-cn:cloudwatch:cn-north-1:\d{12}:alarm:trailbridge-events-to-central-\*$/),
      expect.stringMatching(/^arn:aws-cn:cloudwatch:cn-northwest-1:\d{12}:alarm:trailbridge-events-to-central-\*$/),
    ]);
  });
});

describe('regional service names in China', () => {
  test('kms:ViaService values and the CloudWatch Logs principal end in amazonaws.com.cn', () => {
    const synth = synthesize(topologyIn('aws-cn', ['cn-northwest-1', 'cn-north-1']));
    const text = [...synth.byName.values()].map((stack) => JSON.stringify(stack.json)).join('\n');
    const regional = [...text.matchAll(/[a-z0-9]+\.cn-north(?:west)?-1\.amazonaws\.com[a-z.]*/g)].map((m) => m[0]);
    expect(regional.length).toBeGreaterThan(5);
    expect(regional.filter((name) => !name.endsWith('.amazonaws.com.cn'))).toEqual([]);
    expect(new Set(regional.map((name) => name.split('.')[0]))).toEqual(new Set(['s3', 'ssm', 'dynamodb', 'logs']));
  });
});
