import { AppConfigClient, GetApplicationCommand, ListApplicationsCommand } from '@aws-sdk/client-appconfig';
import { LambdaClient, ListFunctionsCommand, ListLayersCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSubscriptionsCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ClientConfig } from './accounts';
import { jsonCall, queryCall, xmlValues } from './aws-probe';

/** One resource left in the target: `<service> <kind> <name>`. */
export interface Leftover {
  readonly service: string;
  readonly kind: string;
  readonly name: string;
}

/** What the run knows it created, for services the emulator cannot list. */
export interface InventoryHints {
  readonly appConfigApplicationIds: readonly string[];
}

const CLOUDTRAIL_TARGET = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101';

type Probe = (c: ClientConfig, hints: InventoryHints) => Promise<Leftover[]>;

const left = (service: string, kind: string) => (names: readonly (string | undefined)[]) =>
  names.filter((n): n is string => Boolean(n)).map((name) => ({ service, kind, name }));

/** Probes of regional services: what trailbridge's stacks create in a region. */
const REGIONAL: readonly Probe[] = [
  async (c) => left('sqs', 'queue')((await new SQSClient(c).send(new ListQueuesCommand({}))).QueueUrls ?? []),
  async (c) => {
    const sns = new SNSClient(c);
    const topics = (await sns.send(new ListTopicsCommand({}))).Topics ?? [];
    const subscriptions = (await sns.send(new ListSubscriptionsCommand({}))).Subscriptions ?? [];
    return [...left('sns', 'topic')(topics.map((t) => t.TopicArn)), ...left('sns', 'subscription')(subscriptions.map((s) => s.SubscriptionArn))];
  },
  async (c) => {
    const lambda = new LambdaClient(c);
    const functions = (await lambda.send(new ListFunctionsCommand({}))).Functions ?? [];
    const layers = (await lambda.send(new ListLayersCommand({}))).Layers ?? [];
    return [...left('lambda', 'function')(functions.map((f) => f.FunctionName)), ...left('lambda', 'layer')(layers.map((l) => l.LayerName))];
  },
  async (c) => left('ssm', 'parameter')(((await new SSMClient(c).send(new DescribeParametersCommand({}))).Parameters ?? []).map((p) => p.Name)),
  async (c, hints) => {
    const appconfig = new AppConfigClient(c);
    try {
      return left('appconfig', 'application')(((await appconfig.send(new ListApplicationsCommand({}))).Items ?? []).map((a) => a.Name));
    } catch {
      // moto has no ListApplications: ask for each application the run created.
      const found: string[] = [];
      for (const id of hints.appConfigApplicationIds) {
        try {
          found.push((await appconfig.send(new GetApplicationCommand({ ApplicationId: id }))).Name ?? id);
        } catch (err) {
          if ((err as Error).name !== 'ResourceNotFoundException') throw err;
        }
      }
      return left('appconfig', 'application')(found);
    }
  },
  async (c) => {
    const t = probeTarget(c);
    const keys: { KeyId: string }[] = (await jsonCall(t, 'kms', 'TrentService', 'ListKeys')).Keys ?? [];
    const aliases: { AliasName: string; TargetKeyId?: string }[] = (await jsonCall(t, 'kms', 'TrentService', 'ListAliases')).Aliases ?? [];
    // AWS managed keys (alias/aws/<service>) are made by a service on first use (DynamoDB makes
    // alias/aws/dynamodb for an encrypted table) and can be deleted by nobody: not the topology's.
    const awsManaged = new Set(aliases.filter((a) => a.AliasName.startsWith('alias/aws/')).map((a) => a.TargetKeyId));
    const live: string[] = [];
    for (const key of keys.filter((k) => !awsManaged.has(k.KeyId))) {
      const state = (await jsonCall(t, 'kms', 'TrentService', 'DescribeKey', { KeyId: key.KeyId })).KeyMetadata?.KeyState;
      // A key cannot be deleted at once: scheduled for deletion is as gone as KMS allows.
      if (state !== 'PendingDeletion') live.push(`${key.KeyId} (${state})`);
    }
    return [...left('kms', 'key')(live), ...left('kms', 'alias')(aliases.map((a) => a.AliasName).filter((n) => !n.startsWith('alias/aws/')))];
  },
  async (c) => left('logs', 'log group')(((await jsonCall(probeTarget(c), 'logs', 'Logs_20140328', 'DescribeLogGroups')).logGroups ?? []).map((g: any) => g.logGroupName)),
  async (c) => {
    const t = probeTarget(c);
    const buses = ((await jsonCall(t, 'events', 'AWSEvents', 'ListEventBuses')).EventBuses ?? []).map((b: any) => b.Name as string);
    const rules: string[] = [];
    for (const bus of buses) {
      for (const rule of (await jsonCall(t, 'events', 'AWSEvents', 'ListRules', { EventBusName: bus })).Rules ?? []) rules.push(`${bus}/${rule.Name}`);
    }
    const archives = ((await jsonCall(t, 'events', 'AWSEvents', 'ListArchives')).Archives ?? []).map((a: any) => a.ArchiveName);
    return [...left('events', 'bus')(buses.filter((b: string) => b !== 'default')), ...left('events', 'rule')(rules), ...left('events', 'archive')(archives)];
  },
  async (c) =>
    left('cloudtrail', 'trail')(
      ((await jsonCall(probeTarget(c), 'cloudtrail', CLOUDTRAIL_TARGET, 'DescribeTrails', { includeShadowTrails: false })).trailList ?? []).map(
        (t: any) => t.Name,
      ),
    ),
  async (c) => left('cloudwatch', 'alarm')(xmlValues(await queryCall(probeTarget(c), 'monitoring', '2010-08-01', 'DescribeAlarms'), 'AlarmName')),
  async (c) => left('cloudwatch', 'dashboard')(xmlValues(await queryCall(probeTarget(c), 'monitoring', '2010-08-01', 'ListDashboards'), 'DashboardName')),
];

/** Probes of global services, asked once per account. */
const GLOBAL: readonly Probe[] = [
  async (c) => left('s3', 'bucket')(((await new S3Client(c).send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name)),
  async (c) => {
    const t = probeTarget(c);
    const roles = xmlValues(await queryCall(t, 'iam', '2010-05-08', 'ListRoles'), 'RoleName');
    const policies = xmlValues(await queryCall(t, 'iam', '2010-05-08', 'ListPolicies', { Scope: 'Local' }), 'PolicyName');
    const oidc = xmlValues(await queryCall(t, 'iam', '2010-05-08', 'ListOpenIDConnectProviders'), 'Arn');
    return [...left('iam', 'role')(roles), ...left('iam', 'policy')(policies), ...left('iam', 'oidc provider')(oidc)];
  },
];

/**
 * moto 5.2 ignores DeleteTrail given an ARN, which is how the provider deletes a trail, so a trail
 * Terraform destroyed stays listed. Deletes the named trail by name if it is still there; true
 * when it was (the workaround was needed).
 */
export async function deleteTrailLeftByArnDelete(c: ClientConfig, trailName: string): Promise<boolean> {
  const trails: any[] = (await jsonCall(probeTarget(c), 'cloudtrail', CLOUDTRAIL_TARGET, 'DescribeTrails', { trailNameList: [trailName], includeShadowTrails: false })).trailList ?? [];
  if (!trails.some((t) => t.Name === trailName)) return false;
  await jsonCall(probeTarget(c), 'cloudtrail', CLOUDTRAIL_TARGET, 'DeleteTrail', { Name: trailName });
  return true;
}

function probeTarget(c: ClientConfig) {
  return { endpoint: c.endpoint, region: c.region, credentials: c.credentials };
}

/**
 * What is left in the given accounts and regions, by listing each service trailbridge uses.
 * (moto's /moto-api/data.json keeps every object ever created, deleted ones included, so it
 * cannot say what is left.) A probe that fails is reported as a leftover: unknown is not empty.
 */
export async function leftovers(
  configs: readonly { readonly account: string; readonly global: boolean; readonly config: ClientConfig }[],
  hints: InventoryHints,
): Promise<(Leftover & { account: string; region: string })[]> {
  const found: (Leftover & { account: string; region: string })[] = [];
  for (const { account, global, config } of configs) {
    for (const probe of [...REGIONAL, ...(global ? GLOBAL : [])]) {
      let items: Leftover[];
      try {
        items = await probe(config, hints);
      } catch (err) {
        items = [{ service: 'probe', kind: 'error', name: (err as Error).message.split('\n')[0] }];
      }
      for (const item of items) found.push({ ...item, account, region: config.region });
    }
  }
  return found;
}
