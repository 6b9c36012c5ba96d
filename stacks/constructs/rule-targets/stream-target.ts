import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream';
import { Construct } from 'constructs';
import { policyDocument, serviceTrust } from '../iam';
import { AdmitsRules, EVENTS_SERVICE, RuleTarget, RuleTargetConfig } from './rule-target';

/** Kinesis keeps records this long; 24 hours is the base price. */
const STREAM_RETENTION_IN_HOURS = 24;

export interface StreamTargetProps extends AdmitsRules {
  readonly streamName: string;
  /** The role EventBridge assumes to put records. */
  readonly roleName: string;
  /** The account of the rules (the role trusts EventBridge of this account, for `ruleArns` only). */
  readonly accountId: string;
  /** Provisioned shards. @default - on-demand capacity */
  readonly shardCount?: number;
}

/**
 * The kinesis target: a stream encrypted with the AWS managed key, which the rules write through
 * a role that only those rules may pass (aws:SourceArn) and that may only put records on it.
 */
export class StreamTarget implements RuleTarget {
  readonly stream: KinesisStream;
  readonly role: IamRole;

  constructor(scope: Construct, props: StreamTargetProps) {
    const shards = props.shardCount;
    this.stream = new KinesisStream(scope, 'stream', {
      name: props.streamName,
      retentionPeriod: STREAM_RETENTION_IN_HOURS,
      shardCount: shards,
      streamModeDetails: { streamMode: shards === undefined ? 'ON_DEMAND' : 'PROVISIONED' },
      // The AWS managed key: producers and consumers in the account need no key grant.
      encryptionType: 'KMS',
      kmsKeyId: 'alias/aws/kinesis',
    });
    const trust = policyDocument(scope, 'stream-role-trust', [
      serviceTrust(EVENTS_SERVICE, [
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] },
        { test: 'ArnEquals', variable: 'aws:SourceArn', values: [...props.ruleArns] },
      ]),
    ]);
    this.role = new IamRole(scope, 'stream-role', {
      name: props.roleName,
      description: 'Lets the central EventBridge rules put records on the security event stream',
      assumeRolePolicy: trust.json,
    });
    const permissions = policyDocument(scope, 'stream-role-permissions', [
      { sid: 'PutRecords', actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [this.stream.arn] },
    ]);
    new IamRolePolicy(scope, 'stream-role-policy', { name: 'put-records', role: this.role.id, policy: permissions.json });
  }

  bind(): RuleTargetConfig {
    return { arn: this.stream.arn, roleArn: this.role.arn };
  }
}
