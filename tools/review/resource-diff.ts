import { StackJson, Synth, displayName } from './stack-json';

/**
 * Resources added, removed, changed and moved per stack between two synths, with the attribute
 * paths that changed. Terraform addresses are the identity (a renamed construct id is a remove and
 * an add, exactly as Terraform will plan it), except where the current synth has a `moved` block
 * from the old address: Terraform then keeps the resource, and so does the report. Data sources,
 * providers and the backend count too: a policy document or an assumed role changes there.
 */

export type ResourceChangeKind = 'added' | 'removed' | 'changed' | 'moved';

export interface ResourceChange {
  readonly kind: ResourceChangeKind;
  readonly address: string;
  /** The address in the base synth, for `moved`. */
  readonly from?: string;
  readonly display: string;
  /** Changed attribute paths (for `changed`, and `moved` when the body changed too). */
  readonly attributes: readonly string[];
}

export interface StackDiff {
  readonly stack: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly changes: readonly ResourceChange[];
}

/** At most this many attribute paths per resource; the rest are counted. */
export const MAX_ATTRIBUTE_PATHS = 12;

/** Everything of a stack that Terraform plans, by address; cdktf's "//" metadata left out. */
function addressed(stackName: string, stack: StackJson): Map<string, { display: string; body: unknown }> {
  const entries = new Map<string, { display: string; body: unknown }>();
  for (const [type, byName] of Object.entries<Record<string, any>>(stack.resource ?? {})) {
    for (const [name, body] of Object.entries<Record<string, any>>(byName)) entries.set(`${type}.${name}`, { display: displayName(stackName, `${type}.${name}`, body), body });
  }
  for (const [type, byName] of Object.entries<Record<string, any>>(stack.data ?? {})) {
    for (const [name, body] of Object.entries<Record<string, any>>(byName)) entries.set(`data.${type}.${name}`, { display: `data ${displayName(stackName, `${type}.${name}`, body)}`, body });
  }
  for (const [name, body] of Object.entries(stack.output ?? {})) entries.set(`output.${name}`, { display: `output ${name}`, body });
  for (const provider of [stack.provider?.aws ?? []].flat() as Record<string, any>[]) {
    const address = provider.alias ? `provider.aws.${provider.alias}` : 'provider.aws';
    entries.set(address, { display: address, body: provider });
  }
  entries.set('terraform.backend', { display: 'backend', body: { backend: stack.terraform?.backend, cloud: stack.terraform?.cloud } });
  return entries;
}

/** Paths of the leaves that differ between two values ("tags.Name", "statement[2].actions"). */
export function changedPaths(before: unknown, after: unknown, path = ''): string[] {
  if (before === after) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) return [path || '(value)'];
    return before.flatMap((b, i) => changedPaths(b, after[i], `${path}[${i}]`));
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => k !== '//').sort();
    return keys.flatMap((k) => changedPaths(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path || '(value)'];
}

export function diffStack(stackName: string, base: StackJson | undefined, current: StackJson | undefined): StackDiff {
  const before = base ? addressed(stackName, base) : new Map();
  const after = current ? addressed(stackName, current) : new Map();
  const movedFrom = movedSources(current, before, after);
  const changes: ResourceChange[] = [];
  for (const [address, { display, body }] of after) {
    const from = before.has(address) ? undefined : movedFrom.get(address);
    const old = before.get(from ?? address);
    if (!old) {
      if (base) changes.push({ kind: 'added', address, display, attributes: [] });
      continue;
    }
    const paths = changedPaths(old.body, body);
    if (from) changes.push({ kind: 'moved', address, from, display, attributes: shownPaths(paths) });
    else if (paths.length > 0) changes.push({ kind: 'changed', address, display, attributes: shownPaths(paths) });
  }
  const movedAway = new Set(movedFrom.values());
  if (current) {
    for (const [address, { display }] of before) if (!after.has(address) && !movedAway.has(address)) changes.push({ kind: 'removed', address, display, attributes: [] });
  }
  const status = !base ? 'added' : !current ? 'removed' : changes.length > 0 ? 'changed' : 'unchanged';
  return { stack: stackName, status, changes: changes.sort((a, b) => a.address.localeCompare(b.address)) };
}

function shownPaths(paths: string[]): string[] {
  const shown = paths.slice(0, MAX_ATTRIBUTE_PATHS);
  if (paths.length > shown.length) shown.push(`… ${paths.length - shown.length} more`);
  return shown;
}

/** New address -> old, for the current synth's `moved` blocks whose old address the base has and the current one does not. */
function movedSources(current: StackJson | undefined, before: ReadonlyMap<string, unknown>, after: ReadonlyMap<string, unknown>): Map<string, string> {
  const sources = new Map<string, string>();
  for (const block of [current?.moved ?? []].flat() as { from?: unknown; to?: unknown }[]) {
    if (typeof block.from === 'string' && typeof block.to === 'string' && before.has(block.from) && !after.has(block.from)) sources.set(block.to, block.from);
  }
  return sources;
}

export function diffSynths(base: Synth, current: Synth): StackDiff[] {
  const names = [...new Set([...base.keys(), ...current.keys()])].sort();
  return names.map((name) => diffStack(name, base.get(name), current.get(name)));
}
