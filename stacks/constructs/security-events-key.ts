import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { Statement, policyDocument } from './iam';
import { logsEncryptStatement } from './customer-managed-key';
import { Partition, accountRootArn } from '../../config/arn';

export interface SecurityEventsKeyProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  readonly alias: string;
  readonly accountId: string;
  readonly region: string;
  /** The alert topic: EventBridge may use the key only to publish to it. */
  readonly alertTopicArn: string;
  /** Log groups (by name) this key encrypts; CloudWatch Logs gets a grant limited to them. @default - none */
  readonly logGroupNames?: readonly string[];
}

/** KMS actions a service needs to write to (and read from) a resource encrypted with this key. */
const SERVICE_USE = ['kms:GenerateDataKey*', 'kms:Decrypt'];

/**
 * The customer managed key of the alert topic and the central log group, rotated yearly. Its policy
 * lets EventBridge use it for the alert topic only (the topic policy admits only the central rules:
 * confused deputy), and CloudWatch Logs encrypt the named groups; the account's IAM policies govern
 * everything else.
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
        // Scoped by the topic SNS encrypts for, not by aws:SourceAccount / aws:SourceArn: SNS
        // documents those as unsupported in a key policy for EventBridge publishing to an encrypted
        // topic (the request KMS sees does not carry them), so with them every alert would be
        // dropped. Which rules may publish is the topic policy's job (alert-topic-target.ts).
        conditions: [{ test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sns:topicArn', values: [props.alertTopicArn] }],
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
