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

/** [resource type, its policy's type, the policy key naming it, the attribute it names, the least count in any of the topologies]. */
const POLICED: [string, string, string, string, number][] = [
  ['aws_sqs_queue', 'aws_sqs_queue_policy', 'queue_url', 'url', 5],
  ['aws_sns_topic', 'aws_sns_topic_policy', 'arn', 'arn', 3],
];

describe.each(TOPOLOGIES)('%s', (_label, topology) => {
  const synth = synthesize(topology);

  test.each(POLICED)('every %s has a policy that denies requests without TLS', (type, policyType, key, attribute, least) => {
    const missing: string[] = [];
    let resources = 0;
    for (const stack of synth.byName.values()) {
      for (const [id, resource] of stack.resources(type)) {
        resources++;
        if (!tlsDenyOf(stack, policyType, key, `\${${type}.${id}.${attribute}}`)) missing.push(`${stack.name}: ${resource.name}`);
      }
    }
    expect(resources).toBeGreaterThanOrEqual(least);
    expect(missing).toEqual([]);
  });
});
