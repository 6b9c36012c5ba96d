import { PlannedChange } from './terraform-stacks';

/**
 * A perpetual diff the emulator causes and AWS does not: the only changes the e2e plan step
 * tolerates. Each names the emulator behaviour and matches the change exactly (resource type,
 * the one attribute, and its values), so anything else a second plan proposes is a bug in the
 * generated Terraform and fails the run.
 */
export interface PlanQuirk {
  readonly name: string;
  readonly why: string;
  /** Whether this quirk explains the change (given every change of the same stack). */
  matches(change: PlannedChange, stackChanges: readonly PlannedChange[]): boolean;
}

const resourceType = (address: string) => address.split('.').at(-2) ?? '';
const only = (change: PlannedChange, attribute: string) => change.action === 'update' && change.attributes.length === 1 && change.attributes[0] === attribute;
const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
const jsonEqual = (a: unknown, b: unknown) => {
  try {
    return typeof a === 'string' && typeof b === 'string' && JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
};

/** What moto 5.2 does not store of a function, each with the empty value it then refreshes to. */
const UNSTORED_LAMBDA_ATTRIBUTES: Readonly<Record<string, (before: unknown) => boolean>> = {
  logging_config: (before) => JSON.stringify(before) === '[]',
  kms_key_arn: (before) => before === '' || before === null || before === undefined,
};

export const MOTO_LAMBDA_UNSTORED_CONFIG: PlanQuirk = {
  name: 'moto-lambda-unstored-config',
  why: 'moto 5.2 stores neither a function\'s LoggingConfig nor its KMSKeyArn, so the refreshed logging_config and kms_key_arn are empty and Terraform sets them again',
  matches: (c) =>
    resourceType(c.address) === 'aws_lambda_function' &&
    c.action === 'update' &&
    c.attributes.length > 0 &&
    c.attributes.every((a) => UNSTORED_LAMBDA_ATTRIBUTES[a]?.(c.values[a]?.before) === true),
};

export const MOTO_EVENT_CONNECTION_UNSTORED_KEY: PlanQuirk = {
  name: 'moto-event-connection-unstored-key',
  why: 'moto 5.2 accepts CreateConnection\'s KmsKeyIdentifier but neither stores nor returns it, so the refreshed kms_key_identifier is empty and Terraform sets it again',
  matches: (c) =>
    resourceType(c.address) === 'aws_cloudwatch_event_connection' &&
    only(c, 'kms_key_identifier') &&
    isEmpty(c.values.kms_key_identifier.before) &&
    typeof c.values.kms_key_identifier.after === 'string' &&
    c.values.kms_key_identifier.after !== '',
};

export const MOTO_SQS_REDRIVE_POLICY_FORMAT: PlanQuirk = {
  name: 'moto-sqs-redrive-policy-format',
  why: 'moto 5.2 returns RedrivePolicy re-serialized by Python (", " and ": "), which the provider compares as text; the JSON is equal',
  matches: (c) => resourceType(c.address) === 'aws_sqs_queue' && only(c, 'redrive_policy') && jsonEqual(c.values.redrive_policy.before, c.values.redrive_policy.after),
};

/** Policies whose document reads a resource with a pending update are only known after apply. */
const POLICY_RESOURCES = new Set(['aws_iam_role_policy', 'aws_sqs_queue_policy', 'aws_sns_topic_policy', 'aws_s3_bucket_policy', 'aws_kms_key']);

export const DEFERRED_POLICY_DOCUMENT: PlanQuirk = {
  name: 'follows-moto-sqs-redrive-policy-format',
  why: 'a policy document that names a queue with a (tolerated) pending update is read at apply time, so its policy shows as known after apply; the document itself is unchanged',
  matches: (c, all) =>
    POLICY_RESOURCES.has(resourceType(c.address)) &&
    only(c, 'policy') &&
    c.values.policy.unknown &&
    all.some((other) => MOTO_SQS_REDRIVE_POLICY_FORMAT.matches(other, all)),
};

/** What moto 5.2's DescribeStackSet and ListStackInstances leave out, by resource type. */
const STACK_SET_UNREPORTED: Readonly<Record<string, readonly string[]>> = {
  aws_cloudformation_stack_set: ['auto_deployment', 'capabilities', 'operation_preferences', 'call_as'],
  aws_cloudformation_stack_instances: ['operation_preferences', 'call_as'],
};

export const MOTO_STACK_SET_UNREPORTED: PlanQuirk = {
  name: 'moto-stack-set-unreported',
  why: 'moto 5.2 does not return a StackSet\'s AutoDeployment, Capabilities, CallAs or operation preferences, so the refreshed values are empty and Terraform sets them again',
  matches: (c) => {
    const unreported = STACK_SET_UNREPORTED[resourceType(c.address)];
    return !!unreported && c.action === 'update' && c.attributes.length > 0 && c.attributes.every((a) => unreported.includes(a) && isEmpty(c.values[a].before));
  },
};

/**
 * What a replaced StackSet shows besides the cause: values only the new StackSet will have, and
 * the provider's rendering of attributes the configuration leaves unset.
 */
const STACK_SET_REPLACEMENT_NOISE = ['arn', 'id', 'stack_set_id', 'execution_role_name', 'administration_role_arn', 'managed_execution', 'parameters', 'tags', 'operation_preferences'];

export const MOTO_STACK_SET_AUTO_DEPLOYMENT_UNREPORTED: PlanQuirk = {
  name: 'moto-stack-set-auto-deployment-unreported',
  why: 'moto 5.2 does not return a StackSet\'s AutoDeployment, and a change of auto_deployment replaces a StackSet, so the second plan replaces it; with AWS the refreshed auto_deployment equals the configuration',
  matches: (c) =>
    resourceType(c.address) === 'aws_cloudformation_stack_set' &&
    c.action === 'delete+create' &&
    isEmpty(c.values.auto_deployment?.before) &&
    c.attributes.every((a) => a === 'auto_deployment' || (STACK_SET_UNREPORTED.aws_cloudformation_stack_set.includes(a) && isEmpty(c.values[a].before)) || STACK_SET_REPLACEMENT_NOISE.includes(a)),
};

export const PLAN_QUIRKS: readonly PlanQuirk[] = [
  MOTO_LAMBDA_UNSTORED_CONFIG,
  MOTO_EVENT_CONNECTION_UNSTORED_KEY,
  MOTO_SQS_REDRIVE_POLICY_FORMAT,
  DEFERRED_POLICY_DOCUMENT,
  MOTO_STACK_SET_UNREPORTED,
  MOTO_STACK_SET_AUTO_DEPLOYMENT_UNREPORTED,
];

export function toleratedChange(change: PlannedChange, stackChanges: readonly PlannedChange[]): PlanQuirk | undefined {
  return PLAN_QUIRKS.find((q) => q.matches(change, stackChanges));
}
