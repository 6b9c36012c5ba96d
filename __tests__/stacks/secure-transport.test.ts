import { join } from 'node:path';
import { readTopologyFile } from '../../config/load';
import { PROJECT_ROOT } from '../../config/paths';
import { SynthesizedStack, synthesize, topologyWith } from '../support/synth';

/** Every queue and topic trailbridge creates refuses requests without TLS, whichever construct made it. */

const TOPOLOGIES = [
  ['the default topology', topologyWith()],
  ['the example topology (notifier, API destinations, evidence)', readTopologyFile(join(PROJECT_ROOT, 'examples', 'topology.example.json'))],
  ['the organization example', readTopologyFile(join(PROJECT_ROOT, 'examples', 'topology.organization.json'))],
] as const;

/** The deny statement of the policy resource of `policyType` that points at `reference` through `key`. */
function tlsDenyOf(stack: SynthesizedStack, policyType: string, key: string, reference: string): unknown {
  const [, policy] = stack.resources(policyType).find(([, p]) => p[key] === reference) ?? [];
  if (!policy) return undefined;
  return stack.policyDocument(policy.policy).statement.find((s: any) => s.effect === 'Deny' && s.condition?.some((c: any) => c.variable === 'aws:SecureTransport'));
}

describe.each(TOPOLOGIES)('%s', (_label, topology) => {
  const synth = synthesize(topology);

  test('every SQS queue has a policy that denies requests without TLS', () => {
    const missing: string[] = [];
    let queues = 0;
    for (const stack of synth.byName.values()) {
      for (const [id, queue] of stack.resources('aws_sqs_queue')) {
        queues++;
        if (!tlsDenyOf(stack, 'aws_sqs_queue_policy', 'queue_url', `\${aws_sqs_queue.${id}.url}`)) missing.push(`${stack.name}: ${queue.name}`);
      }
    }
    expect(queues).toBeGreaterThanOrEqual(5);
    expect(missing).toEqual([]);
  });

  test('every SNS topic has a policy that denies requests without TLS', () => {
    const missing: string[] = [];
    let topics = 0;
    for (const stack of synth.byName.values()) {
      for (const [id, topic] of stack.resources('aws_sns_topic')) {
        topics++;
        if (!tlsDenyOf(stack, 'aws_sns_topic_policy', 'arn', `\${aws_sns_topic.${id}.arn}`)) missing.push(`${stack.name}: ${topic.name}`);
      }
    }
    expect(topics).toBeGreaterThanOrEqual(3);
    expect(missing).toEqual([]);
  });
});
