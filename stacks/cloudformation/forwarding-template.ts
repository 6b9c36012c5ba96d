import { ForwardingDefinition, RegionalRuleDefinition, RoleDefinition, globalResourceRegion } from '../catalog/forwarding-definition';
import type { Statement } from '../constructs/iam';
import { policyJson } from './iam-json';

/**
 * The CloudFormation template of the StackSet modes, rendered from the same forwarding definition
 * as the per-account Terraform: one template serves every region (a stack instance per region),
 * so which resources a region gets is decided by conditions on AWS::Region:
 *
 * - every region of the rules' `all` scope: the forwarding rule, its dead-letter queue and policy;
 * - us-east-1 when it only forwards the global services' events: the same three, narrowed;
 * - the global resources (IAM roles and policies), once per account, in one region only
 *   (globalResourceRegion): IAM is global, and a second stack creating the same role would fail.
 *
 * Strings may hold `${AWS::AccountId}`, `${AWS::Partition}` or `${LogicalId.Attribute}`: they become
 * Fn::Sub (or Ref / Fn::GetAtt when that is the whole string). IAM policy variables are written
 * `&{aws:username}` in statements (Terraform's escape) and come out as IAM expects them.
 */

/** CloudFormation's limit on a template given inline (TemplateBody); larger ones go through S3. */
export const INLINE_TEMPLATE_MAX_BYTES = 51_200;

export type CfnValue = unknown;
export interface CfnResource {
  readonly Type: string;
  readonly Condition?: string;
  readonly DependsOn?: string | readonly string[];
  readonly Properties: Record<string, CfnValue>;
}

/** The rule, queue and condition of one scope, for parts that add per-region resources next to them. */
export interface RegionalBlock {
  readonly scope: RegionalRuleDefinition['scope'];
  readonly regions: readonly string[];
  readonly ruleLogicalId: string;
  /** The rule's name (the same in every region of the block). */
  readonly ruleName: string;
  readonly queueLogicalId: string;
  /** The condition every resource of the block carries; undefined when it exists in every region. */
  readonly condition?: string;
  /** Logical ids of new resources of this block: the scope's prefix plus `name`. */
  logicalId(name: string): string;
}

/**
 * Adds resources to each regional block (such as alarms on the rule's FailedInvocations and the
 * queue's depth); the part gives each resource the block's condition.
 */
export type RegionalPart = (block: RegionalBlock) => Record<string, CfnResource>;

export interface ManagedPolicyDefinition {
  readonly logicalId: string;
  readonly name: string;
  readonly description: string;
  readonly statements: readonly Statement[];
}

export interface GlobalRoleDefinition extends RoleDefinition {
  readonly logicalId: string;
  /** @default - CloudFormation's default (3600) */
  readonly maxSessionDurationInSeconds?: number;
}

export interface ForwardingTemplateProps {
  readonly definition: ForwardingDefinition;
  readonly description: string;
  /**
   * Create the forwarding role (and `extraRoles`, `managedPolicies`) in the template. False when
   * the account's Terraform creates them (self-managed StackSet: one provider suffices for IAM).
   */
  readonly includeGlobalResources: boolean;
  /** @default - none */
  readonly extraRoles?: readonly GlobalRoleDefinition[];
  /** @default - none */
  readonly managedPolicies?: readonly ManagedPolicyDefinition[];
  /** @default - none */
  readonly regionalParts?: readonly RegionalPart[];
}

export interface ForwardingTemplate {
  /** Deterministic JSON (same input, same bytes). */
  readonly body: string;
  /** Every region a stack instance must be created in. */
  readonly regions: readonly string[];
  /** The region whose instance holds the global resources. */
  readonly globalRegion: string;
  readonly sizeInBytes: number;
  readonly fitsInline: boolean;
}

export const FORWARDING_ROLE_LOGICAL_ID = 'ForwardingRole';
const GLOBAL_CONDITION = 'IsGlobalResourceRegion';
const SCOPE_PREFIX: Record<RegionalRuleDefinition['scope'], string> = { all: '', global: 'GlobalEvents' };
const SCOPE_CONDITION: Record<RegionalRuleDefinition['scope'], string> = { all: 'ForwardsAllEvents', global: 'ForwardsGlobalEventsOnly' };

export function forwardingTemplate(props: ForwardingTemplateProps): ForwardingTemplate {
  const { definition } = props;
  const regions = [...new Set(definition.rules.map((r) => r.region))];
  if (regions.length === 0) throw new Error('forwardingTemplate: the definition has no rule; a StackSet needs at least one region');
  const globalRegion = globalResourceRegion(regions);
  const conditions: Record<string, CfnValue> = {};
  const resources: Record<string, CfnResource> = {};

  const blocks = regionalBlocks(definition.rules);
  for (const block of blocks) {
    if (block.condition) conditions[block.condition] = scopeCondition(block, blocks);
    // Where the template's own forwarding role is created, the rules wait for it (roleArnOf).
    const roleArn = props.includeGlobalResources ? roleArnOf(definition, block, globalRegion) : roleArnByName(definition);
    Object.assign(resources, blockResources(block, block.rules[0], definition, roleArn));
    for (const part of props.regionalParts ?? []) Object.assign(resources, part(block));
  }
  if (props.includeGlobalResources) {
    conditions[GLOBAL_CONDITION] = regionIn([globalRegion]);
    const roles: GlobalRoleDefinition[] = [{ ...definition.role, logicalId: FORWARDING_ROLE_LOGICAL_ID }, ...(props.extraRoles ?? [])];
    const policies = props.managedPolicies ?? [];
    for (const role of roles) resources[role.logicalId] = roleResource(role, policies);
    for (const policy of policies) resources[policy.logicalId] = managedPolicyResource(policy);
  }

  const template: Record<string, CfnValue> = { AWSTemplateFormatVersion: '2010-09-09', Description: props.description };
  if (Object.keys(conditions).length > 0) template.Conditions = conditions;
  template.Resources = resources;
  const body = JSON.stringify(cfn(template));
  const sizeInBytes = Buffer.byteLength(body, 'utf8');
  return { body, regions, globalRegion, sizeInBytes, fitsInline: sizeInBytes <= INLINE_TEMPLATE_MAX_BYTES };
}

interface BlockWithRules extends RegionalBlock {
  readonly rules: readonly RegionalRuleDefinition[];
}

/** One block per scope; a condition only when the template's regions differ in what they get. */
function regionalBlocks(rules: readonly RegionalRuleDefinition[]): BlockWithRules[] {
  const scopes = [...new Set(rules.map((r) => r.scope))];
  return scopes.map((scope) => {
    const ofScope = rules.filter((r) => r.scope === scope);
    const prefix = SCOPE_PREFIX[scope];
    const first = ofScope[0];
    const differing = ofScope.find((r) => JSON.stringify([r.name, r.pattern, r.state]) !== JSON.stringify([first.name, first.pattern, first.state]));
    if (differing) throw new Error(`forwardingTemplate: the ${scope} rules of ${first.region} and ${differing.region} differ; one template renders one rule per scope`);
    return {
      scope,
      rules: ofScope,
      regions: ofScope.map((r) => r.region),
      ruleLogicalId: `${prefix}ForwardingRule`,
      ruleName: first.name,
      queueLogicalId: `${prefix}DeadLetterQueue`,
      condition: scopes.length > 1 ? SCOPE_CONDITION[scope] : undefined,
      logicalId: (name: string) => `${prefix}${name}`,
    };
  });
}

/**
 * The forwarding role's ARN in a rule's target. In the region whose stack creates the role, a
 * GetAtt under the role's condition, so CloudFormation creates the rule after the role (and deletes
 * it before): a rule without its role sends every event straight to its dead-letter queue
 * (FAILED_TO_ASSUME_ROLE is not retried). A DependsOn cannot say it: the rule exists in regions
 * where the role does not, and a DependsOn on a resource whose condition is false fails the stack.
 * The other regions' stack instances run beside that one and cannot wait for it (docs/scale.md).
 */
function roleArnOf(definition: ForwardingDefinition, block: RegionalBlock, globalRegion: string): CfnValue {
  const role = `\${${FORWARDING_ROLE_LOGICAL_ID}.Arn}`;
  if (!block.regions.includes(globalRegion)) return roleArnByName(definition);
  // A block of the role's region alone has a condition equal to the role's.
  if (block.condition && block.regions.length === 1) return role;
  return { 'Fn::If': [GLOBAL_CONDITION, role, roleArnByName(definition)] };
}

function roleArnByName(definition: ForwardingDefinition): string {
  return `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${definition.role.name}`;
}

function blockResources(block: RegionalBlock, rule: RegionalRuleDefinition, definition: ForwardingDefinition, roleArn: CfnValue): Record<string, CfnResource> {
  const condition = block.condition ? { Condition: block.condition } : {};
  const queue = definition.deadLetterQueue;
  const queueArn = `\${${block.queueLogicalId}.Arn}`;
  const ruleArn = `\${${block.ruleLogicalId}.Arn}`;
  const { retryPolicy } = definition.target;
  return {
    [block.ruleLogicalId]: {
      Type: 'AWS::Events::Rule',
      ...condition,
      Properties: {
        Name: rule.name,
        Description: rule.description,
        EventPattern: rule.pattern,
        State: rule.state,
        Targets: [
          {
            Id: definition.target.id,
            Arn: definition.target.arn,
            RoleArn: roleArn,
            RetryPolicy: { MaximumRetryAttempts: retryPolicy.maximumRetryAttempts, MaximumEventAgeInSeconds: retryPolicy.maximumEventAgeInSeconds },
            DeadLetterConfig: { Arn: queueArn },
          },
        ],
      },
    },
    [block.queueLogicalId]: {
      Type: 'AWS::SQS::Queue',
      ...condition,
      Properties: { QueueName: queue.name, MessageRetentionPeriod: queue.messageRetentionSeconds, SqsManagedSseEnabled: queue.sqsManagedSse },
    },
    [block.logicalId('DeadLetterQueuePolicy')]: {
      Type: 'AWS::SQS::QueuePolicy',
      ...condition,
      Properties: { Queues: [`\${${block.queueLogicalId}}`], PolicyDocument: policyJson(queue.statements(queueArn, [ruleArn])) },
    },
  };
}

/** A role, after the template's managed policies its own policies name (the responder role attaches the MFA policy to users). */
function roleResource(role: GlobalRoleDefinition, policies: readonly ManagedPolicyDefinition[]): CfnResource {
  const statements = JSON.stringify(role.policies.map((p) => p.statements));
  const named = policies.filter((p) => statements.includes(`:policy/${p.name}"`)).map((p) => p.logicalId);
  return {
    Type: 'AWS::IAM::Role',
    Condition: GLOBAL_CONDITION,
    ...(named.length > 0 ? { DependsOn: named } : {}),
    Properties: {
      RoleName: role.name,
      Description: role.description,
      AssumeRolePolicyDocument: policyJson(role.trust),
      ...(role.maxSessionDurationInSeconds ? { MaxSessionDuration: role.maxSessionDurationInSeconds } : {}),
      Policies: role.policies.map((p) => ({ PolicyName: p.name, PolicyDocument: policyJson(p.statements) })),
    },
  };
}

function managedPolicyResource(policy: ManagedPolicyDefinition): CfnResource {
  return {
    Type: 'AWS::IAM::ManagedPolicy',
    Condition: GLOBAL_CONDITION,
    Properties: { ManagedPolicyName: policy.name, Description: policy.description, PolicyDocument: policyJson(policy.statements) },
  };
}

function regionIn(regions: readonly string[]): CfnValue {
  if (regions.length !== 1) throw new Error(`regionIn: one region expected, got ${regions.join(', ')}`);
  return { 'Fn::Equals': [{ Ref: 'AWS::Region' }, regions[0]] };
}

/**
 * The global scope is one region (us-east-1); the all scope is every other region of the
 * template, written as the negation: Fn::Or takes at most 10 conditions, a template up to 33 regions.
 */
function scopeCondition(block: RegionalBlock, blocks: readonly RegionalBlock[]): CfnValue {
  if (block.scope === 'global') return regionIn(block.regions);
  const global = blocks.find((b) => b.scope === 'global');
  if (!global?.condition) throw new Error('scopeCondition: a conditional all scope needs a global scope');
  return { 'Fn::Not': [{ Condition: global.condition }] };
}

const WHOLE_ATTRIBUTE = /^\$\{([A-Za-z0-9]+)\.([A-Za-z0-9.]+)\}$/;
const WHOLE_REF = /^\$\{([A-Za-z0-9:]+)\}$/;

/** Strings with `${...}` to intrinsic functions, recursively; everything else as it is. */
function cfn(value: CfnValue): CfnValue {
  if (typeof value === 'string') return cfnString(value);
  if (Array.isArray(value)) return value.map(cfn);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'EventPattern' ? v : cfn(v)]));
  return value;
}

function cfnString(s: string): CfnValue {
  if (!s.includes('${')) return s.replace(/&\{/g, '${');
  const attribute = WHOLE_ATTRIBUTE.exec(s);
  if (attribute) return { 'Fn::GetAtt': [attribute[1], attribute[2]] };
  const ref = WHOLE_REF.exec(s);
  if (ref) return { Ref: ref[1] };
  // In Fn::Sub, `${!name}` is the literal `${name}`: how an IAM policy variable survives it.
  return { 'Fn::Sub': s.replace(/&\{/g, '${!') };
}
