import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { RUN_PHASES, RunPhase, WORKLOAD_IDENTITY_AUDIENCE } from '../../config/terraform-cloud';
import { Statement, policyDocument } from './iam';
import { PermissionScope, actionsFor, workspaceStatements } from './resource-permissions';

export interface WorkspaceRolesProps {
  /** The workspace's stack, for descriptions and error messages. */
  readonly stackName: string;
  /** The HCP Terraform host name, without scheme: the prefix of the token's claim keys. */
  readonly hostname: string;
  readonly oidcProviderArn: string;
  /** Role name and `sub` claim of each run phase. */
  readonly roleName: (phase: RunPhase) => string;
  readonly subject: (phase: RunPhase) => string;
  /** The resource and data source types the stack holds in this account. */
  readonly resourceTypes: readonly string[];
  readonly scope: PermissionScope;
  /** Prefix of every workspace role's name: no role may write IAM on these. */
  readonly workspaceRolePrefix: string;
}

/** A web identity trust that admits one workspace's runs of one phase, and nothing else. */
export function workspaceTrust(hostname: string, oidcProviderArn: string, subject: string): Statement {
  return {
    sid: 'TrustWorkspaceRunPhase',
    actions: ['sts:AssumeRoleWithWebIdentity'],
    principals: [{ type: 'Federated', identifiers: [oidcProviderArn] }],
    conditions: [
      { test: 'StringEquals', variable: `${hostname}:aud`, values: [WORKLOAD_IDENTITY_AUDIENCE] },
      { test: 'StringEquals', variable: `${hostname}:sub`, values: [subject] },
    ],
  };
}

/**
 * One workspace's roles in one account: a plan role that reads what the stack's resources need
 * refreshed, and an apply role that also creates, updates, deletes and tags them. Each trusts only
 * its own run phase of its own workspace (StringEquals, no wildcard), so a plan (which runs
 * any code in a pull request's configuration) never holds write credentials.
 */
export class WorkspaceRoles extends Construct {
  readonly roles: Readonly<Record<RunPhase, IamRole>>;

  constructor(scope: Construct, id: string, props: WorkspaceRolesProps) {
    super(scope, id);
    const roles = {} as Record<RunPhase, IamRole>;
    for (const phase of RUN_PHASES) {
      const actions = actionsFor(props.resourceTypes, phase, `stack ${props.stackName}`);
      const role = new IamRole(this, `${phase}-role`, {
        name: props.roleName(phase),
        description: `HCP Terraform ${phase} runs of the workspace of stack ${props.stackName} (dynamic provider credentials)`,
        assumeRolePolicy: policyDocument(this, `${phase}-trust`, [workspaceTrust(props.hostname, props.oidcProviderArn, props.subject(phase))]).json,
        maxSessionDuration: 3600,
      });
      if (actions.length > 0) {
        new IamRolePolicy(this, `${phase}-policy`, {
          role: role.name,
          name: `terraform-${phase}`,
          policy: policyDocument(this, `${phase}-permissions`, workspaceStatements(actions, props.scope, props.workspaceRolePrefix)).json,
        });
      }
      roles[phase] = role;
    }
    this.roles = roles;
  }
}
