import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformDataSource, TerraformProvider, TerraformResource, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { accountRoleLabels, deployRole } from '../config/accounts';
import { Naming } from '../config/naming';
import { Account, Topology } from '../config/schema';
import { cloudBackend, credentialsTag, dynamicCredentialsOn, workspaceName } from '../config/terraform-cloud';
import { tfcDynamicCredentialsVariable } from './constructs/tfc-dynamic-credentials';
import { JustificationLedger, applyJustifications } from './scanner-suppressions';
import { prepareStack, stackTerraform } from './stack-synthesis';

/** The oldest Terraform that can apply the stacks: 1.11 brought write-only arguments. */
export const TERRAFORM_REQUIRED_VERSION = '>= 1.11.0';

export interface TrailbridgeStackProps {
  readonly topology: Topology;
  readonly naming: Naming;
  /** The account the stack deploys into. */
  readonly account: Account;
  /** Regions the stack needs besides the home region; each gets an aliased provider. @default - none */
  readonly extraRegions?: readonly string[];
  /** Region of the stack's default provider. @default - the topology's home region */
  readonly region?: string;
  /**
   * The stack runs on the operator's machine with an administrator's credentials (the bootstrap):
   * local state in the cloud backend's bootstrapStateDirectory, deployRole assumed as without
   * dynamic credentials. @default false
   */
  readonly operatorRun?: boolean;
}

/**
 * One Terraform root module (one state, one Terraform Cloud workspace): its backend, its default
 * provider and one aliased provider per extra region in its account, and a provider per other
 * account it reaches (`providerIn`). With dynamic credentials on, the providers of the stack's
 * account use the workspace's own role (the default configuration HCP Terraform sets in the
 * run's environment); another account's provider reads its tagged configuration.
 */
export class TrailbridgeStack extends TerraformStack {
  readonly topology: Topology;
  readonly naming: Naming;
  readonly account: Account;
  readonly region: string;
  /** The provider of the stack's region (also the default provider). */
  readonly provider: AwsProvider;
  private readonly regionalProviders = new Map<string, AwsProvider>();
  private readonly accountProviders = new Map<string, AwsProvider>();
  private readonly operatorRun: boolean;

  /** The trailbridge stack a construct is in, whose topology, account and region give the construct's defaults. */
  static of(scope: Construct): TrailbridgeStack {
    const stack = TerraformStack.of(scope);
    if (!(stack instanceof TrailbridgeStack)) {
      throw new Error(`${scope.node.path}: must be created in a TrailbridgeStack, whose topology, account and region it reads`);
    }
    return stack;
  }

  constructor(scope: Construct, readonly stackName: string, props: TrailbridgeStackProps) {
    super(scope, stackName);
    this.topology = props.topology;
    this.naming = props.naming;
    this.account = props.account;
    this.region = props.region ?? props.topology.homeRegion;
    this.operatorRun = props.operatorRun ?? false;
    // Created before synth, which may not add constructs.
    JustificationLedger.of(this, props.topology);

    if (this.operatorRun) addOperatorBackend(this, stackName, props.topology);
    else addBackend(this, stackName, props.topology);
    // cdktf writes the legacy short form "aws"; spell out the registry address reviewers expect.
    this.addOverride('terraform.required_providers.aws.source', 'hashicorp/aws');
    // Write-only arguments (the operator secrets' value_wo, kept out of state) need Terraform 1.11.
    this.addOverride('terraform.required_version', TERRAFORM_REQUIRED_VERSION);
    this.provider = this.createProvider(this.region, false);
    this.regionalProviders.set(this.region, this.provider);
    for (const region of props.extraRegions ?? []) {
      if (!this.regionalProviders.has(region)) this.regionalProviders.set(region, this.createProvider(region, true));
    }
  }

  /** As cdktf's, without the preparing resolve of elements it cannot change (./stack-synthesis.ts). */
  override prepareStack(): void {
    prepareStack(this);
  }

  /**
   * The stack's Terraform JSON (cdktf's, resolving only what holds tokens: ./stack-synthesis.ts),
   * with the scanner justifications of its blocks (./scanner-justifications.ts).
   */
  override toTerraform(): any {
    const doc = stackTerraform(this);
    const ledger = JustificationLedger.of(this, this.topology);
    ledger.record(this.stackName, applyJustifications(doc, ledger.table));
    return doc;
  }

  /** The provider for a region; only regions declared at construction exist. */
  providerFor(region: string): AwsProvider {
    const provider = this.regionalProviders.get(region);
    if (!provider) throw new Error(`stack ${this.stackName} has no provider for region ${region}; list it in extraRegions`);
    return provider;
  }

  /**
   * The provider of another account of the topology, in the stack's region, created on first use
   * (alias: the account's name). The bootstrap gives the stack's workspace a role there too.
   */
  providerIn(account: Account): AwsProvider {
    if (account.id === this.account.id) return this.provider;
    let provider = this.accountProviders.get(account.id);
    if (!provider) {
      provider = this.createProvider(this.region, true, account);
      this.accountProviders.set(account.id, provider);
    }
    return provider;
  }

  /** The accounts besides its own that the stack's providers reach, in first-use order. */
  get otherAccounts(): Account[] {
    return [...this.accountProviders.keys()].map((id) => this.topology.accounts.find((a) => a.id === id)!);
  }

  /**
   * The resource and data source types the stack holds in an account (data sources as
   * `data.<type>`), read from the construct tree: what the account's workspace role must allow.
   */
  resourceTypesIn(account: Account): string[] {
    const accountOf = new Map<TerraformProvider, string>([...this.regionalProviders.values()].map((p) => [p, this.account.id]));
    for (const [id, p] of this.accountProviders) accountOf.set(p, id);
    const types = new Set<string>();
    for (const c of this.node.findAll()) {
      if (!(c instanceof TerraformResource) && !(c instanceof TerraformDataSource)) continue;
      if ((c.provider ? accountOf.get(c.provider) : this.account.id) !== account.id) continue;
      types.add(c instanceof TerraformDataSource ? `data.${c.terraformResourceType}` : c.terraformResourceType);
    }
    return [...types].sort();
  }

  private createProvider(region: string, aliased: boolean, account: Account = this.account): AwsProvider {
    const ownAccount = account.id === this.account.id;
    const workspaceRole = dynamicCredentialsOn(this.topology) && !this.operatorRun;
    const role = workspaceRole ? undefined : deployRole(this.topology, account);
    return new AwsProvider(this, ownAccount ? (aliased ? `aws-${region}` : 'aws') : `aws-${account.name}`, {
      region,
      alias: aliased ? (ownAccount ? region : account.name) : undefined,
      allowedAccountIds: [account.id],
      assumeRole: role ? [{ roleArn: role.roleArn, sessionName: this.topology.deployRole.sessionName, externalId: role.externalId }] : undefined,
      // The stack's own account takes the default configuration from the run's environment.
      sharedConfigFiles: workspaceRole && !ownAccount ? [tfcDynamicCredentialsVariable(this).aliasSharedConfigFile(credentialsTag(account))] : undefined,
      defaultTags: [{ tags: this.naming.defaultTags(this.stackName, accountRoleLabels(this.topology, this.account)) }],
    });
  }
}

/** The bootstrap's state: on the operator's machine, as for the local backend. */
function addOperatorBackend(stack: TerraformStack, stackName: string, topology: Topology): void {
  const directory = cloudBackend(topology)?.bootstrapStateDirectory ?? 'state';
  new LocalBackend(stack, { path: `../../../${directory}/${stackName}.tfstate` });
}

function addBackend(stack: TerraformStack, stackName: string, topology: Topology): void {
  const backend = topology.backend;
  switch (backend.type) {
    case 'local':
      // Relative to the stack's working directory (cdktf.out/stacks/<stack>), so the output holds
      // no absolute path of this machine and two synths are byte-identical.
      new LocalBackend(stack, { path: `../../../${backend.directory}/${stackName}.tfstate` });
      return;
    case 's3': {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix}/${stackName}.tfstate`,
        region: backend.region,
        encrypt: true,
        kmsKeyId: backend.kmsKeyId,
        assumeRole: backend.roleArn ? { roleArn: backend.roleArn } : undefined,
      });
      // cdktf 0.21's S3Backend predates S3-native locking.
      if (backend.useLockfile) s3.addOverride('use_lockfile', true);
      return;
    }
    case 'cloud':
      new CloudBackend(stack, {
        organization: backend.organization,
        hostname: backend.hostname,
        workspaces: new NamedCloudWorkspace(workspaceName(backend, stackName), backend.project),
      });
      return;
  }
}
