import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { Construct } from 'constructs';
import { ACTIONS, policyDocument } from '../iam';
import { EVENTS_SERVICE, RuleTarget, RuleTargetConfig } from './rule-target';

export interface LogGroupTargetProps {
  /** Under /aws/events/, where EventBridge's own log targets live. */
  readonly logGroupName: string;
  readonly retentionInDays: number;
  /** The KMS key that encrypts the group. */
  readonly keyArn: string;
  /** Name of the account's log resource policy that admits EventBridge. */
  readonly policyName: string;
}

/**
 * The logs target: an encrypted log group. EventBridge writes to CloudWatch Logs through the
 * account's log resource policy, not a role; the policy names this one group, and AWS documents it
 * without a source-ARN condition.
 */
export class LogGroupTarget implements RuleTarget {
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, props: LogGroupTargetProps) {
    this.logGroup = new CloudwatchLogGroup(scope, 'logs', {
      name: props.logGroupName,
      retentionInDays: props.retentionInDays,
      kmsKeyId: props.keyArn,
    });
    const policy = policyDocument(scope, 'logs-policy-document', [
      {
        sid: 'EventBridgeWritesCentralLogs',
        actions: ACTIONS.logsWrite,
        resources: [`${this.logGroup.arn}:*`],
        principals: [{ type: 'Service', identifiers: [EVENTS_SERVICE, 'delivery.logs.amazonaws.com'] }],
      },
    ]);
    new CloudwatchLogResourcePolicy(scope, 'logs-policy', { policyName: props.policyName, policyDocument: policy.json });
  }

  bind(): RuleTargetConfig {
    return { arn: this.logGroup.arn };
  }
}
