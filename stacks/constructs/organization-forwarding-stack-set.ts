import { CloudformationStackInstances } from '@cdktf/provider-aws/lib/cloudformation-stack-instances';
import { CloudformationStackSet } from '@cdktf/provider-aws/lib/cloudformation-stack-set';
import { terraformLiteral } from './terraform-literal';
import { Construct } from 'constructs';
import { MAX_OUS_PER_CALL, OrganizationForwardingOptions } from '../../config/sections/stack-sets';
import { ForwardingTemplate, INLINE_TEMPLATE_MAX_BYTES } from '../cloudformation/forwarding-template';

export interface OrganizationForwardingStackSetProps {
  readonly stackSetName: string;
  readonly template: ForwardingTemplate;
  readonly options: OrganizationForwardingOptions;
  /** True in the delegated administrator (the security account, unless it is the management account): call_as DELEGATED_ADMIN. */
  readonly delegatedAdmin: boolean;
}

/** CloudFormation's operation preferences from the topology's; the global resources' region goes first. */
export function operationPreferences(options: OrganizationForwardingOptions, template: ForwardingTemplate) {
  const prefs = options.operationPreferences;
  return {
    regionConcurrencyType: prefs.regionConcurrency,
    maxConcurrentPercentage: prefs.maxConcurrentPercentage,
    failureTolerancePercentage: prefs.failureTolerancePercentage,
    regionOrder: [template.globalRegion, ...template.regions.filter((r) => r !== template.globalRegion)],
  };
}

/**
 * organizationForwarding: a service-managed StackSet whose automatic deployment gives every account
 * of the targeted OUs (now and later) the regional forwarding and its roles, and removes them when
 * the account leaves; stack instances for the OUs x regions, in one call (at most 50 OUs, checked
 * at load). The plan holds two resources, whatever the number of accounts or regions.
 */
export class OrganizationForwardingStackSet extends Construct {
  readonly stackSet: CloudformationStackSet;

  constructor(scope: Construct, id: string, props: OrganizationForwardingStackSetProps) {
    super(scope, id);
    if (!props.template.fitsInline) {
      throw new Error(`${props.stackSetName}: the template is ${props.template.sizeInBytes} bytes, over CloudFormation's ${INLINE_TEMPLATE_MAX_BYTES}-byte inline limit; narrow organizationForwarding.forwarding`);
    }
    const ouIds = props.options.organizationalUnits.map((ou) => ou.id);
    if (ouIds.length > MAX_OUS_PER_CALL) {
      throw new Error(`${props.stackSetName}: ${ouIds.length} OUs, over the ${MAX_OUS_PER_CALL} of one stack-instances call; target a parent OU that contains them`);
    }
    const callAs = props.delegatedAdmin ? 'DELEGATED_ADMIN' : 'SELF';
    const minutes = props.options.operationTimeoutInMinutes;
    const timeout = minutes === undefined ? undefined : `${minutes}m`;
    const preferences = operationPreferences(props.options, props.template);
    this.stackSet = new CloudformationStackSet(this, 'stack-set', {
      name: props.stackSetName,
      description: 'trailbridge: the regional forwarding rules of every account of the targeted OUs',
      permissionModel: 'SERVICE_MANAGED',
      callAs,
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      operationPreferences: preferences,
      // The body holds CloudFormation's ${...}, which Terraform would read as its own interpolation.
      templateBody: terraformLiteral(props.template.body),
      // Service-managed StackSets report an administration role AWS chose; not ours to change.
      lifecycle: { ignoreChanges: ['administration_role_arn'] },
      timeouts: timeout ? { update: timeout } : undefined,
    });
    // One resource for all the OUs: the provider reads every instance of the StackSet into each
    // aws_cloudformation_stack_instances, so two would delete each other's OUs.
    new CloudformationStackInstances(this, 'instances', {
      stackSetName: this.stackSet.name,
      callAs,
      deploymentTargets: { organizationalUnitIds: ouIds },
      regions: [...props.template.regions],
      // CloudFormation's default, STRICT_FAILURE_TOLERANCE, deploys min(max concurrent, failure
      // tolerance + 1) accounts at once: with a tolerance of 0, one account at a time in each region.
      // SOFT keeps maxConcurrentPercentage and still stops a region once the tolerance is exceeded
      // (the accounts under way then finish, and may fail too).
      // (aws_cloudformation_stack_set of provider 5.100.0 has no concurrency_mode: docs/scale.md.)
      operationPreferences: { ...preferences, concurrencyMode: 'SOFT_FAILURE_TOLERANCE' },
      timeouts: timeout ? { create: timeout, update: timeout, delete: timeout } : undefined,
    });
  }
}
