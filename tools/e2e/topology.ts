import defaultTopologyJson from '../../config/default-topology.json';
import { parseTopology } from '../../config/load';
import { Topology, TopologyInput } from '../../config/schema';

/** The emulated home region and the second enabled region. */
export const E2E_HOME_REGION = 'us-east-1';
export const E2E_REGIONS = [E2E_HOME_REGION, 'eu-west-1'] as const;

/**
 * A resource the e2e topology leaves out (or replaces) because the emulator lacks its API, and the
 * documented topology option that does it. Printed by every run; nothing else differs from the
 * production synth of the same accounts.
 */
export interface EmulatorSwitch {
  /** The topology option, as a JSON path. */
  readonly option: string;
  readonly value: unknown;
  /** What the switch leaves out or replaces. */
  readonly leavesOut: string;
  /** The emulator gap behind it. */
  readonly why: string;
}

/** The id of the stand-in extension layer the run publishes before applying (see fixtures). */
export const STAND_IN_LAYER_NAME = 'trailbridge-e2e-appconfig-agent';

export function standInLayerArn(observabilityAccountId: string): string {
  return `arn:aws:lambda:${E2E_HOME_REGION}:${observabilityAccountId}:layer:${STAND_IN_LAYER_NAME}:1`;
}

export function emulatorSwitches(observabilityAccountId: string): EmulatorSwitch[] {
  return [
    {
      option: 'trails.enableLogging',
      value: false,
      leavesOut: 'CloudTrail StartLogging on the trails (the trails are created, not started)',
      why: 'moto 5.2 looks StartLogging\'s trail up by name only and the provider passes the ARN; the e2e puts real CloudTrail files itself',
    },
    {
      option: 'trails.resolveKeyArn',
      value: false,
      leavesOut: 'the key-ARN lookup of the CloudTrail CMK through its alias (an aws_kms_key data source in each source stack); trails name the alias ARN instead',
      why: 'moto cannot describe a KMS key of another account through its alias ARN, so the data source fails',
    },
    {
      option: 'forwarder.appConfigDeployment',
      value: false,
      leavesOut: 'the AppConfig environment, deployment strategy and deployment of the forwarding rules',
      why: 'moto implements AppConfig applications, profiles and hosted versions only; a local extension stand-in serves the hosted version Terraform created',
    },
    {
      option: 'logArchive.forceDestroy',
      value: true,
      leavesOut: 'the protection of the trail and access-log buckets against `terraform destroy` with objects in them',
      why: 'the run writes CloudTrail files and the emulator writes server access logs (also while Terraform destroys), so the buckets are never empty at destroy time',
    },
    {
      option: 'forwarder.failureQueue.restrictDeadLetterSources',
      value: false,
      leavesOut: 'the redrive-allow policy of the forwarder failure queue\'s dead-letter queue',
      why: 'moto drops the RedriveAllowPolicy attribute, so the provider waits 3 minutes for it and fails',
    },
    {
      option: `forwarder.appConfigLayerArns["${E2E_HOME_REGION}"]`,
      value: standInLayerArn(observabilityAccountId),
      leavesOut: 'the AWS-owned AppConfig extension layer (replaced by an empty stand-in layer the run publishes in the observability account)',
      why: 'moto only attaches layers published in the emulator itself; the extension\'s behaviour comes from the local stand-in',
    },
  ];
}

/**
 * Every response in `enforce` mode: the e2e proves the actions themselves (tools/e2e/responses-check.ts).
 * Not an emulator switch: the production default runs the account-changing responses in `report`
 * mode and leaves audit-evidence off.
 * audit-evidence writes reports for the use cases it names; these are the catalog's `sns` ones the
 * responses section triggers (PutBucketPolicy, CreateUser), named so the choice is visible here.
 */
export const E2E_RESPONSES: NonNullable<TopologyInput['responses']> = {
  'block-public-bucket': { mode: 'enforce' },
  'require-mfa-for-new-users': { mode: 'enforce' },
  'tag-instance-owner': { mode: 'enforce', tagKeys: { owner: 'Owner', role: 'OwnerRole', session: 'OwnerSession' } },
  'database-deleted': { mode: 'enforce' },
  'audit-evidence': { mode: 'enforce', useCases: ['s3-bucket-policy-changed', 'iam-user-created'], retentionInDays: 1 },
};

/**
 * One shared Sigma rule end to end: flow 2 puts a record it matches (ModifySnapshotAttribute sharing an EBS
 * snapshot) on a default bus and checks it reaches the central log group through the rule compiled from it.
 * Level medium, so "logs" (a kind the emulator delivers to); every other level is off.
 */
export const E2E_SIGMA_RULE = '../shared/data/sigma/rules/aws_snapshot_backup_exfiltration.yml';
export const E2E_SIGMA: NonNullable<NonNullable<TopologyInput['events']>['sigma']> = {
  paths: [E2E_SIGMA_RULE],
  targets: { critical: 'off', high: 'off', medium: 'logs', low: 'off', informational: 'off' },
};

/**
 * One API destination, so the run applies an EventBridge connection with its customer managed key
 * (and an API destination, its role and a rule that targets it). Not an emulator switch: the
 * production default has no destination. The rule is the root-user one, which no record of the run
 * matches, and moto posts to no API destination unless told to (MOTO_EVENTS_INVOKE_HTTP), so
 * nothing is ever sent to the endpoint.
 */
export const E2E_API_DESTINATIONS: Pick<NonNullable<TopologyInput['events']>, 'apiDestinations' | 'useCases'> = {
  apiDestinations: [{ kind: 'webhook', name: 'e2e-hook', endpoint: 'https://hooks.example.com/trailbridge-e2e', headerName: 'X-Api-Key' }],
  useCases: { 'root-account-usage': { target: 'webhook' } },
};

/** Sets a dotted option path (with one optional ["key"] segment) on a topology document. */
function setOption(doc: Record<string, any>, option: string, value: unknown): void {
  const parts = option.replace(/\["([^"]+)"\]/g, '.$1').split('.');
  let node = doc;
  for (const part of parts.slice(0, -1)) node = node[part] ??= {};
  node[parts.at(-1)!] = value;
}

/**
 * The e2e topology: the default accounts (so each stack applies in its own account through
 * assume_role), two regions, state in the run's directory, and the emulator switches.
 */
export function e2eTopology(stateDirectory: string): { topology: Topology; switches: EmulatorSwitch[] } {
  const { doc, switches } = e2eDocument(stateDirectory);
  return { topology: parseTopology(doc, 'e2e topology'), switches };
}

/** The HCP Terraform organization the e2e bootstrap's roles name (no run ever reaches it). */
export const E2E_TFC_ORGANIZATION = 'trailbridge-e2e';

/**
 * The e2e topology with the cloud backend and dynamic credentials on: the run applies only its
 * bootstrap stacks from it, first, with state in `stateDirectory`, as an operator would before the
 * workspaces exist (docs/terraform-cloud.md); the other stacks keep local state.
 */
export function e2eBootstrapTopology(stateDirectory: string): Topology {
  const { doc } = e2eDocument(stateDirectory);
  doc.backend = { type: 'cloud', organization: E2E_TFC_ORGANIZATION, dynamicCredentials: true, bootstrapStateDirectory: stateDirectory };
  return parseTopology(doc, 'e2e bootstrap topology');
}

function e2eDocument(stateDirectory: string): { doc: TopologyInput & Record<string, any>; switches: EmulatorSwitch[] } {
  const doc = structuredClone(defaultTopologyJson) as TopologyInput & Record<string, any>;
  doc.$comment = 'trailbridge e2e topology (tools/e2e/topology.ts)';
  doc.homeRegion = E2E_HOME_REGION;
  doc.regions = [...E2E_REGIONS];
  doc.backend = { type: 'local', directory: stateDirectory };
  const observability = doc.accounts.find((a) => a.roles.includes('observability'));
  if (!observability) throw new Error('the default topology has no observability account');
  const switches = emulatorSwitches(observability.id);
  for (const s of switches) setOption(doc, s.option, s.value);
  doc.responses = structuredClone(E2E_RESPONSES);
  doc.events = { ...doc.events, sigma: structuredClone(E2E_SIGMA), ...structuredClone(E2E_API_DESTINATIONS) };
  return { doc, switches };
}
