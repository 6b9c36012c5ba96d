import { App } from 'cdktf';
import { Naming } from '../config/naming';
import { Topology } from '../config/schema';
import { IncidentResponseStack } from './incident-response-stack';
import { LogArchiveStack } from './log-archive-stack';
import { ObservabilityStack } from './observability-stack';
import { OrganizationForwardingStack } from './organization-forwarding-stack';
import { OrganizationTrailStack } from './organization-trail-stack';
import { SecurityEventsStack } from './security-events-stack';
import { SourceStack } from './source-stack';
import { TrailbridgeStack } from './trailbridge-stack';
import { sourceAccounts } from '../config/accounts';
import { cloudBackend, dynamicCredentialsOn } from '../config/terraform-cloud';
import { BootstrapStack } from './bootstrap-stack';

export interface TrailbridgeStacks {
  readonly logArchive: LogArchiveStack;
  readonly securityEvents: SecurityEventsStack;
  readonly observability: ObservabilityStack;
  readonly incidentResponse: IncidentResponseStack;
  readonly sources: readonly SourceStack[];
  /** The organization trail, in organization mode only. */
  readonly organizationTrail?: OrganizationTrailStack;
  /** One per account the workspaces reach, with dynamic credentials on only. */
  readonly bootstrap: readonly BootstrapStack[];
  /** The stacks that map to HCP Terraform workspaces (all but the bootstrap stacks). */
  readonly workspaces: readonly TrailbridgeStack[];
  /** The organization's forwarding StackSet, with organizationForwarding only. */
  readonly organizationForwarding?: OrganizationForwardingStack;
  readonly all: readonly TrailbridgeStack[];
}

/**
 * Every stack of a topology, with the dependencies that give `cdktf deploy '*'` a working order:
 * the buckets, key and topic exist before trails write to them and the forwarder subscribes; the
 * central bus and its policy exist before source rules target it. Cross-stack values come from
 * the naming module, so the dependencies order deploys and never pass state.
 */
export function buildStacks(app: App, topology: Topology): TrailbridgeStacks {
  const naming = new Naming(topology);
  const logArchive = new LogArchiveStack(app, topology, naming);
  const securityEvents = new SecurityEventsStack(app, topology, naming);
  const observability = new ObservabilityStack(app, topology, naming);
  observability.addDependency(logArchive);
  const incidentResponse = new IncidentResponseStack(app, topology, naming);
  const sources = sourceAccounts(topology).map((source) => {
    const stack = new SourceStack(app, topology, naming, source);
    stack.addDependency(logArchive);
    stack.addDependency(securityEvents);
    return stack;
  });
  let organizationTrail: OrganizationTrailStack | undefined;
  if (topology.trails.mode === 'organization') {
    organizationTrail = new OrganizationTrailStack(app, topology, naming);
    organizationTrail.addDependency(logArchive);
  }
  let organizationForwarding: OrganizationForwardingStack | undefined;
  if (topology.organizationForwarding) {
    organizationForwarding = new OrganizationForwardingStack(app, topology, naming);
    organizationForwarding.addDependency(securityEvents);
  }
  const workspaces = [
    logArchive,
    securityEvents,
    observability,
    incidentResponse,
    ...sources,
    ...(organizationTrail ? [organizationTrail] : []),
    ...(organizationForwarding ? [organizationForwarding] : []),
  ];
  const bootstrap = dynamicCredentialsOn(topology) ? buildBootstrapStacks(app, topology, naming, workspaces) : [];
  return { logArchive, securityEvents, observability, incidentResponse, sources, organizationTrail, organizationForwarding, bootstrap, workspaces, all: [...workspaces, ...bootstrap] };
}

/**
 * A bootstrap stack for every account a workspace reaches, built after the workspaces' stacks
 * (their resource types decide the roles' permissions); each workspace depends on the bootstrap
 * of every account it reaches, so `cdktf deploy '*'` creates the roles first.
 */
function buildBootstrapStacks(app: App, topology: Topology, naming: Naming, workspaces: readonly TrailbridgeStack[]): BootstrapStack[] {
  const backend = cloudBackend(topology)!;
  const reaches = (stack: TrailbridgeStack, accountId: string) => stack.account.id === accountId || stack.otherAccounts.some((a) => a.id === accountId);
  return topology.accounts
    .filter((account) => workspaces.some((s) => reaches(s, account.id)))
    .map((account) => {
      const workloads = workspaces.filter((s) => reaches(s, account.id));
      const bootstrap = new BootstrapStack(app, topology, naming, backend, account, workloads);
      for (const stack of workloads) stack.addDependency(bootstrap);
      return bootstrap;
    });
}
