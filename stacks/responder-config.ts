import { Naming } from '../config/naming';
import { Topology } from '../config/schema';
import { sourceAccounts } from '../config/accounts';
import { centralRules, enabledResponses, evidenceRules, sourceRoleNeeded } from './catalog';

/**
 * RESPONDER_CONFIG (functions/responder/README.md) from the topology, with the names and ARNs the
 * stacks create: the function's environment, and what `npm run simulate` decides with. Pure.
 * The `enabled` switch is the topology's: the responder knows only the responses it is given.
 */

type Options = Record<string, unknown>;

/** The document, as JSON data; the responder validates it at cold start. */
export interface ResponderConfigDocument {
  readonly partition: string;
  readonly alertTopicArn?: string;
  readonly selfRoleArns: readonly string[];
  readonly accounts: Readonly<Record<string, { readonly roleArn: string; readonly mfaPolicyArn: string }>>;
  readonly evidence?: { readonly bucket: string; readonly bucketOwner: string; readonly region: string; readonly kmsKeyArn: string; readonly rules: readonly string[] };
  readonly responses: Readonly<Record<string, Options>>;
}

export function responderConfigFor(topology: Topology): ResponderConfigDocument {
  const naming = new Naming(topology);
  const on = enabledResponses(topology);
  const sources = sourceRoleNeeded(topology) ? sourceAccounts(topology) : [];
  const responses: Record<string, Options> = {};
  for (const [id, options] of Object.entries(on)) {
    // enabled is the stacks' switch; audit-evidence's bucket settings are the log-archive stack's.
    const { enabled: _on, useCases: _u, retentionInDays: _r, kmsKeyArn: _k, ...own } = options as Options;
    responses[id] = own;
  }
  const audit = on['audit-evidence'];
  return {
    partition: topology.partition,
    alertTopicArn: centralRules(topology).some((r) => r.target === 'sns') ? naming.alertTopicArn() : undefined,
    selfRoleArns: [naming.responderFunctionRoleArn(), ...sources.map((s) => naming.responderRoleArn(s))],
    accounts: Object.fromEntries(sources.map((s) => [s.id, { roleArn: naming.responderRoleArn(s), mfaPolicyArn: naming.mfaPolicyArn(s) }])),
    evidence: audit
      ? { bucket: naming.evidenceBucketName(), bucketOwner: naming.evidenceBucketOwner(), region: topology.homeRegion, kmsKeyArn: naming.evidenceKeyReference(), rules: evidenceRules(topology).map((r) => r.name) }
      : undefined,
    responses,
  };
}
