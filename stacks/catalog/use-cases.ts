import { API_CALL, CONSOLE_SIGN_IN, UseCase, apiCalls } from './use-case';

/**
 * The use-case catalog: what the central bus can watch for. The CIS AWS Foundations monitoring set
 * (controls 4.1 to 4.15, the metric filters of the benchmark written as EventBridge patterns) plus
 * the seed's own cases. Change tracking that is noisy by nature goes to CloudWatch Logs by default,
 * alerts a human should see go to the SNS topic.
 */
export const USE_CASES: readonly UseCase[] = [
  {
    id: 'unauthorized-api-calls',
    title: 'Unauthorized API call',
    description: 'Calls refused with an UnauthorizedOperation or AccessDenied error.',
    pattern: {
      'detail-type': [API_CALL],
      detail: { errorCode: [{ suffix: 'UnauthorizedOperation' }, { prefix: 'AccessDenied' }] },
    },
    defaultTarget: 'logs',
    needsGlobalEvents: true,
    cis: '4.1',
  },
  {
    id: 'console-sign-in-without-mfa',
    title: 'Console sign-in without MFA',
    description: 'An IAM user signed in to the console successfully without MFA.',
    pattern: {
      'detail-type': [CONSOLE_SIGN_IN],
      detail: {
        eventName: ['ConsoleLogin'],
        userIdentity: { type: ['IAMUser'] },
        responseElements: { ConsoleLogin: ['Success'] },
        additionalEventData: { MFAUsed: [{ 'anything-but': 'Yes' }] },
      },
    },
    defaultTarget: 'sns',
    needsGlobalEvents: true,
    cis: '4.2',
  },
  {
    id: 'root-account-usage',
    title: 'Root user activity',
    description: 'The root user signed in or called an API (calls AWS services make for it excluded).',
    pattern: {
      'detail-type': [API_CALL, CONSOLE_SIGN_IN],
      detail: {
        userIdentity: { type: ['Root'], invokedBy: [{ exists: false }] },
        eventType: [{ 'anything-but': 'AwsServiceEvent' }],
      },
    },
    defaultTarget: 'sns',
    needsGlobalEvents: true,
    cis: '4.3',
  },
  {
    id: 'iam-policy-changed',
    title: 'IAM policy changed',
    description: 'Inline or managed IAM policies created, changed, attached, detached or deleted, and role trust policies changed.',
    pattern: apiCalls('iam', [
      'DeleteGroupPolicy', 'DeleteRolePolicy', 'DeleteUserPolicy', 'PutGroupPolicy', 'PutRolePolicy', 'PutUserPolicy',
      'CreatePolicy', 'DeletePolicy', 'CreatePolicyVersion', 'DeletePolicyVersion', 'SetDefaultPolicyVersion',
      'AttachRolePolicy', 'DetachRolePolicy', 'AttachUserPolicy', 'DetachUserPolicy', 'AttachGroupPolicy', 'DetachGroupPolicy',
      // Beyond CIS: a changed trust policy is the classic role backdoor.
      'UpdateAssumeRolePolicy',
    ]),
    defaultTarget: 'sns',
    needsGlobalEvents: true,
    cis: '4.4',
  },
  {
    id: 'cloudtrail-changed',
    title: 'CloudTrail configuration changed',
    description: 'A trail created, updated or deleted, logging started or stopped, or its event selectors changed.',
    pattern: apiCalls('cloudtrail', [
      'CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging', 'StopLogging', 'PutEventSelectors', 'PutInsightSelectors',
    ]),
    defaultTarget: 'sns',
    needsGlobalEvents: false,
    cis: '4.5',
  },
  {
    id: 'console-sign-in-failures',
    title: 'Console sign-in failed',
    description: 'A console sign-in that failed authentication.',
    pattern: {
      'detail-type': [CONSOLE_SIGN_IN],
      detail: { eventName: ['ConsoleLogin'], responseElements: { ConsoleLogin: ['Failure'] } },
    },
    defaultTarget: 'logs',
    needsGlobalEvents: true,
    cis: '4.6',
  },
  {
    id: 'kms-key-disabled-or-deleted',
    title: 'KMS key disabled or scheduled for deletion',
    description: 'A customer managed KMS key disabled or scheduled for deletion.',
    pattern: apiCalls('kms', ['DisableKey', 'ScheduleKeyDeletion']),
    defaultTarget: 'sns',
    needsGlobalEvents: false,
    cis: '4.7',
  },
  {
    id: 's3-bucket-policy-changed',
    title: 'S3 bucket access settings changed',
    description: 'A bucket policy, ACL, CORS, lifecycle, replication or public access block set or deleted.',
    pattern: apiCalls('s3', [
      'PutBucketAcl', 'PutBucketPolicy', 'PutBucketCors', 'PutBucketLifecycle', 'PutBucketReplication',
      'DeleteBucketPolicy', 'DeleteBucketCors', 'DeleteBucketLifecycle', 'DeleteBucketReplication',
      'PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock',
    ]),
    defaultTarget: 'sns',
    needsGlobalEvents: false,
    cis: '4.8',
  },
  {
    id: 'config-changed',
    title: 'AWS Config changed',
    description: 'The configuration recorder stopped or changed, or a delivery channel changed or deleted.',
    pattern: apiCalls('config', ['StopConfigurationRecorder', 'DeleteDeliveryChannel', 'PutDeliveryChannel', 'PutConfigurationRecorder']),
    defaultTarget: 'sns',
    needsGlobalEvents: false,
    cis: '4.9',
  },
  {
    id: 'security-group-changed',
    title: 'Security group changed',
    description: 'A security group created or deleted, or its rules authorized, revoked or modified.',
    pattern: apiCalls('ec2', [
      'AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress',
      'ModifySecurityGroupRules', 'CreateSecurityGroup', 'DeleteSecurityGroup',
    ]),
    defaultTarget: 'logs',
    needsGlobalEvents: false,
    cis: '4.10',
  },
  {
    id: 'security-group-open-to-world',
    title: 'Security group opened to the internet',
    description: 'Ingress authorized from a /0 range (0.0.0.0/0, ::/0), in the request\'s old or new form.',
    pattern: apiCalls('ec2', ['AuthorizeSecurityGroupIngress'], {
      // Any address with /0 is the whole internet, hence suffix. The old request form has cidrIp at
      // the top; the new one nests it in arrays of objects, which EventBridge flattens.
      $or: [
        { requestParameters: { cidrIp: [{ suffix: '/0' }] } },
        { requestParameters: { ipPermissions: { items: { ipRanges: { items: { cidrIp: [{ suffix: '/0' }] } } } } } },
        { requestParameters: { ipPermissions: { items: { ipv6Ranges: { items: { cidrIpv6: [{ suffix: '/0' }] } } } } } },
      ],
    }),
    defaultTarget: 'sns',
    needsGlobalEvents: false,
  },
  {
    id: 'network-acl-changed',
    title: 'Network ACL changed',
    description: 'A network ACL or one of its entries or associations created, replaced or deleted.',
    pattern: apiCalls('ec2', [
      'CreateNetworkAcl', 'CreateNetworkAclEntry', 'DeleteNetworkAcl', 'DeleteNetworkAclEntry', 'ReplaceNetworkAclEntry', 'ReplaceNetworkAclAssociation',
    ]),
    defaultTarget: 'logs',
    needsGlobalEvents: false,
    cis: '4.11',
  },
  {
    id: 'network-gateway-changed',
    title: 'Network gateway changed',
    description: 'Internet, customer or transit gateways (and transit gateway VPC attachments) created, attached, detached or deleted.',
    pattern: apiCalls('ec2', [
      'CreateCustomerGateway', 'DeleteCustomerGateway', 'AttachInternetGateway', 'CreateInternetGateway', 'DeleteInternetGateway', 'DetachInternetGateway',
      'CreateTransitGateway', 'DeleteTransitGateway', 'CreateTransitGatewayVpcAttachment', 'DeleteTransitGatewayVpcAttachment',
    ]),
    defaultTarget: 'logs',
    needsGlobalEvents: false,
    cis: '4.12',
  },
  {
    id: 'route-table-changed',
    title: 'Route table changed',
    description: 'Route tables or routes created, replaced, disassociated or deleted.',
    pattern: apiCalls('ec2', [
      'CreateRoute', 'CreateRouteTable', 'ReplaceRoute', 'ReplaceRouteTableAssociation', 'DeleteRouteTable', 'DeleteRoute', 'DisassociateRouteTable',
    ]),
    defaultTarget: 'logs',
    needsGlobalEvents: false,
    cis: '4.13',
  },
  {
    id: 'vpc-changed',
    title: 'VPC changed',
    description: 'VPCs created, deleted or modified, VPC peering or ClassicLink changed.',
    pattern: apiCalls('ec2', [
      'CreateVpc', 'DeleteVpc', 'ModifyVpcAttribute', 'AcceptVpcPeeringConnection', 'CreateVpcPeeringConnection', 'DeleteVpcPeeringConnection',
      'RejectVpcPeeringConnection', 'AttachClassicLinkVpc', 'DetachClassicLinkVpc', 'DisableVpcClassicLink', 'EnableVpcClassicLink',
    ]),
    defaultTarget: 'logs',
    needsGlobalEvents: false,
    cis: '4.14',
  },
  {
    id: 'organizations-changed',
    title: 'AWS Organizations changed',
    description: 'Accounts, organizational units, policies or handshakes of the organization changed.',
    pattern: apiCalls('organizations', [
      'AcceptHandshake', 'AttachPolicy', 'CreateAccount', 'CreateOrganizationalUnit', 'CreatePolicy', 'DeclineHandshake',
      'DeleteOrganization', 'DeleteOrganizationalUnit', 'DeletePolicy', 'DetachPolicy', 'DisablePolicyType', 'EnablePolicyType',
      'InviteAccountToOrganization', 'LeaveOrganization', 'MoveAccount', 'RemoveAccountFromOrganization', 'UpdatePolicy', 'UpdateOrganizationalUnit',
    ]),
    defaultTarget: 'sns',
    needsGlobalEvents: true,
    cis: '4.15',
  },
  {
    id: 'iam-user-created',
    title: 'IAM user or credential created',
    description: 'An IAM user, access key or console password (login profile) created.',
    pattern: apiCalls('iam', ['CreateUser', 'CreateAccessKey', 'CreateLoginProfile']),
    defaultTarget: 'sns',
    needsGlobalEvents: true,
  },
  {
    id: 's3-bucket-created',
    title: 'S3 bucket created',
    description: 'A bucket created successfully; the bucket-logger records account, region, name and creator.',
    pattern: apiCalls('s3', ['CreateBucket'], { errorCode: [{ exists: false }] }),
    defaultTarget: 'lambda',
    needsGlobalEvents: false,
  },
  {
    id: 'ec2-instance-state-changed',
    title: 'EC2 instance started, stopped or terminated',
    description: 'Instances started, stopped or terminated, buffered for a consumer (such as one that tags instances with their owner).',
    pattern: apiCalls('ec2', ['StartInstances', 'StopInstances', 'TerminateInstances']),
    defaultTarget: 'sqs',
    needsGlobalEvents: false,
  },
  {
    id: 'database-deleted',
    title: 'Database deleted',
    description: 'An RDS DB instance or Aurora cluster deleted.',
    pattern: apiCalls('rds', ['DeleteDBInstance', 'DeleteDBCluster']),
    defaultTarget: 'sns',
    needsGlobalEvents: false,
    // Who, where and when are in every alert; what was deleted and whether a final snapshot was kept are this case's own.
    alertDetail: {
      inputPaths: {
        instance: '$.detail.requestParameters.dBInstanceIdentifier',
        cluster: '$.detail.requestParameters.dBClusterIdentifier',
        skipFinalSnapshot: '$.detail.requestParameters.skipFinalSnapshot',
        finalSnapshot: '$.detail.requestParameters.finalDBSnapshotIdentifier',
        finalClusterSnapshot: '$.detail.requestParameters.finalDBClusterSnapshotIdentifier',
        errorCode: '$.detail.errorCode',
      },
      sentence: 'Deleted: instance <instance> cluster <cluster>; skip final snapshot: <skipFinalSnapshot>; final snapshot: <finalSnapshot><finalClusterSnapshot> (empty: none named); error code: <errorCode> (empty: the call succeeded).',
    },
  },
  {
    id: 'all-api-calls',
    title: 'API call',
    description: 'Every event on the central bus, streamed onward (to Kinesis by default) for another consumer.',
    pattern: { 'detail-type': [API_CALL, CONSOLE_SIGN_IN] },
    defaultTarget: 'kinesis',
    enabledByDefault: false,
    needsGlobalEvents: true,
  },
];

