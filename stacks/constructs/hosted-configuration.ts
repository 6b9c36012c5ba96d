import { AppconfigApplication } from '@cdktf/provider-aws/lib/appconfig-application';
import { AppconfigConfigurationProfile } from '@cdktf/provider-aws/lib/appconfig-configuration-profile';
import { AppconfigDeployment } from '@cdktf/provider-aws/lib/appconfig-deployment';
import { AppconfigDeploymentStrategy } from '@cdktf/provider-aws/lib/appconfig-deployment-strategy';
import { AppconfigEnvironment } from '@cdktf/provider-aws/lib/appconfig-environment';
import { AppconfigHostedConfigurationVersion } from '@cdktf/provider-aws/lib/appconfig-hosted-configuration-version';
import { TerraformProvider, Token } from 'cdktf';
import { Construct } from 'constructs';
import { Partition, arn } from '../../config/arn';

/** AppConfig refuses a validator whose content is longer than this. */
export const MAX_VALIDATOR_CONTENT_CHARS = 32_768;
/** AppConfig refuses a hosted configuration version larger than this (default quota). */
export const MAX_HOSTED_CONTENT_BYTES = 2 * 1024 * 1024;

export interface HostedConfigurationProps {
  /** The topology's partition, which begins every ARN the construct writes. */
  readonly partition: Partition;
  readonly applicationName: string;
  readonly environmentName: string;
  readonly profileName: string;
  readonly deploymentStrategyName: string;
  readonly description: string;
  /** JSON Schema (draft-04) text that AppConfig checks every version against. */
  readonly jsonSchema: string;
  /** The JSON document stored as the hosted configuration version. */
  readonly content: string;
  /**
   * Create the environment, the deployment strategy and the deployment of the hosted version.
   * Only emulators that lack them need false; real AppConfig serves nothing undeployed.
   * @default true
   */
  readonly deploy?: boolean;
  /** @default 0 (all at once) */
  readonly deploymentDurationInMinutes?: number;
  /** @default 10 */
  readonly finalBakeTimeInMinutes?: number;
  /** Region and account of the stack, for the ARN that IAM grants name. */
  readonly region: string;
  readonly accountId: string;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * One AppConfig freeform JSON configuration: application, configuration profile with a JSON Schema
 * validator (so AppConfig itself refuses a bad version), the hosted version with the given content,
 * and its deployment to one environment through a strategy of its own.
 */
export class HostedConfiguration extends Construct {
  readonly application: AppconfigApplication;
  readonly profile: AppconfigConfigurationProfile;
  readonly version: AppconfigHostedConfigurationVersion;
  readonly environment?: AppconfigEnvironment;
  readonly deploymentStrategy?: AppconfigDeploymentStrategy;
  readonly deployment?: AppconfigDeployment;
  /**
   * The resource that appconfig:StartConfigurationSession and GetLatestConfiguration name; any
   * environment of the application when this construct does not create the environment.
   */
  readonly configurationArn: string;
  /** The hosted version's document, minified, as stored. */
  readonly content: string;

  constructor(scope: Construct, id: string, props: HostedConfigurationProps) {
    super(scope, id);
    const jsonSchema = minifiedJson(props.jsonSchema, 'jsonSchema');
    const content = minifiedJson(props.content, 'content');
    this.content = content;
    const problems: string[] = [];
    if (jsonSchema.length > MAX_VALIDATOR_CONTENT_CHARS) {
      problems.push(`jsonSchema: ${jsonSchema.length} characters minified, over AppConfig's validator limit of ${MAX_VALIDATOR_CONTENT_CHARS}; shorten the schema's descriptions`);
    }
    if (Buffer.byteLength(content) > MAX_HOSTED_CONTENT_BYTES) {
      problems.push(`content: ${Buffer.byteLength(content)} bytes, over AppConfig's hosted configuration limit of ${MAX_HOSTED_CONTENT_BYTES}`);
    }
    if (problems.length > 0) throw new Error(`HostedConfiguration ${id}: ${problems.join('; ')}`);

    const provider = props.provider;
    this.application = new AppconfigApplication(this, 'application', {
      provider,
      name: props.applicationName,
      description: props.description,
    });
    this.profile = new AppconfigConfigurationProfile(this, 'profile', {
      provider,
      applicationId: this.application.id,
      name: props.profileName,
      description: props.description,
      locationUri: 'hosted',
      type: 'AWS.Freeform',
      validator: [{ type: 'JSON_SCHEMA', content: jsonSchema }],
    });
    this.version = new AppconfigHostedConfigurationVersion(this, 'version', {
      provider,
      applicationId: this.application.id,
      configurationProfileId: this.profile.configurationProfileId,
      contentType: 'application/json',
      content,
      description: 'Written by trailbridge; change the rules in the repository and deploy them with Terraform',
    });

    const arnPrefix = arn({ partition: props.partition, service: 'appconfig', region: props.region, account: props.accountId, resource: `application/${this.application.id}` });
    if (props.deploy === false) {
      this.configurationArn = `${arnPrefix}/environment/*/configuration/${this.profile.configurationProfileId}`;
      return;
    }
    this.environment = new AppconfigEnvironment(this, 'environment', {
      provider,
      applicationId: this.application.id,
      name: props.environmentName,
      description: props.description,
    });
    this.deploymentStrategy = new AppconfigDeploymentStrategy(this, 'strategy', {
      provider,
      name: props.deploymentStrategyName,
      description: `Rollout of ${props.applicationName}/${props.profileName}`,
      deploymentDurationInMinutes: props.deploymentDurationInMinutes ?? 0,
      finalBakeTimeInMinutes: props.finalBakeTimeInMinutes ?? 10,
      growthFactor: 100,
      growthType: 'LINEAR',
      replicateTo: 'NONE',
    });
    this.deployment = new AppconfigDeployment(this, 'deployment', {
      provider,
      applicationId: this.application.id,
      environmentId: this.environment.environmentId,
      configurationProfileId: this.profile.configurationProfileId,
      configurationVersion: Token.asString(this.version.versionNumber),
      deploymentStrategyId: this.deploymentStrategy.id,
      description: 'Deploys the hosted version Terraform wrote',
    });
    this.configurationArn = `${arnPrefix}/environment/${this.environment.environmentId}/configuration/${this.profile.configurationProfileId}`;
  }
}

/** Parses and re-serializes a JSON text: a clear error for bad JSON, and no whitespace diffs. */
function minifiedJson(text: string, prop: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch (err) {
    throw new Error(`HostedConfiguration: ${prop} is not valid JSON (${(err as Error).message})`);
  }
}
