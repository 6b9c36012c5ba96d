import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendOf, inventoryOf, inventoryReport } from '../../tools/review/inventory';
import { ReviewInputError, findStacksDir } from '../../tools/review/stack-json';
import { SECURITY_CHANGE_EXIT_CODE, review } from '../../tools/review';

const ROOT = join(__dirname, '..', '..');

describe('inventory', () => {
  const stack = {
    provider: { aws: [{ region: 'us-east-1' }, { region: 'eu-west-1', alias: 'eu-west-1' }] },
    terraform: { cloud: { organization: 'acme', workspaces: { name: 'trailbridge-source-prod' } } },
    data: { aws_iam_policy_document: { a: {}, b: {} } },
    output: { z: {}, a: {} },
    resource: {
      aws_sqs_queue: { q1: {}, q2: { provider: 'aws.eu-west-1' } },
      aws_cloudwatch_event_rule: { r1: { provider: 'aws.eu-west-1' }, r2: { provider: 'aws.eu-west-1' } },
    },
  };

  test('counts resources by type and region, following each resource provider alias', () => {
    const inventory = inventoryOf('source-prod', stack);
    expect(inventory.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect([...inventory.counts].map(([type, byRegion]) => [type, Object.fromEntries(byRegion)])).toEqual([
      ['aws_cloudwatch_event_rule', { 'eu-west-1': 2 }],
      ['aws_sqs_queue', { 'us-east-1': 1, 'eu-west-1': 1 }],
    ]);
    expect(inventory).toMatchObject({ total: 4, dataSources: 2, outputs: ['a', 'z'] });
  });

  test('names the Terraform Cloud workspace, the S3 key or the local state file', () => {
    expect(backendOf(stack)).toBe('Terraform Cloud app.terraform.io organization `acme`, workspace `trailbridge-source-prod`');
    expect(backendOf({ terraform: { backend: { s3: { bucket: 'tf', key: 'trailbridge/log-archive.tfstate', region: 'eu-west-1', use_lockfile: true } } } })).toBe(
      'S3 `s3://tf/trailbridge/log-archive.tfstate` (eu-west-1), S3 lock file',
    );
    expect(backendOf({ terraform: { backend: { local: { path: '../state/x.tfstate' } } } })).toBe('local file `../state/x.tfstate`');
  });

  test('INVENTORY.md has a summary row per stack and a region table per stack', () => {
    const report = inventoryReport(new Map([['source-prod', stack]]));
    expect(report).toContain('| source-prod | 4 | us-east-1, eu-west-1 | Terraform Cloud');
    expect(report).toContain('| resource type | us-east-1 | eu-west-1 | total |');
    expect(report).toContain('| `aws_cloudwatch_event_rule` | – | 2 | 2 |');
  });
});

describe('npm run review', () => {
  const work = mkdtempSync(join(tmpdir(), 'trailbridge-review-cli-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('writes TOPOLOGY, INVENTORY, PERMISSIONS and DASHBOARDS for the default topology, and CHANGES against a base', () => {
    const first = review({ outdir: join(work, 'first', 'cdktf.out') });
    expect(first.files.map((f) => f.split('/').pop())).toEqual(['TOPOLOGY.md', 'INVENTORY.md', 'PERMISSIONS.md', 'DASHBOARDS.md', 'SCANNER.md']);
    expect(readFileSync(first.files[0], 'utf8')).toMatch(/^# Topology\n[\s\S]*```mermaid\nflowchart LR\n/);

    // The base: the same synth with the Dynatrace role's trust still carrying an extra condition.
    const trust = join(work, 'first', 'cdktf.out', 'stacks', 'incident-response', 'cdk.tf.json');
    const json = JSON.parse(readFileSync(trust, 'utf8'));
    json.data.aws_iam_policy_document['dynatrace-trust'].statement[0].condition.push({ test: 'IpAddress', variable: 'aws:SourceIp', values: ['192.0.2.0/24'] });
    // ... and without the scanner justification of the bus key's policy, which the change then adds.
    delete json.data.aws_iam_policy_document['bus-key-policy']['//'].checkov;
    writeFileSync(trust, JSON.stringify(json));

    const second = review({ outdir: join(work, 'second', 'cdktf.out'), base: join(work, 'first') });
    expect(second.files.map((f) => f.split('/').pop())).toEqual(['TOPOLOGY.md', 'INVENTORY.md', 'PERMISSIONS.md', 'DASHBOARDS.md', 'SCANNER.md', 'CHANGES.md']);
    expect(second).toMatchObject({ securityChanges: 1, broadening: 1 });
    expect(readFileSync(second.files[5], 'utf8')).toContain('dropped condition: IpAddress aws:SourceIp = 192.0.2.0/24');
    const scanner = readFileSync(second.files[4], 'utf8');
    const added = scanner.slice(scanner.indexOf('## Against the base')).split('\n').filter((l) => l.startsWith('| added'));
    expect(added.map((l) => l.split(' | ').slice(1, 3).join(' '))).toEqual(['CKV_AWS_109 incident-response: bus-key-policy', 'CKV_AWS_111 incident-response: bus-key-policy', 'CKV_AWS_356 incident-response: bus-key-policy']);
  });

  test('--fail-on-security-change exits 3 when a change broadens access, 0 when nothing changed', () => {
    const base = join(work, 'first');
    expect(existsSync(join(base, 'cdktf.out', 'stacks'))).toBe(true);
    const run = (args: string[]) => spawnSync('npx', ['tsx', 'tools/review.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
    const gated = run(['--base', base, '--fail-on-security-change', '--out', join(work, 'gate', 'cdktf.out')]);
    expect(gated.status).toBe(SECURITY_CHANGE_EXIT_CODE);
    expect(gated.stderr).toContain('review: 1 change(s) broaden access; see CHANGES.md');

    const same = join(work, 'same');
    cpSync(join(work, 'second'), same, { recursive: true });
    const clean = run(['--base', same, '--fail-on-security-change', '--out', join(work, 'clean', 'cdktf.out')]);
    expect(clean.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(clean.status).toBe(0);
    expect(clean.stdout).toContain('review: 0 statement change(s), 0 broadening access');
  });

  test('a base without synthesized stacks is a usage error naming the directory', () => {
    expect(() => findStacksDir(work + '/nowhere')).toThrow(ReviewInputError);
    const result = spawnSync('npx', ['tsx', 'tools/review.ts', '--base', join(work, 'nowhere')], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/nowhere holds no synthesized stacks; give a directory with cdktf.out\/stacks/);
  });
});
