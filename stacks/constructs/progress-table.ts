import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { accountRootArn, Partition } from '../../config/arn';
import { policyDocument } from './iam';

/** The attribute the forwarder writes as the item's expiry (functions/forwarder/progress-dynamodb.ts). */
export const PROGRESS_TTL_ATTRIBUTE = 'expiresAt';

export interface ProgressTableProps {
  readonly partition: Partition;
  readonly tableName: string;
  /** Alias of the table's key, `alias/...`. */
  readonly keyAlias: string;
  /** The account of the stack, whose IAM policies grant the key's use. */
  readonly accountId: string;
}

/**
 * The forwarder's progress checkpoints: one item per object (partition key `object`), so a second
 * delivery of a notification after a crash resumes where the first left off. On demand (the
 * writes follow the notifications), encrypted with a customer managed key of its own (none of the
 * stack's keys is for data at rest), point-in-time recovery, and a TTL so the table cleans itself.
 * No deletion protection: the items live a week and losing them costs duplicates, never records.
 */
export class ProgressTable extends Construct {
  readonly table: DynamodbTable;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: ProgressTableProps) {
    super(scope, id);
    if (!props.keyAlias.startsWith('alias/')) throw new Error(`ProgressTable ${id}: keyAlias ${JSON.stringify(props.keyAlias)} must start with "alias/"`);
    // The account administers the key and grants its use through IAM (the forwarder role's policy).
    const keyPolicy = policyDocument(this, 'key-policy', [
      { sid: 'AccountAdministersKey', actions: ['kms:*'], resources: ['*'], principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.accountId)] }] },
    ]);
    this.key = new KmsKey(this, 'key', {
      description: `Encrypts the DynamoDB table ${props.tableName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, 'alias', { name: props.keyAlias, targetKeyId: this.key.keyId });
    this.table = new DynamodbTable(this, 'table', {
      name: props.tableName,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'object',
      attribute: [{ name: 'object', type: 'S' }],
      serverSideEncryption: { enabled: true, kmsKeyArn: this.key.arn },
      pointInTimeRecovery: { enabled: true },
      ttl: { attributeName: PROGRESS_TTL_ATTRIBUTE, enabled: true },
      deletionProtectionEnabled: false,
    });
  }
}
