import { blocksOf, suppressionsOf } from '../../stacks/scanner-suppressions';
import { table } from './markdown';
import { Synth, displayName } from './stack-json';

/**
 * SCANNER.md: the checks a policy scanner (checkov) still fails on, the blocks each is justified
 * on and why, as synth wrote them (stacks/scanner-justifications.ts); with a base synth, which
 * justifications a change added or removed, so none slips in unreviewed.
 */

export interface JustifiedBlock {
  readonly check: string;
  /** `resource aws_x` / `data aws_y`. */
  readonly type: string;
  /** `<stack>: <construct path>`. */
  readonly resource: string;
  readonly reason: string;
}

/** Every justification written in a synth, by check, type and resource. */
export function justifiedBlocks(synth: Synth): JustifiedBlock[] {
  const found: JustifiedBlock[] = [];
  for (const [stackName, stack] of synth) {
    for (const block of blocksOf(stack)) {
      const address = `${block.kind === 'data' ? 'data.' : ''}${block.type}.${block.name}`;
      for (const [check, reason] of Object.entries(suppressionsOf(block.body))) {
        found.push({ check, type: `${block.kind} ${block.type}`, resource: `${stackName}: ${displayName(stackName, address, block.body)}`, reason });
      }
    }
  }
  return found.sort((a, b) => a.check.localeCompare(b.check) || a.type.localeCompare(b.type) || a.resource.localeCompare(b.resource));
}

export function scannerReport(current: Synth, base?: Synth): string {
  const blocks = justifiedBlocks(current);
  const groups = new Map<string, JustifiedBlock[]>();
  for (const b of blocks) {
    const key = `${b.check}\u0000${b.type}\u0000${b.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  const rows = [...groups.values()].map((g) => [g[0].check, g[0].type, g.map((b) => b.resource).join('\n'), g[0].reason]);
  const parts = [
    '# Scanner justifications\n',
    'Checks checkov still fails on this synth, each justified where it fails: `npm run synth:hcl` writes',
    '`# checkov:skip=<check>:<reason>` inside the block (the JSON keeps it under the block\'s `//` key).',
    'The table of reasons is stacks/scanner-justifications.ts; docs/review.md has the whole scan.\n',
    rows.length ? table(['check', 'type', 'resources', 'reason'], rows) : 'No justifications.\n',
  ];
  if (base) parts.push(changesSection(justifiedBlocks(base), blocks));
  return parts.join('\n');
}

/** Justifications added or removed against the base, one row per check and resource. */
function changesSection(before: readonly JustifiedBlock[], after: readonly JustifiedBlock[]): string {
  const key = (b: JustifiedBlock) => `${b.check} ${b.resource}`;
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  const rows = [
    ...after.filter((b) => !beforeKeys.has(key(b))).map((b) => ['added', b.check, b.resource, b.reason]),
    ...before.filter((b) => !afterKeys.has(key(b))).map((b) => ['removed', b.check, b.resource, b.reason]),
  ];
  return `## Against the base\n\n${rows.length ? table(['change', 'check', 'resource', 'reason'], rows) : 'No justification added or removed.\n'}`;
}
