import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

test('synth with a broken topology exits 1 with every problem and no stack trace', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'bad-topology-')), 'topology.json');
  writeFileSync(file, JSON.stringify({ homeRegion: 'us-east-9', regions: ['us-east-1'], accounts: [{ name: 'ab', id: '12', roles: ['source'] }], dynatrace: { environmentUrl: 'https://a.live.dynatrace.com' } }));
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'main.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TRAILBRIDGE_TOPOLOGY: file, CDKTF_OUTDIR: mkdtempSync(join(tmpdir(), 'bad-out-')) },
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`${file}: 7 problems in the topology`);
  expect(run.stderr).toMatch(/accounts\[0\]\.id: "12" is not a 12-digit AWS account id/);
  expect(run.stderr).toMatch(/homeRegion: "us-east-9" is not among the enabled regions/);
  expect(run.stderr).not.toMatch(/^\s+at /m);
});

test('a problem only the event checks find (an invalid pattern) names the topology file too', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'bad-pattern-')), 'topology.json');
  const topology = JSON.parse(readFileSync(join(ROOT, 'config', 'default-topology.json'), 'utf8'));
  topology.events = { customRules: [{ name: 'image-shared', pattern: { source: 'aws.ec2' }, target: 'sns' }] };
  writeFileSync(file, JSON.stringify(topology));
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'main.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TRAILBRIDGE_TOPOLOGY: file, CDKTF_OUTDIR: mkdtempSync(join(tmpdir(), 'bad-out-')) },
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`${file}: 1 problem in the topology`);
  expect(run.stderr).toMatch(/events\.customRules\[0\]\.pattern: rule "trailbridge-image-shared": source/);
  expect(run.stderr).not.toMatch(/^\s+at /m);
});
