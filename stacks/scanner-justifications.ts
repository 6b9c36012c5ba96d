import { sourceAccounts } from '../config/accounts';
import { Topology } from '../config/schema';

/**
 * Why the synthesized Terraform still fails some checks of a policy scanner (checkov), one line
 * each, keyed by check id and the Terraform type of the block the check reads. Synth writes each
 * as checkov's own suppression, `# checkov:skip=<check>:<reason>`, inside every block the check
 * still fails on (HCL), and under the block's `//` key (JSON); docs/review.md and the review sheet
 * list them. Findings that were real are fixed in the stacks instead (docs/review.md, "Scanner").
 *
 * `fails` says when the check fails on a block, as checkov reads it: a suppression is written only
 * there, so it never hides the check on a block the reason does not describe. A justification
 * that fails on no block of its type, while blocks of that type exist and the topology has not
 * turned on what resolves it, no longer applies: synth stops and asks to delete it.
 */

export type BlockKind = 'resource' | 'data';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One resource or data block of a stack's Terraform JSON. */
export interface TerraformBlock {
  readonly kind: BlockKind;
  readonly type: string;
  readonly name: string;
  readonly body: JsonObject;
}

/** The blocks of one stack, for checks that look at how blocks refer to each other. */
export interface StackBlocks {
  readonly blocks: readonly TerraformBlock[];
}

export interface Justification {
  /** checkov's check id. */
  readonly check: string;
  readonly kind: BlockKind;
  /** The Terraform type the check reads (aws_lambda_function, aws_iam_policy_document, ...). */
  readonly type: string;
  /** One line: why failing this check is right here. */
  readonly reason: string;
  /** Whether the check fails on this block (the block has the type above). */
  readonly fails: (block: TerraformBlock, stack: StackBlocks) => boolean;
  /** The topology settings that make the check pass everywhere, so the justification rightly applies to nothing. @default - none */
  readonly resolvedBy?: (topology: Topology) => boolean;
}

export const JUSTIFICATIONS: readonly Justification[] = [
  {
    check: 'CKV2_AWS_10',
    kind: 'resource',
    type: 'aws_cloudtrail',
    reason: 'monitored through EventBridge: every API call reaches the central bus, whose rules (the CIS monitoring set) alert; CloudWatch Logs delivery is the trail option cloudWatchLogs',
    fails: (b) => !b.body.cloud_watch_logs_group_arn,
    resolvedBy: everyTrailDeliversToCloudWatchLogs,
  },
  {
    check: 'CKV_AWS_252',
    kind: 'resource',
    type: 'aws_cloudtrail',
    reason: 'each new log file is announced by the bucket event notification the forwarder subscribes to; a per-file trail topic would announce it twice',
    fails: (b) => !b.body.sns_topic_name,
  },
  {
    check: 'CKV2_AWS_62',
    kind: 'resource',
    type: 'aws_s3_bucket',
    reason: 'the server access-log bucket: nothing consumes its objects, so there is nothing to notify',
    fails: (b, stack) => isAccessLogTarget(b, stack) && !referredToBy(b, stack, 'aws_s3_bucket_notification'),
  },
  {
    check: 'CKV_AWS_144',
    kind: 'resource',
    type: 'aws_s3_bucket',
    reason: 'a copy in a second region is the archive owner\'s retention decision (cost, data residency); the buckets are versioned and can take Object Lock',
    fails: (b, stack) => !referredToBy(b, stack, 'aws_s3_bucket_replication_configuration'),
  },
  {
    check: 'CKV_AWS_145',
    kind: 'resource',
    type: 'aws_s3_bucket',
    reason: 'S3 server access logging delivers only to buckets encrypted with SSE-S3, not SSE-KMS',
    fails: (b, stack) => isAccessLogTarget(b, stack),
  },
  ...['CKV_AWS_109', 'CKV_AWS_111', 'CKV_AWS_356'].map(
    (check): Justification => ({
      check,
      kind: 'data',
      type: 'aws_iam_policy_document',
      reason: 'a key policy: "*" is the key itself, and every statement is limited by its principal and conditions',
      // The statement test first: finding the key that uses a document scans every block of the stack.
      fails: (b, stack) => hasWildcardResource(b) && isKeyPolicy(b, stack),
    }),
  ),
  {
    check: 'CKV_AWS_116',
    kind: 'resource',
    type: 'aws_lambda_function',
    reason: 'failed asynchronous invocations go to an on-failure destination (aws_lambda_function_event_invoke_config), which keeps the error too',
    fails: (b) => !b.body.dead_letter_config,
  },
  {
    check: 'CKV_AWS_117',
    kind: 'resource',
    type: 'aws_lambda_function',
    reason: 'calls only public endpoints (Dynatrace over the internet, AWS APIs) and listens on none; a VPC would add NAT and endpoints, no protection',
    fails: (b) => !b.body.vpc_config,
  },
  {
    check: 'CKV_AWS_272',
    kind: 'resource',
    type: 'aws_lambda_function',
    reason: 'code signing is the switch functions.codeSigning, off by default: trailbridge uploads its own bundles unsigned, so a signing config could only warn',
    fails: (b) => !b.body.code_signing_config_arn,
    resolvedBy: (t) => t.functions.codeSigning,
  },
  {
    check: 'CKV_AWS_50',
    kind: 'resource',
    type: 'aws_lambda_function',
    reason: 'X-Ray is the switch functions.tracing, off by default: traces cost per request, and every function logs one JSON line per outcome',
    fails: (b) => !b.body.tracing_config,
    resolvedBy: (t) => t.functions.tracing,
  },
  {
    check: 'CKV_AWS_338',
    kind: 'resource',
    type: 'aws_cloudwatch_log_group',
    reason: 'operational logs (a function, a trail copy, a debug capture); the audit record is the trail files in the log-archive bucket, and retention is a topology option',
    fails: (b) => typeof b.body.retention_in_days === 'number' && b.body.retention_in_days > 0 && b.body.retention_in_days < 365,
  },
];

function everyTrailDeliversToCloudWatchLogs(topology: Topology): boolean {
  if (topology.trails.mode === 'organization') return topology.trails.organization.cloudWatchLogs !== undefined;
  return sourceAccounts(topology).every((s) => s.source.cloudWatchLogs !== undefined);
}

/** `${type.name.` as a Terraform reference in JSON: the start of any attribute reference to the block. */
function referenceTo(block: TerraformBlock): string {
  return `${block.kind === 'data' ? 'data.' : ''}${block.type}.${block.name}.`;
}

/** Whether a block of the given type refers to this block in any attribute. */
function referredToBy(block: TerraformBlock, stack: StackBlocks, type: string): boolean {
  const reference = referenceTo(block);
  return stack.blocks.some((other) => other.kind === 'resource' && other.type === type && JSON.stringify(other.body).includes(reference));
}

/** A bucket some `aws_s3_bucket_logging` names as its target. */
function isAccessLogTarget(bucket: TerraformBlock, stack: StackBlocks): boolean {
  const reference = referenceTo(bucket);
  return loggingTargetsOf(stack).some((target) => target.includes(reference));
}

/** The target_bucket of every aws_s3_bucket_logging, once per stack: log-archive has one per source bucket. */
const loggingTargets = new WeakMap<StackBlocks, string[]>();
function loggingTargetsOf(stack: StackBlocks): string[] {
  let targets = loggingTargets.get(stack);
  if (!targets) {
    targets = stack.blocks.filter((b) => b.kind === 'resource' && b.type === 'aws_s3_bucket_logging').map((b) => String(b.body.target_bucket ?? ''));
    loggingTargets.set(stack, targets);
  }
  return targets;
}

/** A policy document some `aws_kms_key` uses as its policy. */
function isKeyPolicy(document: TerraformBlock, stack: StackBlocks): boolean {
  const reference = `\${${referenceTo(document)}json}`;
  return stack.blocks.some((b) => b.kind === 'resource' && b.type === 'aws_kms_key' && b.body.policy === reference);
}

function hasWildcardResource(document: TerraformBlock): boolean {
  const statements = Array.isArray(document.body.statement) ? document.body.statement : [];
  return statements.some((s) => isObject(s) && Array.isArray(s.resources) && s.resources.includes('*'));
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
