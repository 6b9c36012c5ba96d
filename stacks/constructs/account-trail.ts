import { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsKmsKey } from '@cdktf/provider-aws/lib/data-aws-kms-key';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Naming } from '../../config/naming';
import { TrailOptions } from '../../config/sections/source';
import { TrailbridgeStack } from '../trailbridge-stack';
import { CustomerManagedKey } from './customer-managed-key';
import { ACTIONS, policyDocument, serviceTrust } from './iam';
import { DataEventOptions, MAX_SELECTOR_VALUES_PER_TRAIL, advancedEventSelectors, selectorValueCount } from './trail-event-selectors';

export type InsightType = 'ApiCallRateInsight' | 'ApiErrorRateInsight';

export interface TrailCloudWatchLogs {
  readonly logGroupName: string;
  readonly roleName: string;
  readonly retentionInDays: number;
}

export interface AccountTrailProps {
  readonly trailName: string;
  /** The trail's own ARN (from the naming module): the logs role trusts CloudTrail for it alone. */
  readonly trailArn: string;
  /** The bucket in the log-archive account. */
  readonly bucketName: string;
  /** The CMK, by key ARN or alias ARN. */
  readonly kmsKeyId: string;
  /**
   * Resolve an alias ARN in kmsKeyId to the key ARN at plan time (aws_kms_key data source), so the
   * trail holds what CloudTrail stores and plans stay clean. @default false
   */
  readonly resolveKmsKeyAlias?: boolean;
  /** Key prefix before AWSLogs/. @default - none */
  readonly keyPrefix?: string;
  /** One organization trail for every account of the organization (management account only). @default false */
  readonly organizationTrail?: boolean;
  /** @default - management events only */
  readonly dataEvents?: DataEventOptions;
  /** Excluded from S3 data events, so the trail does not log its own deliveries. @default - none */
  readonly trailBucketArns?: readonly string[];
  /** @default - none */
  readonly insights?: readonly InsightType[];
  /** Also deliver to a CloudWatch Logs group in the trail's account. @default - off */
  readonly cloudWatchLogs?: TrailCloudWatchLogs;
  /** Start logging. Only emulators without StartLogging need false. @default true */
  readonly enableLogging?: boolean;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * A CloudTrail trail as trailbridge requires it: multi-region, global service events, log file
 * validation, SSE-KMS with the log-archive CMK, delivering to its bucket in the log-archive
 * account; data events through advanced event selectors, Insights and CloudWatch Logs delivery
 * as options. The same construct makes the organization trail.
 */
export class AccountTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly logGroup?: CloudwatchLogGroup;
  /** The key of the CloudWatch Logs group, when the trail delivers there. */
  readonly logGroupKey?: CustomerManagedKey;

  constructor(scope: Construct, id: string, props: AccountTrailProps) {
    super(scope, id);
    if (!props.trailArn.endsWith(`:trail/${props.trailName}`)) {
      throw new Error(`AccountTrail ${id}: trailArn ${props.trailArn} does not name the trail ${props.trailName}`);
    }
    // CloudTrail refuses more at apply (InvalidEventSelectorsException); every trail bucket of the
    // topology is one value once S3 data events are on, so many sources reach it.
    const selectors = advancedEventSelectors(props.dataEvents ?? {}, props.trailBucketArns ?? []);
    const values = selectorValueCount(selectors);
    if (values > MAX_SELECTOR_VALUES_PER_TRAIL) {
      const buckets = props.dataEvents?.s3 ? new Set(props.trailBucketArns ?? []).size : 0;
      throw new Error(
        `AccountTrail ${id}: trail ${props.trailName}: its advanced event selectors hold ${values} values, ${buckets} of them the trail buckets excluded from S3 data events; ` +
          `CloudTrail allows ${MAX_SELECTOR_VALUES_PER_TRAIL} per trail. Shorten the dataEvents include and exclude lists of this trail, or use trails.mode "organization" (one trail bucket)`,
      );
    }
    const provider = props.provider;

    let cloudWatchLogsGroupArn: string | undefined;
    let cloudWatchLogsRoleArn: string | undefined;
    const dependsOn = [];
    if (props.cloudWatchLogs) {
      const cwl = props.cloudWatchLogs;
      const stack = TrailbridgeStack.of(this);
      this.logGroupKey = new CustomerManagedKey(this, 'log-group-key', {
        partition: stack.topology.partition,
        accountId: stack.account.id,
        alias: stack.naming.trailLogsKeyAlias(),
        description: `Encrypts ${cwl.logGroupName}, the CloudWatch Logs copy of the trail ${props.trailName}`,
        logGroups: { region: stack.region, names: [cwl.logGroupName] },
        provider,
      });
      this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
        provider,
        name: cwl.logGroupName,
        retentionInDays: cwl.retentionInDays,
        kmsKeyId: this.logGroupKey.key.arn,
      });
      const trust = policyDocument(
        this,
        'logs-trust',
        [serviceTrust('cloudtrail.amazonaws.com', [{ test: 'StringEquals', variable: 'aws:SourceArn', values: [props.trailArn] }])],
        provider,
      );
      const role = new IamRole(this, 'logs-role', {
        provider,
        name: cwl.roleName,
        description: `CloudTrail delivery of ${props.trailName} to ${cwl.logGroupName}`,
        assumeRolePolicy: trust.json,
      });
      const policy = policyDocument(this, 'logs-policy', [{ sid: 'WriteTrailLogStreams', actions: ACTIONS.logsWrite, resources: [`${this.logGroup.arn}:log-stream:*`] }], provider);
      dependsOn.push(new IamRolePolicy(this, 'logs-role-policy', { provider, name: 'write-trail-log-group', role: role.id, policy: policy.json }));
      cloudWatchLogsGroupArn = `${this.logGroup.arn}:*`;
      cloudWatchLogsRoleArn = role.arn;
    }

    this.trail = new Cloudtrail(this, 'trail', {
      provider,
      name: props.trailName,
      s3BucketName: props.bucketName,
      s3KeyPrefix: props.keyPrefix || undefined,
      kmsKeyId: props.resolveKmsKeyAlias ? new DataAwsKmsKey(this, 'log-archive-key', { provider, keyId: props.kmsKeyId }).arn : props.kmsKeyId,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      isOrganizationTrail: props.organizationTrail ? true : undefined,
      enableLogging: props.enableLogging ?? true,
      advancedEventSelector: selectors,
      insightSelector: props.insights?.length ? props.insights.map((insightType) => ({ insightType })) : undefined,
      cloudWatchLogsGroupArn,
      cloudWatchLogsRoleArn,
      // CloudTrail checks at creation that it can write to the log group.
      dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
    });
  }
}

/** The props of a trail from the topology: the account trail of a source, or the organization trail. */
export function trailPropsFrom(
  naming: Naming,
  trail: { readonly name: string; readonly arn: string; readonly bucketName: string; readonly options: TrailOptions; readonly organizationTrail: boolean },
  provider?: TerraformProvider,
): AccountTrailProps {
  const { options } = trail;
  return {
    trailName: trail.name,
    trailArn: trail.arn,
    bucketName: trail.bucketName,
    kmsKeyId: naming.trailKmsKeyReference(),
    resolveKmsKeyAlias: naming.topology.trails.kmsKeyArn === undefined && naming.topology.trails.resolveKeyArn,
    keyPrefix: options.keyPrefix,
    organizationTrail: trail.organizationTrail,
    dataEvents: options.dataEvents,
    trailBucketArns: naming.allTrailBucketNames().map((name) => naming.bucketArn(name)),
    insights: options.insights,
    cloudWatchLogs: options.cloudWatchLogs
      ? { logGroupName: naming.trailLogGroupName(trail.name), roleName: naming.trailLogsRoleName(trail.name), retentionInDays: options.cloudWatchLogs.retentionInDays }
      : undefined,
    enableLogging: naming.topology.trails.enableLogging,
    provider,
  };
}
