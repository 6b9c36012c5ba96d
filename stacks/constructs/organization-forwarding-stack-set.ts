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
  /** True in the delegated administrator (the security account): call_as DELEGATED_ADMIN. */
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

/** The OU ids in calls of at most MAX_OUS_PER_CALL, in topology order. */
export function ouBatches(options: OrganizationForwardingOptions): string[][] {
  const ids = options.organizationalUnits.map((ou) => ou.id);
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += MAX_OUS_PER_CALL) batches.push(ids.slice(i, i + MAX_OUS_PER_CALL));
  return batches;
}

/**
 * organizationForwarding: a service-managed StackSet whose automatic deployment gives every account
 * of the targeted OUs (now and later) the regional forwarding and its roles, and removes them when
 * the account leaves; stack instances for the OUs x regions, in calls of at most 50 OUs. The plan
 * holds one StackSet and a resource per 50 OUs, whatever the number of accounts or regions.
 */
export class OrganizationForwardingStackSet extends Construct {
  readonly stackSet: CloudformationStackSet;

  constructor(scope: Construct, id: string, props: OrganizationForwardingStackSetProps) {
    super(scope, id);
    if (!props.template.fitsInline) {
      throw new Error(`${props.stackSetName}: the template is ${props.template.sizeInBytes} bytes, over CloudFormation's ${INLINE_TEMPLATE_MAX_BYTES}-byte inline limit; narrow organizationForwarding.forwarding`);
    }
    const callAs = props.delegatedAdmin ? 'DELEGATED_ADMIN' : 'SELF';
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
    });
    ouBatches(props.options).forEach((ous, i) => {
      new CloudformationStackInstances(this, i === 0 ? 'instances' : `instances-${i + 1}`, {
        stackSetName: this.stackSet.name,
        callAs,
        deploymentTargets: { organizationalUnitIds: ous },
        regions: [...props.template.regions],
        operationPreferences: preferences,
      });
    });
  }
}
