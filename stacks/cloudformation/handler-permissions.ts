import type { Statement } from '../constructs/iam';

/**
 * What CloudFormation's resource handlers call, per resource type, as the `handlers` of the
 * type's resource provider schema list them. A StackSet's execution role runs those handlers with
 * its own permissions: a stack instance's create, update or delete fails with AccessDenied on any
 * action a handler it runs lacks, and moto checks none of this. The self-managed StackSet's
 * execution role (source-forwarding-stack-set.ts) gets every action of every type its template holds.
 *
 * `source` says where each list was copied from. Registry schemas (what `aws cloudformation
 * describe-type` returns) are kept in public repositories:
 * pulumi/pulumi-aws-native aws-cloudformation-schema/*.json and
 * hashicorp/terraform-provider-awscc internal/service/cloudformation/schemas/*.json; the provider
 * repositories aws-cloudformation/aws-cloudformation-resource-providers-* hold the handlers'
 * source, sometimes older than what is registered (then the registry copy wins).
 */
export interface HandlerPermissions {
  readonly source: string;
  readonly create: readonly string[];
  readonly read: readonly string[];
  readonly update: readonly string[];
  readonly delete: readonly string[];
  readonly list: readonly string[];
  /**
   * Handler actions only a property the template does not set needs (a role to pass, a feature
   * not used): not granted, and checkHandlerPermissions fails if the template starts setting it.
   * @default - every action is granted
   */
  readonly onlyWithProperty?: readonly { readonly property: string; readonly actions: readonly string[]; readonly why: string }[];
}

export type HandlerName = 'create' | 'read' | 'update' | 'delete' | 'list';
export const HANDLER_NAMES: readonly HandlerName[] = ['create', 'read', 'update', 'delete', 'list'];

export const HANDLER_PERMISSIONS: Readonly<Record<string, HandlerPermissions>> = {
  'AWS::Events::Rule': {
    // The provider repository (aws-cloudformation-resource-providers-events, aws-events-rule/aws-events-rule.json)
    // still lists neither events:DescribeRule outside read nor iam:PassRole; the registry does.
    source: 'hashicorp/terraform-provider-awscc internal/service/cloudformation/schemas/AWS_Events_Rule.json (registry schema)',
    create: ['iam:PassRole', 'events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
    read: ['iam:PassRole', 'events:DescribeRule', 'events:ListTargetsByRule'],
    update: ['iam:PassRole', 'events:DescribeRule', 'events:PutRule', 'events:RemoveTargets', 'events:PutTargets'],
    delete: ['iam:PassRole', 'events:DescribeRule', 'events:DeleteRule', 'events:RemoveTargets', 'events:ListTargetsByRule'],
    list: ['events:ListRules'],
  },
  'AWS::SQS::Queue': {
    source: 'pulumi/pulumi-aws-native aws-cloudformation-schema/aws-sqs-queue.json (registry schema; no public provider repository)',
    create: ['sqs:CreateQueue', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:ListQueueTags', 'sqs:TagQueue'],
    read: ['sqs:GetQueueAttributes', 'sqs:ListQueueTags'],
    update: ['sqs:SetQueueAttributes', 'sqs:GetQueueAttributes', 'sqs:ListQueueTags', 'sqs:TagQueue', 'sqs:UntagQueue'],
    delete: ['sqs:DeleteQueue', 'sqs:GetQueueAttributes'],
    list: ['sqs:ListQueues'],
  },
  'AWS::SQS::QueuePolicy': {
    // The registry schema has no read or list handler.
    source: 'pulumi/pulumi-aws-native aws-cloudformation-schema/aws-sqs-queuepolicy.json (registry schema)',
    create: ['sqs:SetQueueAttributes'],
    read: [],
    update: ['sqs:SetQueueAttributes'],
    delete: ['sqs:SetQueueAttributes'],
    list: [],
  },
  'AWS::KMS::Key': {
    // The provider repository's key/aws-kms-key.json lacks kms:PutKeyPolicy on create and
    // kms:ListResourceTags on update; the registry copies (pulumi, awscc) agree with each other.
    source: 'pulumi/pulumi-aws-native aws-cloudformation-schema/aws-kms-key.json (registry schema)',
    create: ['kms:CreateKey', 'kms:EnableKeyRotation', 'kms:DisableKey', 'kms:TagResource', 'kms:PutKeyPolicy'],
    read: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'],
    update: [
      'kms:DescribeKey',
      'kms:DisableKey',
      'kms:DisableKeyRotation',
      'kms:EnableKey',
      'kms:EnableKeyRotation',
      'kms:PutKeyPolicy',
      'kms:TagResource',
      'kms:UntagResource',
      'kms:UpdateKeyDescription',
      'kms:ListResourceTags',
    ],
    delete: ['kms:DescribeKey', 'kms:ScheduleKeyDeletion'],
    list: ['kms:ListKeys', 'kms:DescribeKey'],
  },
  'AWS::KMS::Alias': {
    source: 'aws-cloudformation/aws-cloudformation-resource-providers-kms alias/aws-kms-alias.json (the same in pulumi/pulumi-aws-native)',
    create: ['kms:CreateAlias'],
    read: ['kms:ListAliases'],
    update: ['kms:UpdateAlias'],
    delete: ['kms:DeleteAlias'],
    list: ['kms:ListAliases'],
  },
  'AWS::SNS::Topic': {
    source: 'pulumi/pulumi-aws-native aws-cloudformation-schema/aws-sns-topic.json (registry schema; the same in hashicorp/terraform-provider-awscc AWS_SNS_Topic.json)',
    create: ['sns:CreateTopic', 'sns:TagResource', 'sns:Subscribe', 'sns:GetTopicAttributes', 'sns:PutDataProtectionPolicy', 'iam:GetRole', 'iam:PassRole'],
    read: ['sns:GetTopicAttributes', 'sns:ListTagsForResource', 'sns:ListSubscriptionsByTopic', 'sns:GetDataProtectionPolicy'],
    update: [
      'sns:SetTopicAttributes',
      'sns:TagResource',
      'sns:UntagResource',
      'sns:Subscribe',
      'sns:Unsubscribe',
      'sns:GetTopicAttributes',
      'sns:ListTagsForResource',
      'sns:ListSubscriptionsByTopic',
      'sns:GetDataProtectionPolicy',
      'sns:PutDataProtectionPolicy',
      'iam:GetRole',
      'iam:PassRole',
    ],
    delete: ['sns:GetTopicAttributes', 'sns:DeleteTopic'],
    list: ['sns:ListTopics'],
    onlyWithProperty: [
      {
        property: 'DeliveryStatusLogging',
        actions: ['iam:GetRole', 'iam:PassRole'],
        why: 'the topic handler reads and passes the delivery-status feedback roles (judgement from the schema: no other property names a role)',
      },
    ],
  },
  'AWS::SNS::TopicPolicy': {
    source: 'pulumi/pulumi-aws-native aws-cloudformation-schema/aws-sns-topicpolicy.json (registry schema)',
    create: ['sns:SetTopicAttributes'],
    read: [],
    update: ['sns:SetTopicAttributes'],
    delete: ['sns:SetTopicAttributes'],
    list: [],
  },
  'AWS::SNS::Subscription': {
    // Not a registry type yet (pulumi's registry copy of aws-sns-subscription.json has no handlers):
    // CloudFormation runs its legacy handler, whose calls are not published. The provider
    // repository's schema is the closest documented list (judgement).
    source: 'aws-cloudformation/aws-cloudformation-resource-providers-sns aws-sns-subscription/aws-sns-subscription.json (provider repository, not registered)',
    create: ['sns:Subscribe', 'sns:GetSubscriptionAttributes', 'sns:GetTopicAttributes', 'iam:GetRole', 'iam:PassRole', 'iam:PutRolePolicy'],
    read: ['sns:GetSubscriptionAttributes', 'sns:GetTopicAttributes'],
    update: ['sns:SetSubscriptionAttributes', 'sns:GetSubscriptionAttributes', 'sns:GetTopicAttributes', 'iam:GetRole', 'iam:PassRole', 'iam:PutRolePolicy', 'iam:UpdateRole'],
    delete: ['sns:GetSubscriptionAttributes', 'sns:GetTopicAttributes', 'sns:Unsubscribe', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy'],
    list: ['sns:GetTopicAttributes', 'sns:ListSubscriptionsByTopic'],
    onlyWithProperty: [
      {
        property: 'SubscriptionRoleArn',
        actions: ['iam:GetRole', 'iam:PassRole', 'iam:PutRolePolicy', 'iam:UpdateRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy'],
        why: 'only a Firehose subscription has a role, which the handler passes and may edit; email subscriptions have none',
      },
    ],
  },
  'AWS::CloudWatch::Alarm': {
    source: 'pulumi/pulumi-aws-native aws-cloudformation-schema/aws-cloudwatch-alarm.json (registry schema)',
    create: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource'],
    read: ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'],
    update: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
    delete: ['cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms'],
    list: ['cloudwatch:DescribeAlarms'],
  },
};

export interface TemplateResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** The resources of a CloudFormation template body (JSON), in template order. */
export function templateResources(body: string): TemplateResource[] {
  const resources = (JSON.parse(body) as { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> }).Resources ?? {};
  return Object.entries(resources).map(([logicalId, r]) => ({ logicalId, type: r.Type, properties: r.Properties ?? {} }));
}

/**
 * Why the statements would not let CloudFormation's handlers manage the template's resources, one
 * line per problem; [] when they would. Matches actions as IAM does (case-insensitive, `*` and
 * `?` wildcards) over the Allow statements, whatever their resources: which ARNs each statement
 * names is the policy's own business (and its tests').
 */
export function checkHandlerPermissions(
  resources: readonly TemplateResource[],
  statements: readonly Statement[],
  table: Readonly<Record<string, HandlerPermissions>> = HANDLER_PERMISSIONS,
): string[] {
  const granted = statements.filter((s) => (s.effect ?? 'Allow') === 'Allow').flatMap((s) => s.actions ?? []).map(actionPattern);
  const problems: string[] = [];
  for (const type of [...new Set(resources.map((r) => r.type))]) {
    const permissions = table[type];
    if (!permissions) {
      problems.push(`${type}: no handler permissions in HANDLER_PERMISSIONS (stacks/cloudformation/handler-permissions.ts); add the handlers of its resource provider schema and grant them to the execution role`);
      continue;
    }
    const ofType = resources.filter((r) => r.type === type);
    const notNeeded = new Set<string>();
    for (const rule of permissions.onlyWithProperty ?? []) {
      const using = ofType.filter((r) => rule.property in r.properties);
      if (using.length > 0) {
        problems.push(
          `${type} ${using.map((r) => r.logicalId).join(', ')}: sets ${rule.property}, which needs ${rule.actions.join(', ')} (${rule.why}); grant them on what the property names and take the rule out of onlyWithProperty, or drop the property`,
        );
      }
      for (const action of rule.actions) notNeeded.add(action);
    }
    for (const handler of HANDLER_NAMES) {
      const missing = permissions[handler].filter((action) => !notNeeded.has(action) && !granted.some((pattern) => pattern.test(action)));
      if (missing.length > 0) problems.push(`${type}: the ${handler} handler calls ${missing.join(', ')}, which no Allow statement grants`);
    }
  }
  return problems;
}

function actionPattern(action: string): RegExp {
  const escaped = action.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}
