import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { Partition, accountRootArn, arn, regionalServiceName } from '../../config/arn';
import { Statement, policyDocument } from './iam';

/**
 * The tag EventBridge requires on a customer managed key before a connection may use it (AWS,
 * "Encrypting EventBridge connection authorization with AWS KMS keys"); the service-linked role
 * AWSServiceRoleForAmazonEventBridgeApiDestinations may use only keys that carry it.
 */
export const CONNECTION_KEY_TAG = { EventBridgeApiDestinations: 'true' } as const;

/**
 * Administering the key, never using it: the account's roles may read, tag, rotate, re-point
 * aliases and schedule deletion, but not encrypt or decrypt, and not create grants (a grant
 * could hand out what this policy withholds).
 */
export const CONNECTION_KEY_ADMIN_ACTIONS = [
  'kms:Describe*',
  'kms:Get*',
  'kms:List*',
  'kms:PutKeyPolicy',
  'kms:UpdateKeyDescription',
  'kms:UpdateAlias',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
] as const;

/** What EventBridge needs of a connection key besides kms:DescribeKey (which the admin statement grants). */
export const CONNECTION_KEY_USE_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

export interface ConnectionKeyProps {
  readonly partition: Partition;
  /** The account of the connections (and of the key). */
  readonly accountId: string;
  /** The region of the connections: only Secrets Manager of this region may use the key. */
  readonly region: string;
  /** `alias/...`, from the naming module. */
  readonly alias: string;
}

/**
 * The customer managed key of the EventBridge connections' credentials (the Secrets Manager
 * secrets EventBridge keeps for each connection), rotated yearly, deleted only after 30 days.
 * Its policy follows AWS's policy for connection keys, narrowed to this account and region: the
 * key is used only through Secrets Manager of the region (kms:ViaService), only for secrets
 * EventBridge made for this account's connections (kms:EncryptionContext:SecretARN), and only
 * while it carries the EventBridgeApiDestinations tag. No principal is a service: EventBridge
 * works through its service-linked role in this account, whose AWS managed policy asks for the
 * same conditions, so there is no cross-account deputy to confuse.
 */
export class ConnectionKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: ConnectionKeyProps) {
    super(scope, id);
    if (!props.alias.startsWith('alias/')) throw new Error(`ConnectionKey ${id}: alias ${JSON.stringify(props.alias)} must start with "alias/"`);
    this.key = new KmsKey(this, 'key', {
      description: 'trailbridge: credentials of the EventBridge connections (API destinations)',
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(this, 'policy', connectionKeyStatements(props)).json,
      tags: { ...CONNECTION_KEY_TAG },
    });
    this.alias = new KmsAlias(this, 'alias', { name: props.alias, targetKeyId: this.key.keyId });
  }
}

/** The key policy: the account administers the key and uses it only for connection secrets, through Secrets Manager. */
export function connectionKeyStatements(props: Omit<ConnectionKeyProps, 'alias'>): Statement[] {
  const account = [{ type: 'AWS' as const, identifiers: [accountRootArn(props.partition, props.accountId)] }];
  const connectionSecrets = arn({ partition: props.partition, service: 'secretsmanager', region: props.region, account: props.accountId, resource: 'secret:events!connection/*' });
  return [
    { sid: 'AccountAdministersKey', actions: [...CONNECTION_KEY_ADMIN_ACTIONS], resources: ['*'], principals: account },
    {
      sid: 'ConnectionSecretsUseKey',
      actions: [...CONNECTION_KEY_USE_ACTIONS],
      resources: ['*'],
      principals: account,
      conditions: [
        { test: 'StringEquals', variable: 'kms:ViaService', values: [regionalServiceName(props.partition, 'secretsmanager', props.region)] },
        { test: 'StringLike', variable: 'kms:EncryptionContext:SecretARN', values: [connectionSecrets] },
        { test: 'StringEquals', variable: 'aws:ResourceTag/EventBridgeApiDestinations', values: [CONNECTION_KEY_TAG.EventBridgeApiDestinations] },
      ],
    },
  ];
}
