import { Statement } from './iam';

/**
 * What a Terraform run needs of IAM for each resource type trailbridge emits: the one table the
 * workspace roles are derived from. `read` is what a plan does (refresh and data sources), `write`
 * what an apply adds (create, update, delete, tag). Actions are named one by one (no wildcard),
 * from the AWS provider 5.x calls for the arguments trailbridge sets.
 *
 * A type a stack starts to emit must be added here: the coverage test names it.
 */
export interface TypePermissions {
  readonly read: readonly string[];
  readonly write: readonly string[];
}

const tagging = (service: string): string[] => [`${service}:TagResource`, `${service}:UntagResource`];

export const RESOURCE_PERMISSIONS: Readonly<Record<string, TypePermissions>> = {
  // ---- AppConfig ----
  aws_appconfig_application: { read: ['appconfig:GetApplication', 'appconfig:ListTagsForResource'], write: ['appconfig:CreateApplication', 'appconfig:UpdateApplication', 'appconfig:DeleteApplication', ...tagging('appconfig')] },
  aws_appconfig_configuration_profile: {
    read: ['appconfig:GetConfigurationProfile', 'appconfig:ListTagsForResource'],
    write: ['appconfig:CreateConfigurationProfile', 'appconfig:UpdateConfigurationProfile', 'appconfig:DeleteConfigurationProfile', ...tagging('appconfig')],
  },
  aws_appconfig_deployment: { read: ['appconfig:GetDeployment', 'appconfig:ListTagsForResource'], write: ['appconfig:StartDeployment', 'appconfig:StopDeployment', ...tagging('appconfig')] },
  aws_appconfig_deployment_strategy: {
    read: ['appconfig:GetDeploymentStrategy', 'appconfig:ListTagsForResource'],
    write: ['appconfig:CreateDeploymentStrategy', 'appconfig:UpdateDeploymentStrategy', 'appconfig:DeleteDeploymentStrategy', ...tagging('appconfig')],
  },
  aws_appconfig_environment: { read: ['appconfig:GetEnvironment', 'appconfig:ListTagsForResource'], write: ['appconfig:CreateEnvironment', 'appconfig:UpdateEnvironment', 'appconfig:DeleteEnvironment', 'iam:PassRole', ...tagging('appconfig')] },
  aws_appconfig_hosted_configuration_version: { read: ['appconfig:GetHostedConfigurationVersion'], write: ['appconfig:CreateHostedConfigurationVersion', 'appconfig:DeleteHostedConfigurationVersion'] },

  // ---- CloudFormation StackSets ----
  // CloudFormation checks organizations:ListDelegatedAdministrators on every call as DELEGATED_ADMIN,
  // reads too; a plan without it gets "Failed to check account is Delegated Administrator", which the
  // provider takes for a StackSet that is gone (and plans to create it again).
  aws_cloudformation_stack_set: {
    read: ['cloudformation:DescribeStackSet', 'cloudformation:DescribeStackSetOperation', 'organizations:DescribeOrganization', 'organizations:ListDelegatedAdministrators'],
    write: ['cloudformation:CreateStackSet', 'cloudformation:UpdateStackSet', 'cloudformation:DeleteStackSet', 'cloudformation:TagResource', 'cloudformation:UntagResource', 'iam:PassRole'],
  },
  aws_cloudformation_stack_set_instance: {
    read: ['cloudformation:DescribeStackInstance', 'cloudformation:ListStackInstances', 'cloudformation:DescribeStackSetOperation'],
    write: ['cloudformation:CreateStackInstances', 'cloudformation:UpdateStackInstances', 'cloudformation:DeleteStackInstances'],
  },
  aws_cloudformation_stack_instances: {
    read: ['cloudformation:DescribeStackInstance', 'cloudformation:ListStackInstances', 'cloudformation:DescribeStackSetOperation', 'organizations:ListDelegatedAdministrators'],
    write: ['cloudformation:CreateStackInstances', 'cloudformation:UpdateStackInstances', 'cloudformation:DeleteStackInstances'],
  },

  // ---- CloudTrail ----
  aws_cloudtrail: {
    read: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'cloudtrail:GetInsightSelectors', 'cloudtrail:ListTags'],
    write: [
      'cloudtrail:CreateTrail', 'cloudtrail:UpdateTrail', 'cloudtrail:DeleteTrail', 'cloudtrail:StartLogging', 'cloudtrail:StopLogging',
      'cloudtrail:PutEventSelectors', 'cloudtrail:PutInsightSelectors', 'cloudtrail:AddTags', 'cloudtrail:RemoveTags',
      // CloudWatch Logs delivery passes its role; an organization trail checks the organization and makes CloudTrail's service-linked role.
      'iam:PassRole', 'iam:GetRole', 'iam:CreateServiceLinkedRole', 'organizations:DescribeOrganization', 'organizations:ListAWSServiceAccessForOrganization',
    ],
  },

  // ---- EventBridge ----
  aws_cloudwatch_event_api_destination: { read: ['events:DescribeApiDestination'], write: ['events:CreateApiDestination', 'events:UpdateApiDestination', 'events:DeleteApiDestination'] },
  aws_cloudwatch_event_archive: { read: ['events:DescribeArchive'], write: ['events:CreateArchive', 'events:UpdateArchive', 'events:DeleteArchive'] },
  aws_cloudwatch_event_bus: {
    read: ['events:DescribeEventBus', 'events:ListTagsForResource'],
    // EventBridge checks the caller may use the bus's customer managed key.
    write: ['events:CreateEventBus', 'events:UpdateEventBus', 'events:DeleteEventBus', ...tagging('events'), 'kms:DescribeKey'],
  },
  aws_cloudwatch_event_bus_policy: { read: ['events:DescribeEventBus'], write: ['events:PutPermission', 'events:RemovePermission'] },
  aws_cloudwatch_event_connection: {
    read: ['events:DescribeConnection', 'secretsmanager:DescribeSecret'],
    // A connection keeps its credentials in a secret EventBridge creates as the caller.
    write: ['events:CreateConnection', 'events:UpdateConnection', 'events:DeleteConnection', 'secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:GetSecretValue'],
  },
  aws_cloudwatch_event_rule: { read: ['events:DescribeRule', 'events:ListTagsForResource', 'events:ListTargetsByRule'], write: ['events:PutRule', 'events:DeleteRule', 'events:EnableRule', 'events:DisableRule', ...tagging('events')] },
  aws_cloudwatch_event_target: { read: ['events:ListTargetsByRule'], write: ['events:PutTargets', 'events:RemoveTargets', 'iam:PassRole'] },

  // ---- CloudWatch and CloudWatch Logs ----
  aws_cloudwatch_dashboard: { read: ['cloudwatch:GetDashboard'], write: ['cloudwatch:PutDashboard', 'cloudwatch:DeleteDashboards'] },
  aws_cloudwatch_log_group: {
    read: ['logs:DescribeLogGroups', 'logs:ListTagsForResource'],
    write: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:AssociateKmsKey', 'logs:DisassociateKmsKey', ...tagging('logs')],
  },
  aws_cloudwatch_log_resource_policy: { read: ['logs:DescribeResourcePolicies'], write: ['logs:PutResourcePolicy', 'logs:DeleteResourcePolicy'] },
  aws_cloudwatch_metric_alarm: { read: ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'], write: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', ...tagging('cloudwatch')] },

  // ---- DynamoDB ----
  aws_dynamodb_table: {
    read: ['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTimeToLive', 'dynamodb:ListTagsOfResource'],
    // A table encrypted with a customer managed key: DynamoDB checks the key and takes a grant as the caller.
    write: ['dynamodb:CreateTable', 'dynamodb:UpdateTable', 'dynamodb:DeleteTable', 'dynamodb:UpdateTimeToLive', 'dynamodb:UpdateContinuousBackups', ...tagging('dynamodb'), 'kms:DescribeKey', 'kms:CreateGrant'],
  },

  // ---- IAM ----
  aws_iam_openid_connect_provider: {
    read: ['iam:GetOpenIDConnectProvider'],
    write: [
      'iam:CreateOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint', 'iam:AddClientIDToOpenIDConnectProvider',
      'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider', 'iam:UntagOpenIDConnectProvider',
    ],
  },
  aws_iam_policy: {
    read: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:ListPolicyTags'],
    write: ['iam:CreatePolicy', 'iam:DeletePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy'],
  },
  aws_iam_role: {
    read: ['iam:GetRole', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole'],
    // Deleting a role first deletes its inline policies.
    write: ['iam:CreateRole', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:DeleteRolePolicy'],
  },
  aws_iam_role_policy: { read: ['iam:GetRolePolicy'], write: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'] },
  aws_iam_service_linked_role: { read: ['iam:GetRole'], write: ['iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:GetServiceLinkedRoleDeletionStatus', 'iam:UpdateRoleDescription', 'iam:TagRole', 'iam:UntagRole'] },

  // ---- Kinesis ----
  aws_kinesis_stream: {
    read: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:ListTagsForStream'],
    write: [
      'kinesis:CreateStream', 'kinesis:DeleteStream', 'kinesis:AddTagsToStream', 'kinesis:RemoveTagsFromStream', 'kinesis:IncreaseStreamRetentionPeriod',
      'kinesis:DecreaseStreamRetentionPeriod', 'kinesis:StartStreamEncryption', 'kinesis:StopStreamEncryption', 'kinesis:UpdateShardCount', 'kinesis:UpdateStreamMode', 'kms:DescribeKey',
    ],
  },

  // ---- KMS ----
  aws_kms_alias: { read: ['kms:ListAliases', 'kms:DescribeKey'], write: ['kms:CreateAlias', 'kms:UpdateAlias', 'kms:DeleteAlias'] },
  aws_kms_key: {
    read: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'],
    write: ['kms:CreateKey', 'kms:PutKeyPolicy', 'kms:UpdateKeyDescription', 'kms:EnableKeyRotation', 'kms:DisableKeyRotation', 'kms:EnableKey', 'kms:DisableKey', 'kms:ScheduleKeyDeletion', ...tagging('kms')],
  },
  aws_kms_key_policy: { read: ['kms:GetKeyPolicy'], write: ['kms:PutKeyPolicy'] },

  // ---- Lambda ----
  aws_lambda_code_signing_config: { read: ['lambda:GetCodeSigningConfig'], write: ['lambda:CreateCodeSigningConfig', 'lambda:UpdateCodeSigningConfig', 'lambda:DeleteCodeSigningConfig'] },
  aws_lambda_function: {
    read: ['lambda:GetFunction', 'lambda:GetFunctionCodeSigningConfig', 'lambda:ListVersionsByFunction', 'lambda:GetRuntimeManagementConfig', 'lambda:ListTags'],
    write: [
      'lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion',
      'lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency', 'lambda:PutFunctionCodeSigningConfig', 'lambda:DeleteFunctionCodeSigningConfig',
      ...tagging('lambda'),
      // The execution role is passed; a layer (the AppConfig extension, published by AWS) is read.
      'iam:PassRole', 'lambda:GetLayerVersion',
    ],
  },
  aws_lambda_function_event_invoke_config: {
    read: ['lambda:GetFunctionEventInvokeConfig'],
    write: ['lambda:PutFunctionEventInvokeConfig', 'lambda:UpdateFunctionEventInvokeConfig', 'lambda:DeleteFunctionEventInvokeConfig'],
  },
  aws_lambda_permission: { read: ['lambda:GetPolicy'], write: ['lambda:AddPermission', 'lambda:RemovePermission'] },

  // ---- S3 ----
  aws_s3_bucket: {
    read: [
      's3:ListBucket', 's3:GetBucketLocation', 's3:GetBucketPolicy', 's3:GetBucketAcl', 's3:GetBucketCORS', 's3:GetBucketWebsite', 's3:GetBucketVersioning',
      's3:GetAccelerateConfiguration', 's3:GetBucketRequestPayment', 's3:GetBucketLogging', 's3:GetLifecycleConfiguration', 's3:GetReplicationConfiguration',
      's3:GetEncryptionConfiguration', 's3:GetBucketObjectLockConfiguration', 's3:GetBucketTagging',
    ],
    // Object Lock is switched on at creation, which also turns versioning on.
    write: ['s3:CreateBucket', 's3:DeleteBucket', 's3:PutBucketTagging', 's3:PutBucketObjectLockConfiguration', 's3:PutBucketVersioning'],
  },
  aws_s3_bucket_lifecycle_configuration: { read: ['s3:GetLifecycleConfiguration'], write: ['s3:PutLifecycleConfiguration'] },
  aws_s3_bucket_logging: { read: ['s3:GetBucketLogging'], write: ['s3:PutBucketLogging'] },
  aws_s3_bucket_notification: { read: ['s3:GetBucketNotification'], write: ['s3:PutBucketNotification'] },
  aws_s3_bucket_object_lock_configuration: { read: ['s3:GetBucketObjectLockConfiguration'], write: ['s3:PutBucketObjectLockConfiguration'] },
  aws_s3_bucket_ownership_controls: { read: ['s3:GetBucketOwnershipControls'], write: ['s3:PutBucketOwnershipControls'] },
  aws_s3_bucket_policy: { read: ['s3:GetBucketPolicy'], write: ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'] },
  aws_s3_bucket_public_access_block: { read: ['s3:GetBucketPublicAccessBlock'], write: ['s3:PutBucketPublicAccessBlock'] },
  aws_s3_bucket_server_side_encryption_configuration: { read: ['s3:GetEncryptionConfiguration'], write: ['s3:PutEncryptionConfiguration'] },
  aws_s3_bucket_versioning: { read: ['s3:GetBucketVersioning'], write: ['s3:PutBucketVersioning'] },

  // ---- Signer ----
  aws_signer_signing_profile: { read: ['signer:GetSigningProfile', 'signer:ListTagsForResource'], write: ['signer:PutSigningProfile', 'signer:CancelSigningProfile', ...tagging('signer')] },

  // ---- SNS ----
  aws_sns_topic: { read: ['sns:GetTopicAttributes', 'sns:ListTagsForResource'], write: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:SetTopicAttributes', ...tagging('sns')] },
  aws_sns_topic_policy: { read: ['sns:GetTopicAttributes'], write: ['sns:SetTopicAttributes'] },
  aws_sns_topic_subscription: { read: ['sns:GetSubscriptionAttributes'], write: ['sns:Subscribe', 'sns:Unsubscribe', 'sns:SetSubscriptionAttributes'] },

  // ---- SQS ----
  aws_sqs_queue: { read: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ListQueueTags'], write: ['sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:SetQueueAttributes', 'sqs:TagQueue', 'sqs:UntagQueue'] },
  aws_sqs_queue_policy: { read: ['sqs:GetQueueAttributes'], write: ['sqs:SetQueueAttributes'] },

  // ---- SSM ----
  // The provider reads a SecureString decrypted and writes it encrypted with the parameter's key.
  aws_ssm_parameter: {
    read: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:DescribeParameters', 'ssm:ListTagsForResource', 'kms:Decrypt'],
    write: ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource', 'kms:Encrypt'],
  },

  // ---- data sources ----
  'data.aws_caller_identity': { read: [], write: [] },
  'data.aws_iam_policy_document': { read: [], write: [] },
  'data.aws_kms_key': { read: ['kms:DescribeKey'], write: [] },
  'data.aws_organizations_organization': { read: ['organizations:DescribeOrganization', 'organizations:ListAccounts', 'organizations:ListRoots', 'organizations:ListAWSServiceAccessForOrganization'], write: [] },
  'data.aws_partition': { read: [], write: [] },
  'data.aws_region': { read: [], write: [] },
};

/**
 * Actions AWS authorizes only on `"Resource": "*"`: they create the resource whose ARN would
 * scope them, list, or act on the account or organization itself. Each says why.
 */
export const UNSCOPED_ACTIONS: Readonly<Record<string, string>> = {
  'kms:CreateKey': 'a key has no ARN before CreateKey returns it',
  'kms:ListAliases': 'a list operation of the account',
  'cloudtrail:DescribeTrails': 'a list operation of the account',
  'logs:DescribeResourcePolicies': 'CloudWatch Logs resource policies belong to the account and have no ARN',
  'logs:PutResourcePolicy': 'CloudWatch Logs resource policies belong to the account and have no ARN',
  'logs:DeleteResourcePolicy': 'CloudWatch Logs resource policies belong to the account and have no ARN',
  'ssm:DescribeParameters': 'a list operation of the account',
  'lambda:CreateCodeSigningConfig': 'a code signing config has no ARN before it is created',
  'organizations:DescribeOrganization': 'the organization itself, not a resource in it',
  'organizations:ListAWSServiceAccessForOrganization': 'the organization itself, not a resource in it',
  'organizations:ListDelegatedAdministrators': 'the organization itself, not a resource in it',
  'organizations:ListAccounts': 'the organization itself, not a resource in it',
  'organizations:ListRoots': 'the organization itself, not a resource in it',
};

/** Where a role may act: its partition and account, the topology's accounts and name prefix. */
export interface PermissionScope {
  readonly partition: string;
  readonly accountId: string;
  /** Every account of the topology: a few actions name another account's resource. */
  readonly topologyAccountIds: readonly string[];
  /** The topology's name prefix: every IAM role and policy trailbridge names starts with `<prefix>-`. */
  readonly namePrefix: string;
}

/**
 * Actions whose resource lives in another account: the forwarder subscribes to the log-archive
 * topic, a source stack reads the log-archive key, a Lambda function names AWS's extension layer.
 * The other account's resource policy decides as well.
 */
const CROSS_ACCOUNT_RESOURCES: Readonly<Record<string, (s: PermissionScope) => string[]>> = {
  'sns:Subscribe': topologyArns('sns'),
  'sns:Unsubscribe': topologyArns('sns'),
  'sns:GetSubscriptionAttributes': topologyArns('sns'),
  'sns:SetSubscriptionAttributes': topologyArns('sns'),
  'kms:DescribeKey': topologyArns('kms'),
  'lambda:GetLayerVersion': (s) => [`arn:${s.partition}:lambda:*:*:layer:*`],
};

function topologyArns(service: string): (s: PermissionScope) => string[] {
  return (s) => [...new Set([s.accountId, ...s.topologyAccountIds])].map((id) => `arn:${s.partition}:${service}:*:${id}:*`);
}

/** The ARNs of a service's resources in the role's account. */
function serviceResources(service: string, s: PermissionScope): string[] {
  switch (service) {
    case 's3':
      // Bucket ARNs hold no account id (bucket names are global); the names come from the topology.
      return [`arn:${s.partition}:s3:::*`];
    case 'iam':
      return [
        `arn:${s.partition}:iam::${s.accountId}:role/${s.namePrefix}-*`,
        `arn:${s.partition}:iam::${s.accountId}:policy/${s.namePrefix}-*`,
        `arn:${s.partition}:iam::${s.accountId}:role/aws-service-role/*`,
        `arn:${s.partition}:iam::${s.accountId}:oidc-provider/*`,
      ];
    default:
      return [`arn:${s.partition}:${service}:*:${s.accountId}:*`];
  }
}

export class UnknownResourceTypeError extends Error {
  constructor(readonly types: readonly string[], where: string) {
    super(
      `${where} emits resource types the workspace permission table does not know: ${types.join(', ')}; ` +
        'add each to RESOURCE_PERMISSIONS in stacks/constructs/resource-permissions.ts with the IAM actions a plan (read) and an apply (write) of it need',
    );
    this.name = 'UnknownResourceTypeError';
  }
}

/** The actions a run of a phase needs for these types, sorted; unknown types throw, all named at once. */
export function actionsFor(types: readonly string[], phase: 'plan' | 'apply', where: string): string[] {
  const unknown = types.filter((t) => !(t in RESOURCE_PERMISSIONS));
  if (unknown.length > 0) throw new UnknownResourceTypeError(unknown, where);
  const actions = new Set<string>();
  for (const t of types) {
    const p = RESOURCE_PERMISSIONS[t];
    for (const a of phase === 'plan' ? p.read : [...p.read, ...p.write]) actions.add(a);
  }
  return [...actions].sort();
}

/** IAM write actions: what a workspace role may never do to the workspace roles themselves. */
export function iamWriteActions(actions: readonly string[]): string[] {
  const reads = new Set(Object.values(RESOURCE_PERMISSIONS).flatMap((p) => p.read));
  return actions.filter((a) => a.startsWith('iam:') && !reads.has(a));
}

/**
 * The statements of a workspace role: per service, its actions on that service's ARNs in the
 * account; the cross-account ones on the topology's accounts; the unscoped ones on `*`; and,
 * when the role writes IAM, a deny on the workspace roles (`denyRolePrefix`), so no run widens
 * its own or another workspace's permissions.
 */
export function workspaceStatements(actions: readonly string[], scope: PermissionScope, denyRolePrefix: string): Statement[] {
  const byService = new Map<string, string[]>();
  const crossAccount: string[] = [];
  const unscoped: string[] = [];
  for (const action of actions) {
    if (action in UNSCOPED_ACTIONS) unscoped.push(action);
    else if (action in CROSS_ACCOUNT_RESOURCES) crossAccount.push(action);
    else {
      const service = action.split(':')[0];
      byService.set(service, [...(byService.get(service) ?? []), action]);
    }
  }
  const statements: Statement[] = [...byService].sort(([a], [b]) => a.localeCompare(b)).map(([service, list]) => ({ sid: sid(service), actions: list, resources: serviceResources(service, scope) }));
  for (const action of crossAccount) statements.push({ sid: sid(`${action.split(':')[1]}Across`), actions: [action], resources: CROSS_ACCOUNT_RESOURCES[action](scope) });
  if (unscoped.length > 0) statements.push({ sid: 'AccountLevel', actions: unscoped, resources: ['*'] });
  const iamWrites = iamWriteActions(actions);
  if (iamWrites.length > 0) {
    statements.push({ sid: 'DenyWorkspaceRoles', effect: 'Deny', actions: iamWrites, resources: [`arn:${scope.partition}:iam::${scope.accountId}:role/${denyRolePrefix}*`] });
  }
  return statements;
}

function sid(name: string): string {
  return name.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}
