import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

export interface EmailSubscriptionsProps {
  readonly topicArn: string;
  /** Each address once (the topology's schema refuses a repeat). */
  readonly emails: readonly string[];
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * A topic's email subscriptions, one per address and named by it, so that taking an address off
 * the list removes its subscription alone. Named by position (`<prefix>-0`, `-1`, ...), as they
 * were before, removing the first address replaced every subscription after it, and each of those
 * people got no alarm until they confirmed again. A `moved` block per address takes a state of that
 * naming over: the subscription at position i becomes the one of the address now at position i,
 * which is right when the list is the same as at the last apply (change it in a later apply).
 */
export class EmailSubscriptions {
  readonly subscriptions: readonly SnsTopicSubscription[];

  /** @param prefix the ids' prefix: `<prefix>-<address>`, and `<prefix>-<position>` before */
  constructor(scope: Construct, prefix: string, props: EmailSubscriptionsProps) {
    this.subscriptions = props.emails.map((email, i) => {
      const subscription = new SnsTopicSubscription(scope, `${prefix}-${email}`, { provider: props.provider, topicArn: props.topicArn, protocol: 'email', endpoint: email });
      subscription.moveFromId(`${subscription.terraformResourceType}.${positionalLogicalId(scope, `${prefix}-${i}`)}`);
      return subscription;
    });
  }
}

/** The logical id a resource with construct id `id` in `scope` had: allocated for a placeholder, which is then taken off the tree. */
function positionalLogicalId(scope: Construct, id: string): string {
  const placeholder = new Construct(scope, id);
  const logicalId = TerraformStack.of(scope).getLogicalId(placeholder.node);
  scope.node.tryRemoveChild(id);
  return logicalId;
}
