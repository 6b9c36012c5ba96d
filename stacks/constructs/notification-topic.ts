import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Statement, policyDocument } from './iam';
import { Partition, accountRootArn } from '../../config/arn';

/** The one subscription another account may create: a protocol and an exact endpoint. */
export interface CrossAccountSubscriber {
  readonly accountId: string;
  /** @default 'lambda' */
  readonly protocol?: string;
  /** The subscribing endpoint (the forwarder's function ARN). */
  readonly endpoint: string;
}

export interface NotificationTopicProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  /** Physical name (from the naming module). */
  readonly topicName: string;
  /** The topic's ARN (from the naming module), so the policy needs no reference to the topic. */
  readonly topicArn: string;
  readonly kmsKeyArn: string;
  /** Buckets whose event notifications S3 publishes here (direct mode). @default - none */
  readonly s3Publishers?: { readonly bucketArns: readonly string[]; readonly accountId: string };
  /** Roles of the topic's account that publish (the notifier, lambda mode). @default - none */
  readonly rolePublisherArns?: readonly string[];
  readonly subscriber: CrossAccountSubscriber;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * The SNS topic of object-created notifications, encrypted with the CMK. Its policy lets S3
 * publish for the named buckets of the named account (or the notifier role publish), lets the
 * observability account create exactly the forwarder's subscription, and refuses publishing
 * without TLS.
 */
export class NotificationTopic extends Construct {
  readonly topic: SnsTopic;
  readonly policy: SnsTopicPolicy;

  constructor(scope: Construct, id: string, props: NotificationTopicProps) {
    super(scope, id);
    if (!props.s3Publishers?.bucketArns.length && !props.rolePublisherArns?.length) {
      throw new Error(`NotificationTopic ${id}: no publisher; give s3Publishers (direct mode) or rolePublisherArns (lambda mode)`);
    }
    const provider = props.provider;
    this.topic = new SnsTopic(this, 'topic', { provider, name: props.topicName, kmsMasterKeyId: props.kmsKeyArn });
    const document = policyDocument(this, 'policy-document', notificationTopicStatements(props), provider);
    this.policy = new SnsTopicPolicy(this, 'policy', { provider, arn: this.topic.arn, policy: document.json });
  }
}

export function notificationTopicStatements(props: NotificationTopicProps): Statement[] {
  const topic = [props.topicArn];
  const statements: Statement[] = [];
  if (props.s3Publishers?.bucketArns.length) {
    statements.push({
      sid: 'S3PublishObjectCreated',
      actions: ['sns:Publish'],
      resources: topic,
      principals: [{ type: 'Service', identifiers: ['s3.amazonaws.com'] }],
      conditions: [
        { test: 'ArnLike', variable: 'aws:SourceArn', values: [...props.s3Publishers.bucketArns] },
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.s3Publishers.accountId] },
      ],
    });
  }
  if (props.rolePublisherArns?.length) {
    statements.push({
      sid: 'NotifierPublish',
      actions: ['sns:Publish'],
      resources: topic,
      principals: [{ type: 'AWS', identifiers: [...props.rolePublisherArns] }],
    });
  }
  statements.push(
    {
      sid: 'ObservabilitySubscribeForwarder',
      actions: ['sns:Subscribe'],
      resources: topic,
      principals: [{ type: 'AWS', identifiers: [accountRootArn(props.partition, props.subscriber.accountId)] }],
      conditions: [
        { test: 'StringEquals', variable: 'sns:Protocol', values: [props.subscriber.protocol ?? 'lambda'] },
        { test: 'StringEquals', variable: 'sns:Endpoint', values: [props.subscriber.endpoint] },
      ],
    },
    {
      sid: 'DenyInsecurePublish',
      effect: 'Deny',
      actions: ['sns:Publish'],
      resources: topic,
      principals: [{ type: '*', identifiers: ['*'] }],
      conditions: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
    },
  );
  return statements;
}
