import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { AssetType, TerraformAsset, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { FunctionBundle, bundleFunction } from './bundle';
import { ACTIONS, Statement, policyDocument, serviceTrust } from './iam';

export interface NodeFunctionProps {
  /** Physical function name (from the naming module); also names the role and log group. */
  readonly functionName: string;
  /** Physical role name, when the naming module gives the role a name of its own. @default - functionName */
  readonly roleName?: string;
  /** Folder under functions/ whose handler.ts exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Everything the function may do besides writing its own logs and failures. */
  readonly statements: readonly Statement[];
  /** @default 256 */
  readonly memoryInMb?: number;
  /** @default 30 */
  readonly timeoutInSeconds?: number;
  /** @default 'nodejs22.x' */
  readonly runtime?: string;
  /** @default - none */
  readonly environment?: Record<string, string>;
  /** @default 30 */
  readonly logRetentionInDays?: number;
  /** KMS key for the log group, the failure queue and the environment. @default - service-managed keys */
  readonly kmsKeyArn?: string;
  /** @default - none */
  readonly layers?: readonly string[];
  /** @default - unreserved */
  readonly reservedConcurrency?: number;
  /**
   * Where asynchronous invocations go after their retries fail. @default - a queue of its own,
   * `<functionName>-failures`, encrypted, kept 14 days
   */
  readonly onFailureQueueArn?: string;
  /** Retries of asynchronous invocations. @default 2 */
  readonly asyncRetryAttempts?: number;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * A Node.js Lambda built from functions/<entry>/handler.ts: the esbuild bundle as a deterministic
 * zip asset, its role (least privilege: the given statements plus its own log group and failure
 * queue), log group with retention, arm64, and an on-failure destination for async invokes.
 */
export class NodeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly bundle: FunctionBundle;
  /** The queue of failed asynchronous invocations (own or given). */
  readonly failureQueueArn: string;
  readonly failureQueue?: SqsQueue;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const provider = props.provider;
    this.bundle = bundleFunction(props.entry);
    const asset = new TerraformAsset(this, 'code', { path: this.bundle.zipPath, type: AssetType.FILE });

    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      provider,
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionInDays ?? 30,
      kmsKeyId: props.kmsKeyArn,
    });

    if (props.onFailureQueueArn) {
      this.failureQueueArn = props.onFailureQueueArn;
    } else {
      this.failureQueue = new SqsQueue(this, 'failures', {
        provider,
        name: `${props.functionName}-failures`,
        messageRetentionSeconds: 14 * 24 * 3600,
        kmsMasterKeyId: props.kmsKeyArn,
        sqsManagedSseEnabled: props.kmsKeyArn ? undefined : true,
      });
      this.failureQueueArn = this.failureQueue.arn;
    }

    const trust = policyDocument(this, 'trust', [serviceTrust('lambda.amazonaws.com')], provider);
    this.role = new IamRole(this, 'role', {
      provider,
      name: props.roleName ?? props.functionName,
      description: `Execution role of ${props.functionName}`,
      assumeRolePolicy: trust.json,
    });

    const own: Statement[] = [
      { sid: 'WriteOwnLogs', actions: ACTIONS.logsWrite, resources: [`${this.logGroup.arn}:*`] },
      { sid: 'SendFailedInvocations', actions: ACTIONS.sqsSend, resources: [this.failureQueueArn] },
    ];
    if (props.kmsKeyArn) own.push({ sid: 'UseFunctionKey', actions: ACTIONS.kmsEncryptForService, resources: [props.kmsKeyArn] });
    const policy = policyDocument(this, 'policy', [...own, ...props.statements], provider);
    const rolePolicy = new IamRolePolicy(this, 'role-policy', {
      provider,
      name: 'least-privilege',
      role: this.role.id,
      policy: policy.json,
    });

    this.function = new LambdaFunction(this, 'function', {
      provider,
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: props.runtime ?? 'nodejs22.x',
      architectures: ['arm64'],
      handler: this.bundle.handler,
      filename: asset.path,
      sourceCodeHash: this.bundle.sha256Base64,
      memorySize: props.memoryInMb ?? 256,
      timeout: props.timeoutInSeconds ?? 30,
      layers: props.layers ? [...props.layers] : undefined,
      reservedConcurrentExecutions: props.reservedConcurrency,
      kmsKeyArn: props.kmsKeyArn,
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      environment: {
        variables: { NODE_OPTIONS: '--enable-source-maps', ...(props.environment ?? {}) },
      },
      // The role's policy must exist before the first invoke, and logs must not go to an
      // auto-created group without retention.
      dependsOn: [this.logGroup, rolePolicy],
    });

    new LambdaFunctionEventInvokeConfig(this, 'async', {
      provider,
      functionName: this.function.functionName,
      maximumRetryAttempts: props.asyncRetryAttempts ?? 2,
      destinationConfig: { onFailure: { destination: this.failureQueueArn } },
    });
  }
}
