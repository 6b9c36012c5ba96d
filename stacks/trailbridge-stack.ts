import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { deployRole } from '../config/accounts';
import { Naming } from '../config/naming';
import { Account, Topology } from '../config/schema';
import { JustificationLedger, applyJustifications } from './scanner-suppressions';

export interface TrailbridgeStackProps {
  readonly topology: Topology;
  readonly naming: Naming;
  /** The account the stack deploys into. */
  readonly account: Account;
  /** Regions the stack needs besides the home region; each gets an aliased provider. @default - none */
  readonly extraRegions?: readonly string[];
  /** Region of the stack's default provider. @default - the topology's home region */
  readonly region?: string;
}

/**
 * One Terraform root module (one state, one Terraform Cloud workspace): its backend, its default
 * provider and one aliased provider per extra region, all in one account.
 */
export class TrailbridgeStack extends TerraformStack {
  readonly topology: Topology;
  readonly naming: Naming;
  readonly account: Account;
  readonly region: string;
  /** The provider of the stack's region (also the default provider). */
  readonly provider: AwsProvider;
  private readonly regionalProviders = new Map<string, AwsProvider>();

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
    // Created before synth, which may not add constructs.
    JustificationLedger.of(this, props.topology);

    addBackend(this, stackName, props.topology);
    // cdktf writes the legacy short form "aws"; spell out the registry address reviewers expect.
    this.addOverride('terraform.required_providers.aws.source', 'hashicorp/aws');
    this.provider = this.createProvider(this.region, false);
    this.regionalProviders.set(this.region, this.provider);
    for (const region of props.extraRegions ?? []) {
      if (!this.regionalProviders.has(region)) this.regionalProviders.set(region, this.createProvider(region, true));
    }
  }

  /** The stack's Terraform JSON, with the scanner justifications of its blocks (./scanner-justifications.ts). */
  override toTerraform(): any {
    const doc = super.toTerraform();
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

  private createProvider(region: string, aliased: boolean): AwsProvider {
    const role = deployRole(this.topology, this.account);
    return new AwsProvider(this, aliased ? `aws-${region}` : 'aws', {
      region,
      alias: aliased ? region : undefined,
      allowedAccountIds: [this.account.id],
      assumeRole: role ? [{ roleArn: role.roleArn, sessionName: this.topology.deployRole.sessionName, externalId: role.externalId }] : undefined,
      defaultTags: [{ tags: this.naming.defaultTags(this.stackName, this.account.roles) }],
    });
  }
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
        workspaces: new NamedCloudWorkspace(`${backend.workspacePrefix}${stackName}`, backend.project),
      });
      return;
  }
}
