import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readTopologyFile } from '../../config/load';
import { DEFAULT_ENABLED_REGIONS } from '../../config/regions';
import { synthHcl } from '../../tools/synth-hcl';
import { synthTopology } from '../../tools/lib/synth';
import { runTerraform } from '../../tools/lib/terraform';
import { validateStacks } from '../../tools/validate';
import { describeWithTool } from '../support/required-tools';
import { topologyWith } from '../support/synth';

/** 6 accounts (3 sources), all 17 default-enabled commercial regions. */
export function largeTopology() {
  return topologyWith((t) => {
    t.regions = [...DEFAULT_ENABLED_REGIONS];
    t.accounts = [
      { name: 'dev', id: '100000000001', roles: ['source'], source: { bucketName: 'large-trail-dev' } },
      { name: 'test', id: '100000000002', roles: ['source'], source: { bucketName: 'large-trail-test' } },
      { name: 'prod', id: '100000000003', roles: ['source'], source: { bucketName: 'large-trail-prod' } },
      { name: 'log-archive', id: '100000000004', roles: ['log-archive'] },
      { name: 'security', id: '100000000005', roles: ['security'] },
      { name: 'observability', id: '100000000006', roles: ['observability', 'incident-response'] },
    ];
  });
}

function expectAllValid(results: { stack: string; diagnostics: readonly string[] }[]): void {
  const failures = results.filter((r) => r.diagnostics.length > 0).map((r) => `${r.stack}:\n  ${r.diagnostics.join('\n  ')}`);
  if (failures.length) throw new Error(`terraform validate found errors or warnings:\n${failures.join('\n')}`);
}

describeWithTool('terraform', 'terraform validate of the synthesized stacks', () => {
  test('every stack of the default topology is valid, with zero warnings', async () => {
    const { stackDirs } = synthTopology({ topology: topologyWith(), outdir: mkdtempSync(join(tmpdir(), 'validate-default-')) });
    const results = await validateStacks(stackDirs);
    expect(results.map((r) => r.stack)).toEqual(['incident-response', 'log-archive', 'observability', 'security-events', 'source-prod', 'source-test']);
    expectAllValid(results);
  });

  test('every stack of a large topology (6 accounts, 17 regions) is valid, with zero warnings', async () => {
    const { stackDirs } = synthTopology({ topology: largeTopology(), outdir: mkdtempSync(join(tmpdir(), 'validate-large-')) });
    expect(stackDirs.size).toBeGreaterThanOrEqual(7);
    expectAllValid(await validateStacks(stackDirs));
  });

  test('with the cloud backend and dynamic credentials, every bootstrap stack and a workspace stack are valid, with zero warnings', async () => {
    const topology = topologyWith((t) => {
      t.backend = { type: 'cloud', organization: 'acme', dynamicCredentials: true };
    });
    const { stackDirs } = synthTopology({ topology, outdir: mkdtempSync(join(tmpdir(), 'validate-tfc-')) });
    // The workspace stacks differ from the default topology's only in backend and provider blocks: one stands for all.
    const chosen = new Map([...stackDirs].filter(([stack]) => stack.startsWith('bootstrap-') || stack === 'observability'));
    const results = await validateStacks(chosen);
    expect(results.map((r) => r.stack)).toEqual(['bootstrap-ems', 'bootstrap-infosec-mgmt', 'bootstrap-prod', 'bootstrap-test', 'observability']);
    expectAllValid(results);
    // Five inits and validates: 50 s on an idle box, 90 s at load 35, past the suite's 120 s beyond that.
  }, 300_000);

  test('every stack of examples/topology.organization.json (StackSet modes) is valid, with zero warnings', async () => {
    const topology = readTopologyFile(join(__dirname, '..', '..', 'examples', 'topology.organization.json'));
    const { stackDirs } = synthTopology({ topology, outdir: mkdtempSync(join(tmpdir(), 'validate-organization-')) });
    expect([...stackDirs.keys()]).toEqual(expect.arrayContaining(['organization-forwarding', 'source-management']));
    expectAllValid(await validateStacks(stackDirs));
  }, 300_000);

  test('the security-events stack of examples/topology.example.json (API destinations, their connection key) is valid, with zero warnings', async () => {
    const topology = readTopologyFile(join(__dirname, '..', '..', 'examples', 'topology.example.json'));
    const { stackDirs } = synthTopology({ topology, outdir: mkdtempSync(join(tmpdir(), 'validate-example-')) });
    const securityEvents = [...stackDirs].filter(([stack]) => stack === 'security-events');
    expect(securityEvents).toHaveLength(1);
    const json = JSON.parse(readFileSync(join(securityEvents[0][1], 'cdk.tf.json'), 'utf8'));
    const connections = Object.values<any>(json.resource.aws_cloudwatch_event_connection);
    expect(connections.length).toBeGreaterThan(0);
    for (const connection of connections) expect(connection.kms_key_identifier).toMatch(/^\$\{aws_kms_key\.[^.]+\.arn\}$/);
    expectAllValid(await validateStacks(new Map(securityEvents)));
  });

  test('synth:hcl output is terraform fmt clean and valid, with zero warnings', async () => {
    const written = await synthHcl(topologyWith(), mkdtempSync(join(tmpdir(), 'validate-hcl-')));
    expect(written.size).toBe(6);
    for (const file of written.values()) {
      const fmt = await runTerraform(dirname(file), ['fmt', '-check', '-diff', '-no-color']);
      if (fmt.code !== 0) throw new Error(`${file} is not terraform fmt clean:\n${fmt.stdout}${fmt.stderr}`);
    }
    expectAllValid(await validateStacks(new Map([...written].map(([stack, file]) => [stack, dirname(file)]))));
  });
});
