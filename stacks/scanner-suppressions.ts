import { Construct, IConstruct } from 'constructs';
import { Topology } from '../config/schema';
import { JUSTIFICATIONS, Justification, JsonObject, StackBlocks, TerraformBlock } from './scanner-justifications';

/**
 * Applies the scanner justifications (./scanner-justifications.ts) to a stack's Terraform JSON:
 * each block the justified check fails on gets `"//": { "checkov": { "<check>": "<reason>" } }`,
 * which Terraform ignores, `npm run synth:hcl` writes as `# checkov:skip=<check>:<reason>` inside
 * the block, and the review sheet lists.
 */

/** Where the justifications of a block sit under its `//` key. */
export const SUPPRESSIONS_KEY = 'checkov';

export interface AppliedJustifications {
  /** `resource:aws_x` / `data:aws_y` of every block of the stack. */
  readonly blockTypes: ReadonlySet<string>;
  /** The justifications written on at least one block. */
  readonly applied: ReadonlySet<Justification>;
}

/** Every resource and data block of a Terraform JSON document. */
export function blocksOf(doc: JsonObject): TerraformBlock[] {
  const blocks: TerraformBlock[] = [];
  for (const kind of ['resource', 'data'] as const) {
    for (const [type, byName] of Object.entries(asObject(doc[kind]))) {
      for (const [name, body] of Object.entries(asObject(byName))) blocks.push({ kind, type, name, body: asObject(body) });
    }
  }
  return blocks;
}

/** The justifications whose check fails on the block, in table order. */
export function justificationsFor(block: TerraformBlock, stack: StackBlocks, table: readonly Justification[] = JUSTIFICATIONS): Justification[] {
  return table.filter((j) => j.kind === block.kind && j.type === block.type && j.fails(block, stack));
}

/** Writes the justifications into the document (under each block's `//` key) and says which applied. */
export function applyJustifications(doc: JsonObject, table: readonly Justification[] = JUSTIFICATIONS): AppliedJustifications {
  const stack: StackBlocks = { blocks: blocksOf(doc) };
  const applied = new Set<Justification>();
  for (const block of stack.blocks) {
    const found = justificationsFor(block, stack, table);
    if (found.length === 0) continue;
    const comment = asObject(block.body['//']);
    comment[SUPPRESSIONS_KEY] = Object.fromEntries(found.map((j) => [j.check, j.reason]));
    block.body['//'] = comment;
    for (const j of found) applied.add(j);
  }
  return { blockTypes: new Set(stack.blocks.map((b) => `${b.kind}:${b.type}`)), applied };
}

/** The justifications written on a block (check id -> reason), as applyJustifications left them. */
export function suppressionsOf(body: JsonObject): Record<string, string> {
  const comment = body['//'];
  const suppressions = comment && typeof comment === 'object' && !Array.isArray(comment) ? comment[SUPPRESSIONS_KEY] : undefined;
  return suppressions && typeof suppressions === 'object' && !Array.isArray(suppressions)
    ? Object.fromEntries(Object.entries(suppressions).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};
}

/**
 * Justifications that no longer apply: their check fails on no block of their type although
 * such blocks exist, and the topology has not turned on what resolves them.
 */
export function staleJustifications(stacks: readonly AppliedJustifications[], topology: Topology, table: readonly Justification[] = JUSTIFICATIONS): string[] {
  const present = new Set(stacks.flatMap((s) => [...s.blockTypes]));
  const applied = new Set(stacks.flatMap((s) => [...s.applied]));
  return table
    .filter((j) => present.has(`${j.kind}:${j.type}`) && !applied.has(j) && !j.resolvedBy?.(topology))
    .map(
      (j) =>
        `stacks/scanner-justifications.ts: ${j.check} on ${j.kind} ${j.type} no longer applies: the check passes on every ${j.type} of the topology; delete the justification (and its line in docs/review.md)`,
    );
}

const LEDGER_ID = 'scanner-justifications';

/**
 * Collects what each stack's synth applied and, once every stack is synthesized, fails the app's
 * validation with the stale justifications. One per app, a child of its root.
 */
export class JustificationLedger extends Construct {
  private readonly stacks = new Map<string, AppliedJustifications>();

  /** The app's ledger; the first call creates it, with the given table (tests give their own). */
  static of(scope: IConstruct, topology: Topology, table: readonly Justification[] = JUSTIFICATIONS): JustificationLedger {
    const root = scope.node.root;
    return (root.node.tryFindChild(LEDGER_ID) as JustificationLedger | undefined) ?? new JustificationLedger(root as Construct, topology, table);
  }

  private constructor(root: Construct, topology: Topology, readonly table: readonly Justification[]) {
    super(root, LEDGER_ID);
    root.node.addValidation({ validate: () => (this.stacks.size ? staleJustifications([...this.stacks.values()], topology, table) : []) });
  }

  record(stackName: string, applied: AppliedJustifications): void {
    this.stacks.set(stackName, applied);
  }
}

function asObject(value: unknown): JsonObject {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}
