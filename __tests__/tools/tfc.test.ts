import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseTopology } from '../../config/load';
import { TopologyError } from '../../config/problems';
import { Topology } from '../../config/schema';
import { synthTopology } from '../../tools/lib/synth';
import { UsageError } from '../../tools/lib/cli';
import { main } from '../../tools/tfc';
import { WorkspacePlan, workspacePlan } from '../../tools/tfc/workspaces';
import { defaultTopologyInput, synthesize, topologyWith } from '../support/synth';
import { defaultCloudTopology, exampleTopology } from '../support/topologies';

const ROOT = join(__dirname, '..', '..');
const UPDATE_COMMAND = `UPDATE_GOLDEN=1 npx jest ${relative(ROOT, __filename)}`;

const CASES: [string, string, () => Topology][] = [
  ['the default accounts on HCP Terraform', 'tfc-workspaces.default.json', () => defaultCloudTopology()],
  ['examples/topology.example.json', 'tfc-workspaces.example.json', () => exampleTopology()],
];

describe('npm run tfc -- workspaces --json', () => {
  test.each(CASES)('for %s equals the committed expectation', (_label, file, topology) => {
    const golden = join(__dirname, '__golden__', file);
    const json = `${JSON.stringify(workspacePlan(topology()), null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, json);
    if (!existsSync(golden)) throw new Error(`no expectation ${golden}; create it with: ${UPDATE_COMMAND}`);
    if (json !== readFileSync(golden, 'utf8')) {
      throw new Error(`npm run tfc -- workspaces --json differs from ${relative(ROOT, golden)}; if the change is intended: ${UPDATE_COMMAND}, and commit the file`);
    }
  });

  test.each(CASES)('for %s has the run triggers the synthesized stacks depend on (cdktf manifest)', (_label, _file, topology) => {
    const t = topology();
    const plan = workspacePlan(t);
    const outdir = mkdtempSync(join(tmpdir(), 'tfc-manifest-'));
    try {
      synthTopology({ topology: t, outdir });
      const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies: string[] }> };
      const workspaceOf = new Map(plan.workspaces.map((w) => [w.stack, w.workspace]));
      const fromManifest = Object.entries(manifest.stacks)
        .filter(([stack]) => workspaceOf.has(stack))
        .map(([stack, s]) => [workspaceOf.get(stack)!, s.dependencies.filter((d) => workspaceOf.has(d)).map((d) => workspaceOf.get(d)!).sort()]);
      expect(fromManifest.length).toBe(plan.workspaces.length);
      expect(fromManifest.some(([, deps]) => deps.length > 0)).toBe(true);
      expect(Object.fromEntries(plan.workspaces.map((w) => [w.workspace, w.runTriggers]))).toEqual(Object.fromEntries(fromManifest));
      // The stacks outside the plan are exactly the bootstrap stacks, which trigger nothing.
      expect(Object.keys(manifest.stacks).filter((s) => !workspaceOf.has(s)).sort()).toEqual([...plan.bootstrapStacks].sort());
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test.each(CASES)('for %s names the role ARNs the bootstrap stacks create, with the workspace names the cloud blocks select', (_label, _file, topology) => {
    const t = topology();
    const plan: WorkspacePlan = workspacePlan(t);
    const synth = synthesize(t);
    let checked = 0;
    for (const w of plan.workspaces) {
      expect(synth.stack(w.stack).json.terraform.cloud.workspaces.name).toBe(w.workspace);
      const bootstrap = synth.stack(`bootstrap-${w.account.name}`);
      const created = new Set(bootstrap.resources('aws_iam_role').map(([, r]) => `arn:aws:iam::${w.account.id}:role/${r.name}`));
      for (const key of ['TFC_AWS_PLAN_ROLE_ARN', 'TFC_AWS_APPLY_ROLE_ARN']) {
        expect([w.stack, key, created.has(w.environment[key])]).toEqual([w.stack, key, true]);
        checked++;
      }
      expect(w.environment.TFC_AWS_PROVIDER_AUTH).toBe('true');
    }
    expect(checked).toBe(plan.workspaces.length * 2);
  });

  test('without dynamic credentials the workspaces need no variables and there is no bootstrap', () => {
    const plan = workspacePlan(defaultCloudTopology({ dynamicCredentials: false }));
    expect(plan.bootstrapStacks).toEqual([]);
    expect(plan.workspaces.map((w) => w.environment)).toEqual(plan.workspaces.map(() => ({})));
    expect(plan.workspaces.find((w) => w.stack === 'source-test')!.runTriggers).toEqual(['trailbridge-log-archive', 'trailbridge-security-events']);
  });

  test('a workspace name over the 90 characters HCP Terraform allows fails, naming the workspace and backend.workspacePrefix, in the plan and in the cloud blocks alike', () => {
    // 75 + "incident-response" is 92; the other stacks' names fit.
    const topology = defaultCloudTopology({ workspacePrefix: 'w'.repeat(75) });
    const expected = /^the HCP Terraform workspace name "w{75}incident-response" is 92 characters, over the limit of 90; shorten backend\.workspacePrefix \(75 characters\)$/;
    expect(() => workspacePlan(topology)).toThrow(expected);
    expect(() => synthesize(topology)).toThrow(expected);
  });

  test('a topology without the cloud backend is a topology error naming the file, the JSON path backend.type and what to set', () => {
    const error = (topology: Topology): TopologyError => {
      try {
        workspacePlan(topology);
      } catch (err) {
        return err as TopologyError;
      }
      throw new Error('workspacePlan accepted a topology without the cloud backend');
    };
    const local = error(topologyWith());
    expect(local).toBeInstanceOf(TopologyError);
    expect(local.file).toBe('test topology');
    expect(local.problems.map((p) => p.path)).toEqual(['backend.type']);
    expect(local.message).toMatch(
      /^test topology: 1 problem in the topology\n {2}- backend\.type: is "local" \(also when backend is left out\); npm run tfc describes HCP Terraform workspaces, which only the cloud backend has: set backend to \{ "type": "cloud", "organization": "<org>", "dynamicCredentials": true \} \(docs\/terraform-cloud\.md\)$/,
    );
    const s3 = error(topologyWith((t) => (t.backend = { type: 's3', bucket: 'state-bucket', region: 'eu-west-1' })));
    expect(s3.message).toMatch(/^test topology: 1 problem in the topology\n {2}- backend\.type: is "s3"; npm run tfc/);
    // The embedded default has no file to edit: the fix is a topology file of one's own.
    const embedded = error(parseTopology(defaultTopologyInput()));
    expect(embedded.message).toMatch(/^\(embedded default topology\): 1 problem[\s\S]*; TRAILBRIDGE_TOPOLOGY names no topology file: write one with that backend and set TRAILBRIDGE_TOPOLOGY to it \(docs\/terraform-cloud\.md\)$/);
  });
});

describe('npm run tfc (command line)', () => {
  const output = (argv: string[]): string => {
    let text = '';
    main(argv, { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream);
    return text;
  };

  test('workspaces --json prints the plan of TRAILBRIDGE_TOPOLOGY; without --json a block per workspace', () => {
    const previous = process.env.TRAILBRIDGE_TOPOLOGY;
    process.env.TRAILBRIDGE_TOPOLOGY = join(ROOT, 'examples', 'topology.example.json');
    try {
      const plan = JSON.parse(output(['workspaces', '--json'])) as WorkspacePlan;
      expect(plan.workspaces.map((w) => w.workspace)).toContain('acme-audit-source-payments-prod');
      const text = output(['workspaces']);
      expect(text).toMatch(/^acme-audit-observability {2}\(stack observability, account observability 100000000050\)$/m);
      expect(text).toMatch(/^ {2}run triggers \(applies that queue a run\): acme-audit-log-archive$/m);
      expect(text).toMatch(/^ {2}env TFC_AWS_APPLY_ROLE_ARN=arn:aws:iam::100000000050:role\/acme-audit-tfc-observability-apply$/m);
      expect(text).toMatch(/cdktf deploy bootstrap-payments-test bootstrap-payments-prod/);
    } finally {
      if (previous === undefined) delete process.env.TRAILBRIDGE_TOPOLOGY;
      else process.env.TRAILBRIDGE_TOPOLOGY = previous;
    }
  });

  test('a usage error (an unknown option or command, a missing command, a stray argument) exits 2, as forward and replay do', () => {
    const exitCodeOf = (argv: string[]): number | undefined => {
      try {
        output(argv);
      } catch (err) {
        return (err as UsageError).exitCode;
      }
      return undefined;
    };
    expect([['workspaces', '--bogus'], ['workspaces', '--json=yes'], [], ['plan'], ['workspaces', 'extra']].map(exitCodeOf)).toEqual([2, 2, 2, 2, 2]);
  });

  test('another command or a stray argument is a usage error that names it', () => {
    expect(() => output(['plan'])).toThrow(/^npm run tfc: "plan" is not a command; the one command is workspaces\nusage: npm run tfc -- workspaces \[--json\]\nexit codes: 0 the plan printed, 1 the topology is invalid or has no cloud backend, 2 usage error$/);
    expect(() => output([])).toThrow(/^npm run tfc: name the command \(workspaces\)\nusage: npm run tfc/);
    expect(() => output(['workspaces', 'extra'])).toThrow(/^npm run tfc -- workspaces takes no argument \("extra"\)\nusage: npm run tfc/);
    expect(() => output(['workspaces', '--bogus'])).toThrow(/Unknown option '--bogus'[\s\S]*usage: npm run tfc/);
  });
});
