import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { Statement, policyDocument } from './iam';
import { logsEncryptStatement } from './customer-managed-key';
import { Partition, accountRootArn, arn } from '../../config/arn';

export interface SecurityEventsKeyProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  readonly alias: string;
  readonly accountId: string;
  readonly region: string;
  /** The central bus: only its rules (EventBridge, for this account) may use the key to publish alerts. */
  readonly busName: string;
  /** Log groups (by name) this key encrypts; CloudWatch Logs gets a grant limited to them. @default - none */
  readonly logGroupNames?: readonly string[];
}

/** KMS actions a service needs to write to (and read from) a resource encrypted with this key. */
const SERVICE_USE = ['kms:GenerateDataKey*', 'kms:Decrypt'];

/**
 * The customer managed key of the alert topic and the central log group, rotated yearly. Its policy
 * lets EventBridge publish to the encrypted topic, for the central bus's rules in this account only
 * (no other account's rule can have EventBridge use it: confused deputy), and CloudWatch Logs
 * encrypt the named groups; the account's IAM policies govern everything else.
 */
export class SecurityEventsKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: SecurityEventsKeyProps) {
    super(scope, id);
    const statements: Statement[] = [
      {
        sid: 'AccountAdministers',
        actions: ['kms:*'],
        resources: ['*'],
        principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.accountId)] }],
      },
      {
        sid: 'EventBridgeEncryptsTargets',
        actions: SERVICE_USE,
        resources: ['*'],
        principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
        conditions: [
          { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] },
          {
            test: 'ArnLike',
            variable: 'aws:SourceArn',
            values: [arn({ partition: props.partition, service: 'events', region: props.region, account: props.accountId, resource: `rule/${props.busName}/*` })],
          },
        ],
      },
    ];
    if (props.logGroupNames?.length) {
      statements.push(logsEncryptStatement(props.partition, props.accountId, { region: props.region, names: props.logGroupNames }));
    }
    const policy = policyDocument(this, 'policy', statements);
    this.key = new KmsKey(this, 'key', {
      description: `trailbridge: security alerts and event logs (${props.alias})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policy.json,
    });
    new KmsAlias(this, 'alias', { name: props.alias, targetKeyId: this.key.keyId });
  }
}
