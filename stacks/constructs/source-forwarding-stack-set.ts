import { CloudformationStackInstances } from '@cdktf/provider-aws/lib/cloudformation-stack-instances';
import { CloudformationStackSet } from '@cdktf/provider-aws/lib/cloudformation-stack-set';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { terraformLiteral } from './terraform-literal';
import { Construct } from 'constructs';
import { Partition, accountRootArn, arn, roleArn } from '../../config/arn';
import { ForwardingDefinition } from '../catalog/forwarding-definition';
import { ForwardingTemplate, INLINE_TEMPLATE_MAX_BYTES } from '../cloudformation/forwarding-template';
import { checkHandlerPermissions, templateResources } from '../cloudformation/handler-permissions';
import { Statement, policyDocument, serviceTrust } from './iam';
import { forwardingRole } from './regional-event-forwarding';

export interface SourceForwardingStackSetProps {
  readonly partition: Partition;
  readonly accountId: string;
  readonly definition: ForwardingDefinition;
  /** The regional resources (sourceStackSetTemplate): no IAM, the roles are this construct's. */
  readonly template: ForwardingTemplate;
  readonly stackSetName: string;
  readonly administrationRoleName: string;
  readonly executionRoleName: string;
  /** What the template's regional alarms (forwarding-alarms-part) are named. */
  readonly alarms: ForwardingStackSetAlarmNames;
}

export interface ForwardingStackSetAlarmNames {
  readonly alarmNames: readonly string[];
  readonly opsTopicName: string;
  readonly opsKeyAlias: string;
}

/**
 * What CloudFormation's handlers call for the regional template's resources (HANDLER_PERMISSIONS,
 * checked at synth), and only under the definition's names where the action takes a resource.
 */
function executionStatements(props: SourceForwardingStackSetProps): Statement[] {
  const { partition: p, accountId, definition } = props;
  const ruleNames = [...new Set(definition.rules.map((r) => r.name))];
  return [
    {
      sid: 'StackSetStacks',
      actions: ['cloudformation:*'],
      resources: [arn({ partition: p, service: 'cloudformation', region: '*', account: accountId, resource: `stack/StackSet-${props.stackSetName}-*` })],
    },
    {
      sid: 'ForwardingRules',
      actions: ['events:DescribeRule', 'events:PutRule', 'events:DeleteRule', 'events:EnableRule', 'events:DisableRule', 'events:PutTargets', 'events:RemoveTargets', 'events:ListTargetsByRule'],
      resources: ruleNames.map((name) => arn({ partition: p, service: 'events', region: '*', account: accountId, resource: `rule/${name}` })),
    },
    {
      sid: 'DeadLetterQueues',
      actions: ['sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ListQueueTags', 'sqs:TagQueue', 'sqs:UntagQueue'],
      resources: [arn({ partition: p, service: 'sqs', region: '*', account: accountId, resource: definition.deadLetterQueue.name })],
    },
    ...alarmStatements(p, accountId, props.alarms),
    // Listing names no resource: the list handlers, and kms:ListAliases, the alias's read handler too.
    { sid: 'ListForwardingResources', actions: ['events:ListRules', 'sqs:ListQueues', 'sns:ListTopics', 'kms:ListKeys', 'kms:ListAliases'], resources: ['*'] },
    {
      sid: 'PassForwardingRoleToEventBridge',
      actions: ['iam:PassRole'],
      resources: [roleArn(p, accountId, definition.role.name)],
      conditions: [{ test: 'StringEquals', variable: 'iam:PassedToService', values: ['events.amazonaws.com'] }],
    },
  ];
}

/** The template's alarms, ops topic, its subscriptions and key, under their names (a new key's id is not known: key/*). */
function alarmStatements(p: Partition, accountId: string, names: ForwardingStackSetAlarmNames): Statement[] {
  const regional = (service: string, resource: string) => arn({ partition: p, service, region: '*', account: accountId, resource });
  const keys = regional('kms', 'key/*');
  return [
    {
      sid: 'ForwardingAlarms',
      actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource', 'cloudwatch:ListTagsForResource'],
      resources: names.alarmNames.map((name) => regional('cloudwatch', `alarm:${name}`)),
    },
    {
      sid: 'OpsTopics',
      actions: [
        'sns:CreateTopic',
        'sns:DeleteTopic',
        'sns:GetTopicAttributes',
        'sns:SetTopicAttributes',
        'sns:Subscribe',
        'sns:ListSubscriptionsByTopic',
        'sns:TagResource',
        'sns:UntagResource',
        'sns:ListTagsForResource',
        'sns:GetDataProtectionPolicy',
        'sns:PutDataProtectionPolicy',
      ],
      resources: [regional('sns', names.opsTopicName)],
    },
    // A subscription is no IAM resource type: these three take "*" only (the email subscriptions).
    { sid: 'OpsTopicSubscriptions', actions: ['sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes', 'sns:Unsubscribe'], resources: ['*'] },
    // CreateKey has no resource yet; the rest act on the keys of this account only.
    { sid: 'CreateOpsTopicKeys', actions: ['kms:CreateKey'], resources: ['*'] },
    {
      sid: 'OpsTopicKeys',
      actions: [
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'kms:PutKeyPolicy',
        'kms:GetKeyRotationStatus',
        'kms:EnableKeyRotation',
        'kms:DisableKeyRotation',
        'kms:EnableKey',
        'kms:DisableKey',
        'kms:UpdateKeyDescription',
        'kms:ListResourceTags',
        'kms:TagResource',
        'kms:UntagResource',
        'kms:ScheduleKeyDeletion',
        'kms:CreateAlias',
        'kms:UpdateAlias',
        'kms:DeleteAlias',
      ],
      resources: [keys],
    },
    // An alias operation needs the permission on the alias and on its key (both keys for UpdateAlias).
    { sid: 'OpsTopicKeyAliases', actions: ['kms:CreateAlias', 'kms:UpdateAlias', 'kms:DeleteAlias'], resources: [regional('kms', names.opsKeyAlias)] },
  ];
}

/**
 * The regions at once (CloudFormation's default is one after another: 33 regions of a few minutes
 * each outlast the provider's 30-minute create and update timeouts); the one account, stopping a
 * region at its failure.
 */
export const SOURCE_STACK_SET_OPERATION_PREFERENCES = { regionConcurrencyType: 'PARALLEL', maxConcurrentCount: 1, failureToleranceCount: 0 } as const;

/**
 * forwardingDeployment "stackset": the account's regional forwarding as a self-managed StackSet
 * of the account itself, one stack instance per region, so the stack needs one provider whatever
 * the number of regions. The roles are Terraform's (IAM is global): the forwarding role, and the
 * administration and execution roles CloudFormation runs the StackSet with; the execution role may
 * only do what CloudFormation's handlers do to the template's resources, under their names where
 * IAM allows, and pass the forwarding role.
 */
export class SourceForwardingStackSet extends Construct {
  readonly role: IamRole;
  readonly stackSet: CloudformationStackSet;

  constructor(scope: Construct, id: string, props: SourceForwardingStackSetProps) {
    super(scope, id);
    if (!props.template.fitsInline) {
      throw new Error(`${props.stackSetName}: the template is ${props.template.sizeInBytes} bytes, over CloudFormation's ${INLINE_TEMPLATE_MAX_BYTES}-byte inline limit; narrow the rules' patterns or use organizationForwarding`);
    }
    const statements = executionStatements(props);
    const problems = checkHandlerPermissions(templateResources(props.template.body), statements);
    if (problems.length > 0) throw new Error(`${props.stackSetName}: the execution role could not manage the template's resources:\n- ${problems.join('\n- ')}`);
    this.role = forwardingRole(this, props.definition);
    const p = props.partition;
    const administration = new IamRole(this, 'administration-role', {
      name: props.administrationRoleName,
      description: `Lets CloudFormation run the operations of the StackSet ${props.stackSetName}`,
      assumeRolePolicy: policyDocument(this, 'administration-trust', [
        serviceTrust('cloudformation.amazonaws.com', [
          { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] },
          { test: 'ArnLike', variable: 'aws:SourceArn', values: [arn({ partition: p, service: 'cloudformation', region: '*', account: props.accountId, resource: `stackset/${props.stackSetName}:*` })] },
        ]),
      ]).json,
    });
    const executionArn = roleArn(p, props.accountId, props.executionRoleName);
    const administrationPolicy = new IamRolePolicy(this, 'administration-policy', {
      name: 'assume-execution-role',
      role: administration.id,
      policy: policyDocument(this, 'administration-permissions', [{ sid: 'AssumeExecutionRole', actions: ['sts:AssumeRole'], resources: [executionArn] }]).json,
    });
    const execution = new IamRole(this, 'execution-role', {
      name: props.executionRoleName,
      description: `Creates the regional resources of the StackSet ${props.stackSetName}, for its administration role only`,
      assumeRolePolicy: policyDocument(this, 'execution-trust', [
        {
          sid: 'TrustAdministrationRole',
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'AWS', identifiers: [accountRootArn(p, props.accountId)] }],
          conditions: [{ test: 'ArnEquals', variable: 'aws:PrincipalArn', values: [administration.arn] }],
        },
      ]).json,
    });
    const executionPolicy = new IamRolePolicy(this, 'execution-policy', {
      name: 'regional-forwarding-resources',
      role: execution.id,
      policy: policyDocument(this, 'execution-permissions', statements).json,
    });
    this.stackSet = new CloudformationStackSet(this, 'stack-set', {
      name: props.stackSetName,
      description: 'trailbridge: the regional forwarding rules of this account, one stack instance per region',
      permissionModel: 'SELF_MANAGED',
      administrationRoleArn: administration.arn,
      executionRoleName: execution.name,
      // The body holds CloudFormation's ${...}, which Terraform would read as its own interpolation.
      templateBody: terraformLiteral(props.template.body),
      operationPreferences: { ...SOURCE_STACK_SET_OPERATION_PREFERENCES },
      dependsOn: [administrationPolicy, executionPolicy],
    });
    new CloudformationStackInstances(this, 'instances', {
      stackSetName: this.stackSet.name,
      accounts: [props.accountId],
      regions: [...props.template.regions],
      operationPreferences: { ...SOURCE_STACK_SET_OPERATION_PREFERENCES },
      // The rules' targets name the forwarding role; it exists before any region's rule.
      dependsOn: [this.role],
    });
  }
}
