import { App } from 'cdktf';
import { DEFAULT_TOPOLOGY_NAME, TOPOLOGY_ENV, topologySource } from '../../config/load';
import { TopologyError } from '../../config/problems';
import { Topology } from '../../config/schema';
import { CloudBackendConfig, cloudBackend, dynamicCredentialVariables, projectName, workspaceName } from '../../config/terraform-cloud';
import { buildStacks } from '../../stacks/app';
import { TrailbridgeStack } from '../../stacks/trailbridge-stack';

/** One stack's HCP Terraform workspace: what a script feeding the API (or the tfe provider) creates. */
export interface Workspace {
  readonly stack: string;
  readonly workspace: string;
  readonly project: string;
  /** The account the stack deploys into (name and id). */
  readonly account: { readonly name: string; readonly id: string };
  /** Relative to the repository root, after `npm run synth`. */
  readonly workingDirectory: string;
  /** Environment variables (category "env"): the dynamic-credentials configurations. */
  readonly environment: Readonly<Record<string, string>>;
  /** Workspaces whose successful apply queues a run of this one (its stack's dependencies). */
  readonly runTriggers: readonly string[];
}

export interface WorkspacePlan {
  readonly organization: string;
  readonly hostname: string;
  readonly project: string;
  readonly dynamicCredentials: boolean;
  /** Stacks the operator applies first, locally, with an administrator's credentials. */
  readonly bootstrapStacks: readonly string[];
  readonly workspaces: readonly Workspace[];
}

/**
 * The topology's cloud backend, or a TopologyError at backend.type, naming the topology's file,
 * saying how to switch to it (with the embedded default, there is no file to edit: write one).
 */
export function requireCloudBackend(topology: Topology): CloudBackendConfig {
  const backend = cloudBackend(topology);
  if (backend) return backend;
  const file = topologySource(topology);
  // The schema fills in { "type": "local" } for a topology without backend.
  const received = topology.backend.type === 'local' ? '"local" (also when backend is left out)' : JSON.stringify(topology.backend.type);
  const fix =
    file === DEFAULT_TOPOLOGY_NAME
      ? `; ${TOPOLOGY_ENV} names no topology file: write one with that backend and set ${TOPOLOGY_ENV} to it (docs/terraform-cloud.md)`
      : ' (docs/terraform-cloud.md)';
  throw new TopologyError(file, [
    {
      path: 'backend.type',
      message: `is ${received}; npm run tfc describes HCP Terraform workspaces, which only the cloud backend has: set backend to { "type": "cloud", "organization": "<org>", "dynamicCredentials": true }${fix}`,
    },
  ]);
}

/** The workspace plan of a topology: builds its stacks (no synth) and reads names, accounts and dependencies. */
export function workspacePlan(topology: Topology): WorkspacePlan {
  const backend = requireCloudBackend(topology);
  const stacks = buildStacks(new App(), topology);
  const workspaceOf = new Map(stacks.workspaces.map((s) => [s, workspaceName(backend, s.stackName)]));
  const workspaces = stacks.workspaces.map((stack): Workspace => ({
    stack: stack.stackName,
    workspace: workspaceOf.get(stack)!,
    project: projectName(backend),
    account: { name: stack.account.name, id: stack.account.id },
    workingDirectory: `cdktf.out/stacks/${stack.stackName}`,
    environment: backend.dynamicCredentials ? dynamicCredentialVariables(topology, stack) : {},
    runTriggers: stack.dependencies
      .map((d) => workspaceOf.get(d as TrailbridgeStack))
      .filter((w): w is string => w !== undefined)
      .sort(),
  }));
  return {
    organization: backend.organization,
    hostname: backend.hostname,
    project: projectName(backend),
    dynamicCredentials: backend.dynamicCredentials,
    bootstrapStacks: stacks.bootstrap.map((s) => s.stackName),
    workspaces,
  };
}

/** The plan for a reader: one block per workspace. */
export function formatWorkspacePlan(plan: WorkspacePlan): string {
  const lines = [`HCP Terraform ${plan.hostname}, organization ${plan.organization}, project ${plan.project}`];
  if (plan.dynamicCredentials) lines.push(`first, with an administrator's credentials: cdktf deploy ${plan.bootstrapStacks.join(' ')}`);
  else lines.push('dynamic credentials are off: each workspace needs AWS credentials of its own (backend.dynamicCredentials: true generates them)');
  for (const w of plan.workspaces) {
    lines.push('', `${w.workspace}  (stack ${w.stack}, account ${w.account.name} ${w.account.id})`, `  working directory: ${w.workingDirectory}`);
    lines.push(`  run triggers (applies that queue a run): ${w.runTriggers.length ? w.runTriggers.join(', ') : 'none'}`);
    for (const [name, value] of Object.entries(w.environment)) lines.push(`  env ${name}=${value}`);
  }
  return lines.join('\n');
}
