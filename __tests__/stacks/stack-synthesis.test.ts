import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, Fn, Lazy, TerraformOutput, TerraformStack, Token } from 'cdktf';
import { parseTopology } from '../../config/load';
import { TopologyInput } from '../../config/schema';
import { buildStacks } from '../../stacks/app';
import { needsPreparing, prepareStack, stackTerraform } from '../../stacks/stack-synthesis';
import { scaleTopology } from '../../tools/bench/scale';
import { defaultTopologyInput } from '../support/synth';

const cdktfToTerraform = (stack: TerraformStack) => TerraformStack.prototype.toTerraform.call(stack);

/** A stack synthesized by cdktf's own methods, or by ./stack-synthesis.ts. */
function stackClass(ours: boolean) {
  return class extends TerraformStack {
    override prepareStack(): void {
      if (ours) prepareStack(this);
      else super.prepareStack();
    }
    override toTerraform(): any {
      return ours ? stackTerraform(this) : super.toTerraform();
    }
  };
}

/** Two stacks, the second reading the first's topic ARN: cdktf's cross-stack output and remote state. */
function crossStackApp(ours: boolean, outdir: string): Record<string, unknown>[] {
  const app = new App({ outdir });
  const Stack = stackClass(ours);
  const first = new Stack(app, 'first');
  new AwsProvider(first, 'aws', { region: 'us-east-1' });
  const topic = new SnsTopic(first, 'topic', { name: 'alerts' });
  const second = new Stack(app, 'second');
  new AwsProvider(second, 'aws', { region: 'us-east-1' });
  const local = new SnsTopic(second, 'local', { name: 'local', tags: { shouted: Fn.upper('quiet') } });
  new SnsTopicPolicy(second, 'policy', { arn: topic.arn, policy: Fn.jsonencode({ topic: local.arn, lazy: Lazy.stringValue({ produce: () => 'produced' }) }), dependsOn: [local] });
  new TerraformOutput(second, 'local-arn', { value: local.arn });
  for (const stack of [first, second]) stack.prepareStack();
  return [first, second].map((s) => s.toTerraform());
}

describe('stack synthesis: cdktf\'s prepareStack and toTerraform with fewer resolve runs', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'stack-synthesis-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const topologies: [string, () => TopologyInput][] = [
    ['the default topology', defaultTopologyInput],
    ['self-managed StackSets', () => scaleTopology('stackset', 3, 3)],
    ['the organization StackSet', () => scaleTopology('organization', 3, 60)],
  ];
  test.each(topologies)('every stack of %s comes out as cdktf\'s own toTerraform gives it', (_, input) => {
    const app = new App({ outdir });
    const stacks = buildStacks(app, parseTopology(input(), 'test topology'));
    for (const stack of stacks.all) stack.prepareStack();
    expect(stacks.all.length).toBeGreaterThan(4);
    for (const stack of stacks.all) expect(stackTerraform(stack)).toEqual(cdktfToTerraform(stack));
  });

  test('a reference into another stack still gets its output there and its remote state here', () => {
    const ours = crossStackApp(true, outdir);
    expect(ours).toEqual(crossStackApp(false, outdir));
    const [first, second] = ours as any[];
    expect(Object.keys(first.output)).toEqual(['cross-stack-output-aws_sns_topictopicarn']);
    expect(Object.keys(second.data.terraform_remote_state)).toEqual([expect.stringMatching(/^cross-stack-reference-input-first/)]);
    expect(JSON.stringify(second.resource.aws_sns_topic_policy)).toContain('data.terraform_remote_state.cross-stack-reference-input-first');
    // Function calls, Lazy values and dependencies still resolve.
    expect(second.resource.aws_sns_topic_policy.policy).toMatchObject({ depends_on: ['aws_sns_topic.local'], policy: expect.stringContaining('produced') });
    expect(second.resource.aws_sns_topic.local.tags).toEqual({ shouted: '${upper("quiet")}' });
  });

  test('only tokens other than references into the stack itself need the preparing run', () => {
    const app = new App({ outdir });
    const Stack = stackClass(true);
    const one = new Stack(app, 'one');
    const other = new Stack(app, 'other');
    const own = new SnsTopic(one, 'own', { name: 'own' });
    const foreign = new SnsTopic(other, 'foreign', { name: 'foreign' });
    expect(needsPreparing(one, { name: 'plain', count: 3, list: ['a', null], nested: { ok: true } })).toBe(false);
    expect(needsPreparing(one, { arn: own.arn, text: `arn is ${own.arn}`, depends_on: [own.fqn] })).toBe(false);
    expect(needsPreparing(one, { arn: foreign.arn })).toBe(true);
    expect(needsPreparing(one, { nested: [{ text: `in ${foreign.arn}` }] })).toBe(true);
    expect(needsPreparing(one, { lazy: Lazy.stringValue({ produce: () => 'x' }) })).toBe(true);
    expect(needsPreparing(one, { call: Fn.upper(own.name) })).toBe(true);
    // A list token of the stack's own attribute: not told apart, so prepared as cdktf does.
    expect(needsPreparing(one, { list: own.getListAttribute('tags_all') })).toBe(true);
    expect(needsPreparing(one, { count: Token.asNumber(own.arn) })).toBe(true);
  });

  test('a value that cannot resolve fails with cdktf\'s own error', () => {
    const errorOf = (ours: boolean) => {
      const app = new App({ outdir });
      const stack = new (stackClass(ours))(app, 'failing');
      new SnsTopic(stack, 'topic', { name: Lazy.stringValue({ produce: () => { throw new Error('no name yet'); } }) });
      try {
        stack.toTerraform();
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    // The creation stacks differ by the line that called errorOf; the rest is the same.
    const withoutStack = (message: string) => message.split('\nObject creation stack')[0];
    expect(errorOf(true)).toMatch(/^Resolution error: no name yet/);
    expect(withoutStack(errorOf(true))).toBe(withoutStack(errorOf(false)));
  });
});
