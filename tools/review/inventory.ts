import { table } from './markdown';
import { StackJson, Synth, providerRegions, regionOf, resourcesOf } from './stack-json';

/** INVENTORY.md: per stack, its backend or workspace and its resources by type and region. */

/** Where a stack's state lives: the Terraform Cloud workspace, the S3 key, or the local file. */
export function backendOf(stack: StackJson): string {
  const backend: Record<string, any> = stack.terraform?.backend ?? {};
  const cloud = stack.terraform?.cloud;
  if (cloud) return `Terraform Cloud ${cloud.hostname ?? 'app.terraform.io'} organization \`${cloud.organization}\`, workspace \`${cloud.workspaces?.name ?? cloud.workspaces?.tags}\``;
  const [type, options] = Object.entries(backend)[0] ?? [];
  if (!type) return 'no backend (local state in the stack directory)';
  if (type === 'remote') return `Terraform remote backend \`${options.organization}\`, workspace \`${options.workspaces?.name ?? options.workspaces?.prefix}\``;
  if (type === 's3') return `S3 \`s3://${options.bucket}/${options.key}\` (${options.region})${options.use_lockfile ? ', S3 lock file' : options.dynamodb_table ? `, lock table ${options.dynamodb_table}` : ''}`;
  if (type === 'local') return `local file \`${options.path}\``;
  return `${type} backend`;
}

export interface StackInventory {
  readonly stack: string;
  readonly backend: string;
  readonly regions: readonly string[];
  /** type -> region -> count */
  readonly counts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly total: number;
  readonly dataSources: number;
  readonly outputs: readonly string[];
}

export function inventoryOf(stackName: string, stack: StackJson): StackInventory {
  const regions = providerRegions(stack);
  const counts = new Map<string, Map<string, number>>();
  let total = 0;
  for (const { type, body } of resourcesOf(stack)) {
    const region = regionOf(body, regions);
    const byRegion = counts.get(type) ?? new Map<string, number>();
    byRegion.set(region, (byRegion.get(region) ?? 0) + 1);
    counts.set(type, byRegion);
    total++;
  }
  const used = new Set([...counts.values()].flatMap((m) => [...m.keys()]));
  const ordered = [...new Set([regions.get('aws') ?? '', ...regions.values()])].filter((r) => used.has(r));
  const dataSources = Object.values<Record<string, unknown>>(stack.data ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  return {
    stack: stackName,
    backend: backendOf(stack),
    regions: ordered,
    counts: new Map([...counts].sort(([a], [b]) => a.localeCompare(b))),
    total,
    dataSources,
    outputs: Object.keys(stack.output ?? {}).sort(),
  };
}

export function inventoryReport(synth: Synth): string {
  const parts = ['# Inventory\n'];
  const inventories = [...synth].map(([name, stack]) => inventoryOf(name, stack));
  parts.push(
    table(
      ['stack', 'resources', 'regions', 'state'],
      inventories.map((i) => [i.stack, String(i.total), i.regions.join(', '), i.backend]),
    ),
  );
  for (const i of inventories) {
    parts.push(`\n## ${i.stack}\n`);
    parts.push(`State: ${i.backend}. ${i.total} resources, ${i.dataSources} data sources${i.outputs.length ? `; outputs: ${i.outputs.map((o) => `\`${o}\``).join(', ')}` : ''}.\n`);
    if (i.total === 0) continue;
    parts.push(
      table(
        ['resource type', ...i.regions, 'total'],
        [...i.counts].map(([type, byRegion]) => [
          `\`${type}\``,
          ...i.regions.map((r) => String(byRegion.get(r) ?? '')),
          String([...byRegion.values()].reduce((a, b) => a + b, 0)),
        ]),
      ),
    );
  }
  return parts.join('\n');
}
