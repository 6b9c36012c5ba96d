import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { policyDocument, serviceTrust } from '../iam';
import { EVENTS_SERVICE } from './rule-target';

export interface InvokeRoleProps {
  readonly roleName: string;
  readonly description: string;
  /** The account of the rules. */
  readonly accountId: string;
  /** The rules that may pass the role (aws:SourceArn). */
  readonly ruleArns: readonly string[];
  /** The one action the role allows, on `resource` only. */
  readonly action: string;
  readonly resource: string;
}

/**
 * The role EventBridge assumes to deliver to a target that has no resource policy (an API
 * destination, a state machine): trusted only by the given rules of this account, allowed one
 * action on one resource. Its ids start with `id`, so several live side by side in one scope.
 */
export function invokeRole(scope: Construct, id: string, props: InvokeRoleProps): IamRole {
  const trust = policyDocument(scope, `${id}-trust`, [
    serviceTrust(EVENTS_SERVICE, [
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] },
      { test: 'ArnEquals', variable: 'aws:SourceArn', values: props.ruleArns },
    ]),
  ]);
  const role = new IamRole(scope, id, { name: props.roleName, description: props.description, assumeRolePolicy: trust.json });
  const permissions = policyDocument(scope, `${id}-permissions`, [{ sid: 'InvokeTarget', actions: [props.action], resources: [props.resource] }]);
  new IamRolePolicy(scope, `${id}-policy`, { name: 'invoke-target', role: role.id, policy: permissions.json });
  return role;
}
