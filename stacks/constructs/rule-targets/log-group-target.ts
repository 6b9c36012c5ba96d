import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { Construct } from 'constructs';
import { policyDocument } from '../iam';
import { AdmitsRules, EVENTS_SERVICE, RuleTarget, RuleTargetConfig } from './rule-target';

export interface LogGroupTargetProps extends AdmitsRules {
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
 * account's log resource policy, not a role; the policy names this one group, and the writes
 * (PutLogEvents) only for the rules that target it (aws:SourceArn). Stream creation carries no
 * source ARN, so CreateLogStream is admitted for the group alone (as the IDR debug capture does).
 */
export class LogGroupTarget implements RuleTarget {
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, props: LogGroupTargetProps) {
    this.logGroup = new CloudwatchLogGroup(scope, 'logs', {
      name: props.logGroupName,
      retentionInDays: props.retentionInDays,
      kmsKeyId: props.keyArn,
    });
    const streams = `${this.logGroup.arn}:*`;
    const deliverers = [{ type: 'Service' as const, identifiers: [EVENTS_SERVICE, 'delivery.logs.amazonaws.com'] }];
    const policy = policyDocument(scope, 'logs-policy-document', [
      { sid: 'EventBridgeCreatesStreams', actions: ['logs:CreateLogStream'], resources: [streams], principals: deliverers },
      {
        sid: 'EventBridgeWritesCentralLogs',
        actions: ['logs:PutLogEvents'],
        resources: [streams],
        principals: deliverers,
        conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: props.ruleArns }],
      },
    ]);
    new CloudwatchLogResourcePolicy(scope, 'logs-policy', { policyName: props.policyName, policyDocument: policy.json });
  }

  bind(): RuleTargetConfig {
    return { arn: this.logGroup.arn };
  }
}
