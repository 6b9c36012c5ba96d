import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { AssetType, TerraformAsset, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { DEFAULT_RESERVED_CONCURRENCY, ReservedFunction } from '../../config/sections/functions';
import { TrailbridgeStack } from '../trailbridge-stack';
import { FunctionBundle, bundleFunction } from './bundle';
import { CustomerManagedKey } from './customer-managed-key';
import { FunctionCodeSigning } from './function-code-signing';
import { ACTIONS, Statement, denyInsecureTransport, policyDocument, serviceTrust } from './iam';

/** What X-Ray active tracing needs of the role; X-Ray has no resource-level permissions for them. */
/** How long a function's own on-failure queue keeps a message (SQS's longest). */
export const FUNCTION_FAILURE_QUEUE_RETENTION_SECONDS = 14 * 24 * 3600;

export const XRAY_WRITE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

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
  /**
   * KMS key for the log group, the own failure queue and the environment; its policy must let
   * CloudWatch Logs use it for this function's group. @default - a key of its own
   * (`alias/<functionName>-logs`), which CloudWatch Logs may use for this one group only
   */
  readonly kmsKeyArn?: string;
  /** @default - none */
  readonly layers?: readonly string[];
  /**
   * Reserved concurrency, or false for none.
   * @default - the topology's `functions.reservedConcurrency` for the entry; none for an entry it does not list
   */
  readonly reservedConcurrency?: number | false;
  /**
   * Where asynchronous invocations go after their retries fail. @default - a queue of its own,
   * `<functionName>-failures`, encrypted, TLS only, kept 14 days
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
 * queue), log group with retention, arm64, an on-failure destination for async invokes, a key of
 * its own for its logs, environment and failures, and reserved concurrency. The topology's
 * `functions` section (read from the enclosing TrailbridgeStack) adds X-Ray tracing and code signing.
 */
export class NodeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly bundle: FunctionBundle;
  /** The queue of failed asynchronous invocations (own or given). */
  readonly failureQueueArn: string;
  readonly failureQueue?: SqsQueue;
  /** The function's own key, unless one was given. */
  readonly key?: CustomerManagedKey;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const provider = props.provider;
    const stack = TrailbridgeStack.of(this);
    const options = stack.topology.functions;
    this.bundle = bundleFunction(props.entry);
    const asset = new TerraformAsset(this, 'code', { path: this.bundle.zipPath, type: AssetType.FILE });

    const logGroupName = `/aws/lambda/${props.functionName}`;
    this.key = props.kmsKeyArn ? undefined : ownKey(this, stack, props, logGroupName);
    const kmsKeyArn = props.kmsKeyArn ?? this.key!.key.arn;

    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      provider,
      name: logGroupName,
      retentionInDays: props.logRetentionInDays ?? 30,
      kmsKeyId: kmsKeyArn,
    });

    if (props.onFailureQueueArn) {
      this.failureQueueArn = props.onFailureQueueArn;
    } else {
      this.failureQueue = new SqsQueue(this, 'failures', {
        provider,
        name: `${props.functionName}-failures`,
        messageRetentionSeconds: FUNCTION_FAILURE_QUEUE_RETENTION_SECONDS,
        kmsMasterKeyId: kmsKeyArn,
      });
      this.failureQueueArn = this.failureQueue.arn;
      const queuePolicy = policyDocument(this, 'failures-policy-document', [denyInsecureTransport([this.failureQueue.arn])], provider);
      new SqsQueuePolicy(this, 'failures-policy', { provider, queueUrl: this.failureQueue.url, policy: queuePolicy.json });
    }

    // No aws:SourceAccount / aws:SourceArn on the trust: Lambda assumes an execution role only for a
    // function the role was passed to, and only a principal of this account allowed iam:PassRole
    // can pass it (roles are not passed across accounts), so there is no other account's deputy;
    // AWS's execution-role documentation gives the trust policy without source conditions.
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
    own.push({ sid: 'UseFunctionKey', actions: ACTIONS.kmsEncryptForService, resources: [kmsKeyArn] });
    if (options.tracing) own.push({ sid: 'WriteTraces', actions: XRAY_WRITE_ACTIONS, resources: ['*'] });
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
      reservedConcurrentExecutions: reservationOf(props, options.reservedConcurrency) || undefined,
      kmsKeyArn,
      tracingConfig: options.tracing ? { mode: 'Active' } : undefined,
      codeSigningConfigArn: options.codeSigning ? FunctionCodeSigning.of(stack).config.arn : undefined,
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

/** A key for one function, which CloudWatch Logs may use for its log group alone. */
function ownKey(scope: Construct, stack: TrailbridgeStack, props: NodeFunctionProps, logGroupName: string): CustomerManagedKey {
  return new CustomerManagedKey(scope, 'key', {
    partition: stack.topology.partition,
    accountId: stack.account.id,
    alias: stack.naming.functionKeyAlias(props.functionName),
    description: `Encrypts the logs, environment and failures of the function ${props.functionName}`,
    logGroups: { region: stack.region, names: [logGroupName] },
    provider: props.provider,
  });
}

/** The reservation of a function: its own prop, else the topology's entry for it; false for none. */
function reservationOf(props: NodeFunctionProps, reservations: Readonly<Record<ReservedFunction, number | false>>): number | false {
  if (props.reservedConcurrency !== undefined) return props.reservedConcurrency;
  return isReservedFunction(props.entry) ? reservations[props.entry] : false;
}

function isReservedFunction(entry: string): entry is ReservedFunction {
  return Object.hasOwn(DEFAULT_RESERVED_CONCURRENCY, entry);
}
