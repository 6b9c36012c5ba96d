import { regionalServiceName } from '../../config/arn';
import { Naming } from '../../config/naming';
import { ACTIONS, Statement } from './iam';
import { accountWithRole, sourceAccounts } from '../../config/accounts';

/** AppConfig data-plane actions the extension calls for the function. */
export const APPCONFIG_READ_ACTIONS = ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'] as const;
export const SSM_READ_PARAMETER_ACTIONS = ['ssm:GetParameter'] as const;
/** What the progress store calls (functions/forwarder/progress-dynamodb.ts). */
export const PROGRESS_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

export interface ForwarderPermissionsProps {
  readonly naming: Naming;
  /** ARN of the token parameter. */
  readonly tokenParameterArn: string;
  /** Customer managed key of the token parameter: the stack's own, or the topology's dynatrace.tokenKmsKeyArn. */
  readonly tokenKmsKeyArn: string;
  /** The AppConfig configuration resource (application/.../environment/.../configuration/...). */
  readonly configurationArn: string;
  /** The progress table and its key (./progress-table.ts). */
  readonly progress: { readonly tableArn: string; readonly keyArn: string };
}

/**
 * Everything the forwarder may do besides writing its logs and sending to its failure queue
 * (which the function construct grants): read the CloudTrail objects of each source account,
 * decrypt them with the log-archive CMK through S3, read its one token parameter and its rules,
 * and read and write its progress table.
 *
 * The CMK lives in another stack and account, so its key ARN cannot be known here; the grant
 * names any key of the log-archive account and narrows it to the key behind the CloudTrail alias,
 * used through S3 of the home region. The log-archive key policy grants the other half.
 */
export function forwarderStatements(props: ForwarderPermissionsProps): Statement[] {
  const { naming } = props;
  const home = naming.homeRegion;
  const logArchiveId = accountWithRole(naming.topology, 'log-archive').id;
  const statements: Statement[] = [
    {
      sid: 'ReadTrailObjects',
      actions: ACTIONS.s3ReadObject,
      resources: sourceAccounts(naming.topology).map((source) => `${naming.bucketArn(naming.trailBucketName(source))}/${naming.trailKeyPrefix(source)}*`),
    },
    {
      sid: 'DecryptTrailObjects',
      actions: ACTIONS.kmsDecrypt,
      resources: [naming.arn({ service: 'kms', region: home, account: logArchiveId, resource: 'key/*' })],
      conditions: [
        { test: 'ForAnyValue:StringEquals', variable: 'kms:ResourceAliases', values: [naming.cloudTrailKeyAlias()] },
        { test: 'StringEquals', variable: 'kms:ViaService', values: [regionalServiceName(naming.partition, 's3', home)] },
      ],
    },
    { sid: 'ReadApiToken', actions: SSM_READ_PARAMETER_ACTIONS, resources: [props.tokenParameterArn] },
    {
      sid: 'DecryptApiToken',
      actions: ACTIONS.kmsDecrypt,
      resources: [props.tokenKmsKeyArn],
      conditions: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [regionalServiceName(naming.partition, 'ssm', home)] }],
    },
  ];
  statements.push({ sid: 'ReadRules', actions: APPCONFIG_READ_ACTIONS, resources: [props.configurationArn] });
  statements.push(
    { sid: 'KeepProgress', actions: PROGRESS_ACTIONS, resources: [props.progress.tableArn] },
    {
      sid: 'EncryptProgress',
      actions: ACTIONS.kmsEncryptForService,
      resources: [props.progress.keyArn],
      conditions: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [regionalServiceName(naming.partition, 'dynamodb', home)] }],
    },
  );
  return statements;
}
