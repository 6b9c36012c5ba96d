import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { loadTopology } from '../../config/load';
import { buildDiagram } from '../../tools/review/diagram';
import { Synth, readSynth } from '../../tools/review/stack-json';
import { synthTopology } from '../../tools/lib/synth';

const GOLDEN = join(__dirname, '__golden__', 'default-topology.mmd');
const UPDATE_COMMAND = `UPDATE_GOLDEN=1 npx jest ${relative(join(__dirname, '..', '..'), __filename)}`;

/** The default topology synthesized exactly as `npm run review` does it, into a temp directory. */
function synthDefault(): Synth {
  const outdir = mkdtempSync(join(tmpdir(), 'trailbridge-review-'));
  try {
    synthTopology({ topology: loadTopology({}), outdir });
    return readSynth(join(outdir, 'stacks'));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('TOPOLOGY.md diagram of the default topology', () => {
  const diagram = buildDiagram(loadTopology({}), synthDefault());

  test('matches the golden file', () => {
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, diagram);
    }
    if (!existsSync(GOLDEN)) throw new Error(`no golden file ${GOLDEN}; create it with: ${UPDATE_COMMAND}`);
    const golden = readFileSync(GOLDEN, 'utf8');
    if (golden !== diagram) {
      const want = golden.split('\n');
      const got = diagram.split('\n');
      const line = want.findIndex((l, i) => l !== got[i]);
      throw new Error(
        `the default topology's diagram changed (first difference at line ${line + 1}:\n  golden: ${want[line] ?? '(end)'}\n  now:    ${got[line] ?? '(end)'}).\n` +
          `If the change is intended, update the golden file with:\n  ${UPDATE_COMMAND}\nand commit ${relative(join(__dirname, '..', '..'), GOLDEN)}.`,
      );
    }
  });

  test('groups accounts with their roles and ids', () => {
    expect(diagram).toContain('subgraph acct_test["test · source · 111111111111"]');
    expect(diagram).toContain('subgraph acct_infosec_mgmt["infosec-mgmt · log-archive + security · 333333333333"]');
    expect(diagram).toContain('subgraph acct_ems["ems · observability + incident-response · 444444444444"]');
  });

  test("labels the flows with the seed diagram's words", () => {
    for (const label of ['send CT events to S3 bucket', 'triggers on PutObject', 'reads S3 object', 'retrieves API key', 'loads rules']) {
      expect(diagram).toContain(`-->|"${label}"|`);
    }
  });

  test('collapses the regional forwarding rules of an account into one node with the region list', () => {
    const rules = diagram.split('\n').filter((l) => l.includes('trailbridge-api-calls-to-central'));
    expect(rules).toHaveLength(2);
    for (const rule of rules) expect(rule).toMatch(/EventBridge rule ×3<br\/>trailbridge-api-calls-to-central<br\/>default bus, eu-west-1, us-east-1, us-east-2/);
  });

  test('shows the IDR bus, the OIDC role Dynatrace assumes, and the onboarding to IDR', () => {
    expect(diagram).toMatch(/dynatrace -->\|"assumes \(OIDC web identity\)"\| role_incident_response_trailbridge_dynatrace_idr/);
    expect(diagram).toMatch(/role_incident_response_trailbridge_dynatrace_idr -->\|"PutEvents"\| cloudwatch_event_bus_incident_response_dynatrace_idr_bus/);
    expect(diagram).toMatch(/cloudwatch_event_bus_incident_response_dynatrace_idr_bus -->\|"onboarded: IDR managed rule"\| aws_idr/);
  });

  test('uses only Mermaid-safe node ids and quoted labels', () => {
    expect(diagram.trimEnd().split('\n').length).toBeGreaterThan(1);
    for (const line of diagram.trimEnd().split('\n').slice(1)) {
      expect(line).toMatch(/^\s+(end|subgraph \w+\["[^"]*"\]|\w+(\[|\(|\{|>)|\w+ -->\|"[^"]*"\| \w+)/);
    }
  });
});

test('the README shows the default topology diagram exactly as the tool draws it', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = /```mermaid\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ```mermaid block');
  const golden = readFileSync(GOLDEN, 'utf8');
  if (block[1].trimEnd() !== golden.trimEnd()) {
    throw new Error(`README.md's diagram differs from ${relative(join(__dirname, '..', '..'), GOLDEN)}: paste the golden file (the tool's output for the default topology) into the README's first mermaid block`);
  }
});
