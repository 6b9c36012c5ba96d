import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Partition, accountRootArn, arn, regionalServiceName } from '../../config/arn';
import { Statement, policyDocument } from './iam';

/** What CloudWatch Logs needs of the key of an encrypted log group. */
const LOGS_USE = ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'];

export interface EncryptedLogGroups {
  /** Region of the groups: the grant is to that region's CloudWatch Logs. */
  readonly region: string;
  /** Names of the groups (the key may encrypt these, and only these). */
  readonly names: readonly string[];
}

export interface CustomerManagedKeyProps {
  readonly partition: Partition;
  /** The account of the key, whose IAM policies grant its use to the account's own roles. */
  readonly accountId: string;
  /** `alias/...`, from the naming module. */
  readonly alias: string;
  readonly description: string;
  /** Log groups the key encrypts: CloudWatch Logs gets a grant limited to them. @default - none */
  readonly logGroups?: EncryptedLogGroups;
  /** Further service grants, each with its own conditions. @default - none */
  readonly statements?: readonly Statement[];
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * A customer managed key, rotated yearly, deleted only after 30 days. The account administers it
 * and grants its use through IAM (the policies of its roles); services get only what the props
 * name: CloudWatch Logs may use it for the named log groups (the `aws:logs:arn` encryption
 * context), nothing else.
 */
export class CustomerManagedKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: CustomerManagedKeyProps) {
    super(scope, id);
    if (!props.alias.startsWith('alias/')) throw new Error(`CustomerManagedKey ${id}: alias ${JSON.stringify(props.alias)} must start with "alias/"`);
    const provider = props.provider;
    const statements: Statement[] = [
      { sid: 'AccountAdministersKey', actions: ['kms:*'], resources: ['*'], principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.accountId)] }] },
    ];
    if (props.logGroups?.names.length) statements.push(logsEncryptStatement(props.partition, props.accountId, props.logGroups));
    statements.push(...(props.statements ?? []));
    this.key = new KmsKey(this, 'key', {
      provider,
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(this, 'policy', statements, provider).json,
    });
    this.alias = new KmsAlias(this, 'alias', { provider, name: props.alias, targetKeyId: this.key.keyId });
  }
}

/**
 * The key-policy statement that lets CloudWatch Logs of one region encrypt the named groups:
 * the encryption context of every request names the group, so the key serves no other.
 */
export function logsEncryptStatement(partition: Partition, accountId: string, groups: EncryptedLogGroups): Statement {
  return {
    sid: 'CloudWatchLogsEncryptsGroups',
    actions: LOGS_USE,
    resources: ['*'],
    principals: [{ type: 'Service', identifiers: [regionalServiceName(partition, 'logs', groups.region)] }],
    conditions: [
      {
        test: 'ArnEquals',
        variable: 'kms:EncryptionContext:aws:logs:arn',
        values: groups.names.map((name) => arn({ partition, service: 'logs', region: groups.region, account: accountId, resource: `log-group:${name}` })),
      },
    ],
  };
}
