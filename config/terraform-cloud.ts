import { roleArn } from './arn';
import { checkedName, NamingError } from './naming';
import { BackendConfig } from './sections/backend';
import { Account, Topology } from './schema';

/**
 * HCP Terraform / Terraform Enterprise facts of a topology with the `cloud` backend: workspace and
 * project names, the workload identity claims a run presents, the per-workspace role names, and
 * the environment variables that turn dynamic provider credentials on. The stacks (bootstrap
 * roles, providers) and `npm run tfc` both read them here, so the trust a role pins and the
 * variable a workspace gets cannot drift apart.
 */

export type CloudBackendConfig = Extract<BackendConfig, { type: 'cloud' }>;

/** The audience HCP Terraform puts in AWS workload identity tokens unless TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE says otherwise. */
export const WORKLOAD_IDENTITY_AUDIENCE = 'aws.workload.identity';

/** The project a workspace belongs to when the backend names none (HCP Terraform's own default). */
export const DEFAULT_PROJECT = 'Default Project';

/** HCP Terraform runs in two phases; each gets its own role, the plan role read-only. */
export const RUN_PHASES = ['plan', 'apply'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** The `cloud` backend of a topology, or undefined for local and S3 state. */
export function cloudBackend(topology: Topology): CloudBackendConfig | undefined {
  return topology.backend.type === 'cloud' ? topology.backend : undefined;
}

/** True when workspaces take AWS credentials from their own roles (the bootstrap stacks exist). */
export function dynamicCredentialsOn(topology: Topology): boolean {
  return cloudBackend(topology)?.dynamicCredentials === true;
}

/** HCP Terraform refuses a longer workspace name (the prefix's characters are checked by the schema). */
export const MAX_WORKSPACE_NAME_LENGTH = 90;

/** `<workspacePrefix><stack>`: the workspace of a stack, as the cloud block selects it and the roles' trust names it. */
export function workspaceName(backend: CloudBackendConfig, stackName: string): string {
  const name = `${backend.workspacePrefix}${stackName}`;
  if (name.length > MAX_WORKSPACE_NAME_LENGTH) {
    throw new NamingError(
      `the HCP Terraform workspace name ${JSON.stringify(name)} is ${name.length} characters, over the limit of ${MAX_WORKSPACE_NAME_LENGTH}; shorten backend.workspacePrefix (${backend.workspacePrefix.length} characters)`,
    );
  }
  return name;
}

export function projectName(backend: CloudBackendConfig): string {
  return backend.project ?? DEFAULT_PROJECT;
}

/** The `sub` claim of a run of a stack's workspace in one phase: what its role's trust pins. */
export function subjectClaim(backend: CloudBackendConfig, stackName: string, phase: RunPhase): string {
  return `organization:${backend.organization}:project:${projectName(backend)}:workspace:${workspaceName(backend, stackName)}:run_phase:${phase}`;
}

/** Every workspace role starts with this; the roles deny themselves IAM writes on it (no self-escalation). */
export function workspaceRolePrefix(topology: Topology): string {
  return `${topology.name}-tfc-`;
}

export function workspaceRoleName(topology: Topology, stackName: string, phase: RunPhase): string {
  return checkedName('iamRole', `${workspaceRolePrefix(topology)}${stackName}-${phase}`);
}

export function workspaceRoleArn(topology: Topology, account: Account, stackName: string, phase: RunPhase): string {
  return roleArn(topology.partition, account.id, workspaceRoleName(topology, stackName, phase));
}

/**
 * The tag of an account's extra dynamic-credentials configuration: the key of
 * `var.tfc_aws_dynamic_credentials.aliases` and the suffix of its TFC_AWS_* variables. HCP
 * Terraform allows letters, digits and underscores; account names hold no underscore, so the
 * mapping is one to one.
 */
export function credentialsTag(account: Account): string {
  return account.name.replace(/-/g, '_');
}

/** A stack as the workspace plan sees it: its own account and the other accounts its providers reach. */
export interface WorkspaceStack {
  readonly stackName: string;
  readonly account: Account;
  readonly otherAccounts: readonly Account[];
}

/**
 * The environment variables of a stack's workspace with dynamic credentials on: the default
 * configuration for the stack's own account, one tagged configuration per other account.
 */
export function dynamicCredentialVariables(topology: Topology, stack: WorkspaceStack): Record<string, string> {
  const variables: Record<string, string> = {};
  const configuration = (account: Account, suffix: string): void => {
    variables[`TFC_AWS_PROVIDER_AUTH${suffix}`] = 'true';
    variables[`TFC_AWS_PLAN_ROLE_ARN${suffix}`] = workspaceRoleArn(topology, account, stack.stackName, 'plan');
    variables[`TFC_AWS_APPLY_ROLE_ARN${suffix}`] = workspaceRoleArn(topology, account, stack.stackName, 'apply');
  };
  configuration(stack.account, '');
  for (const other of stack.otherAccounts) configuration(other, `_${credentialsTag(other)}`);
  return variables;
}
