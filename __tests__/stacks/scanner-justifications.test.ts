import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { readTopologyFile } from '../../config/load';
import { Topology } from '../../config/schema';
import { PROJECT_ROOT } from '../../config/paths';
import { buildStacks } from '../../stacks/app';
import { JUSTIFICATIONS, Justification } from '../../stacks/scanner-justifications';
import { JustificationLedger, applyJustifications, blocksOf, staleJustifications, suppressionsOf } from '../../stacks/scanner-suppressions';
import { synthHcl } from '../../tools/synth-hcl';
import { describeWithTool } from '../support/required-tools';
import { topologyWith } from '../support/synth';

const EXAMPLE = join(PROJECT_ROOT, 'examples', 'topology.example.json');

interface Skip {
  readonly file: string;
  readonly check: string;
  readonly reason: string;
  /** The header of the top-level block the comment stands in, e.g. `resource "aws_lambda_function" "x" {`. */
  readonly block: string;
  readonly kind: string;
  readonly type: string;
}

/** Every `# checkov:skip` line of an HCL file, with the top-level block it stands in (or none). */
function skipsIn(file: string, hcl: string): Skip[] {
  const skips: Skip[] = [];
  let open: string | undefined;
  for (const line of hcl.split('\n')) {
    if (/^(resource|data|provider|variable|output|locals|terraform)\b.*\{$/.test(line)) open = line;
    else if (line === '}') open = undefined;
    const skip = /^\s*# checkov:skip=([A-Z0-9_]+):(.*)$/.exec(line);
    if (!skip) continue;
    const header = /^(resource|data) "([^"]+)" "[^"]+" \{$/.exec(open ?? '');
    skips.push({ file, check: skip[1], reason: skip[2], block: open ?? '(outside any block)', kind: header?.[1] ?? '', type: header?.[2] ?? '' });
  }
  return skips;
}

describeWithTool('terraform', 'scanner justifications in the HCL', () => {
  const work = mkdtempSync(join(tmpdir(), 'trailbridge-scanner-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const cases: [string, () => Topology][] = [
    ['the default topology', () => topologyWith()],
    ['examples/topology.example.json', () => readTopologyFile(EXAMPLE)],
  ];

  test.each(cases)('%s: every suppression stands inside a block the table lists for its check, with the table\'s reason', async (label, topology) => {
    const written = await synthHcl(topology(), join(work, label.replace(/\W+/g, '-')));
    const skips = [...written.values()].flatMap((file) => skipsIn(file, readFileSync(file, 'utf8')));
    expect(skips.length).toBeGreaterThan(20);
    for (const skip of skips) {
      const listed = JUSTIFICATIONS.filter((j) => j.check === skip.check);
      expect({ skip, known: listed.length > 0 }).toEqual({ skip, known: true });
      const entry = listed.find((j) => j.kind === skip.kind && j.type === skip.type);
      // Inside a resource or data block (checkov ignores a comment above the block), of a kind the table names for the check.
      expect({ skip, listedFor: entry ? `${entry.kind} ${entry.type}` : undefined }).toEqual({ skip, listedFor: `${skip.kind} ${skip.type}` });
      expect(skip.reason).toBe(entry!.reason);
      expect(skip.reason.trim().length).toBeGreaterThan(20);
    }
    // One comment per check id and block.
    const perBlock = skips.map((s) => `${s.file} ${s.block} ${s.check}`);
    expect(new Set(perBlock).size).toBe(perBlock.length);
  });

  test('the default topology carries exactly the justifications docs/review.md lists, on the blocks the scan found', async () => {
    const written = await synthHcl(topologyWith(), join(work, 'default-docs'));
    const skips = [...written.values()].flatMap((file) => skipsIn(file, readFileSync(file, 'utf8')));
    const checks = [...new Set(skips.map((s) => s.check))].sort();
    const docs = readFileSync(join(PROJECT_ROOT, 'docs', 'review.md'), 'utf8');
    const justified = docs.slice(docs.indexOf('### Justified'), docs.indexOf('### Running checkov'));
    const documented = [...new Set([...justified.matchAll(/^\| `(CKV2?_AWS_\d+)`/gm)].map((m) => m[1]))].sort();
    expect(documented).toEqual(checks);
    // The function findings of the scan, inside the aws_lambda_function blocks: every function of
    // the default topology (forwarder, bucket-logger and, with its report-mode responses, the responder).
    const lambdaSkips = skips.filter((s) => s.type === 'aws_lambda_function');
    expect([...new Set(lambdaSkips.map((s) => s.check))].sort()).toEqual(['CKV_AWS_116', 'CKV_AWS_117', 'CKV_AWS_272', 'CKV_AWS_50']);
    const functionBlocks = [...written.values()].flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^resource "aws_lambda_function" "[^"]+" \{$/gm)].map((m) => m[0]));
    expect(functionBlocks.length).toBeGreaterThanOrEqual(3);
    expect([...new Set(lambdaSkips.map((s) => s.block))].sort()).toEqual([...new Set(functionBlocks)].sort());
  });
});

/** Stack name -> Terraform JSON with cdktf's `//` metadata, where the justifications are (Testing.synth drops it). */
function synthWithMetadata(topology: Topology = topologyWith()): Map<string, Record<string, any>> {
  const stacks = buildStacks(Testing.app(), topology);
  return new Map(stacks.all.map((stack) => [stack.stackName, JSON.parse(JSON.stringify(stack.toTerraform()))]));
}

function only(synth: Map<string, Record<string, any>>, stack: string, type: string): Record<string, any> {
  const found = Object.values<Record<string, any>>(synth.get(stack)?.resource?.[type] ?? {});
  if (found.length !== 1) throw new Error(`${stack}: expected one ${type}, found ${found.length}`);
  return found[0];
}

describe('scanner justifications: where they apply', () => {
  const synth = synthWithMetadata();
  const all = [...synth.values()];

  test('no block carries a justification for a check the scan fixed', () => {
    const fixed = ['CKV_AWS_115', 'CKV_AWS_158', 'CKV_AWS_173', 'CKV_AWS_337'];
    const checks = all.flatMap((doc) => blocksOf(doc).flatMap((b) => Object.keys(suppressionsOf(b.body))));
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.filter((c) => fixed.includes(c))).toEqual([]);
  });

  test('policy documents that are not key policies carry none', () => {
    const observability = synth.get('observability')!;
    const forwarderPolicy = Object.entries<any>(observability.data.aws_iam_policy_document).find(([name]) => name.startsWith('forwarder_policy_'))![1];
    expect(forwarderPolicy['//'].checkov).toBeUndefined();
    const keyPolicy = Object.entries<any>(observability.data.aws_iam_policy_document).find(([name]) => name.startsWith('progress_key-policy_'))![1];
    expect(Object.keys(keyPolicy['//'].checkov)).toEqual(['CKV_AWS_109', 'CKV_AWS_111', 'CKV_AWS_356']);
  });

  test('switching tracing and code signing on removes their justifications, and synth accepts that', () => {
    const topology = topologyWith((t) => (t.functions = { tracing: true, codeSigning: true }));
    const switched = synthWithMetadata(topology);
    const fn = only(switched, 'observability', 'aws_lambda_function');
    expect(fn.tracing_config).toEqual({ mode: 'Active' });
    expect(fn.code_signing_config_arn).toMatch(/^\$\{aws_lambda_code_signing_config\./);
    expect(Object.keys(fn['//'].checkov)).toEqual(['CKV_AWS_116', 'CKV_AWS_117']);
    const app = Testing.app();
    buildStacks(app, topology);
    expect(() => app.synth()).not.toThrow();
  });

  test('a trail delivering to CloudWatch Logs loses the CKV2_AWS_10 justification, the other trail keeps it', () => {
    const withLogs = synthWithMetadata(topologyWith((t) => (t.accounts[0].source!.cloudWatchLogs = {})));
    expect(Object.keys(only(withLogs, 'source-test', 'aws_cloudtrail')['//'].checkov)).toEqual(['CKV_AWS_252']);
    expect(Object.keys(only(withLogs, 'source-prod', 'aws_cloudtrail')['//'].checkov)).toEqual(['CKV2_AWS_10', 'CKV_AWS_252']);
  });
});

describe('scanner justifications: stale ones stop synth', () => {
  const stale: Justification = { check: 'CKV_AWS_999', kind: 'resource', type: 'aws_lambda_function', reason: 'a reason for a check that now passes', fails: () => false };

  test('a justification whose check fails on no block of its type is named, with the fix', () => {
    const applied = applyJustifications({ resource: { aws_lambda_function: { f: { function_name: 'x' } } } }, [stale]);
    expect(staleJustifications([applied], topologyWith(), [stale])).toEqual([
      expect.stringMatching(/^stacks\/scanner-justifications\.ts: CKV_AWS_999 on resource aws_lambda_function no longer applies: .*delete the justification/),
    ]);
  });

  test('it is not stale while no block of its type exists, or while the topology resolves it', () => {
    const noLambda = applyJustifications({ resource: { aws_sqs_queue: { q: { name: 'q' } } } }, [stale]);
    expect(staleJustifications([noLambda], topologyWith(), [stale])).toEqual([]);
    const withLambda = applyJustifications({ resource: { aws_lambda_function: { f: {} } } }, [stale]);
    expect(staleJustifications([withLambda], topologyWith(), [{ ...stale, resolvedBy: () => true }])).toEqual([]);
  });

  test('app synth fails with the stale justification', () => {
    const app = Testing.app();
    JustificationLedger.of(app, topologyWith(), [...JUSTIFICATIONS, stale]);
    buildStacks(app, topologyWith());
    expect(() => app.synth()).toThrow(/CKV_AWS_999 on resource aws_lambda_function no longer applies/);
  });

  test('the table itself is not stale for the default topology (synth passes)', () => {
    const app = Testing.app();
    buildStacks(app, topologyWith());
    expect(() => app.synth()).not.toThrow();
  });
});
