import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

export interface TopicSubscriptionProps {
  /** The topic, possibly in another account; its ARN comes from the naming module. */
  readonly topicArn: string;
  readonly function: LambdaFunction;
  /**
   * Provider of the topic's region: SNS creates a subscription in the topic's region, and a
   * cross-account topic must already allow sns:Subscribe from this account.
   * @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * Subscribes a Lambda function to an SNS topic (also across accounts) and lets SNS invoke it for
 * that topic only. The permission names the topic ARN and no source account: the topic ARN already
 * names its owner, and a source account copied from the function's own account (as templates
 * often do) would silently block every delivery from a topic in another account.
 */
export class TopicSubscription extends Construct {
  readonly subscription: SnsTopicSubscription;
  readonly permission: LambdaPermission;

  constructor(scope: Construct, id: string, props: TopicSubscriptionProps) {
    super(scope, id);
    if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(props.topicArn)) {
      throw new Error(`TopicSubscription ${id}: topicArn ${JSON.stringify(props.topicArn)} is not an SNS topic ARN`);
    }
    this.permission = new LambdaPermission(this, 'permission', {
      provider: props.provider,
      statementId: 'AllowSnsTopic',
      action: 'lambda:InvokeFunction',
      functionName: props.function.functionName,
      principal: 'sns.amazonaws.com',
      sourceArn: props.topicArn,
    });
    // The permission first: SNS may deliver as soon as the subscription exists.
    this.subscription = new SnsTopicSubscription(this, 'subscription', {
      provider: props.provider,
      topicArn: props.topicArn,
      protocol: 'lambda',
      endpoint: props.function.arn,
      dependsOn: [this.permission],
    });
  }
}
