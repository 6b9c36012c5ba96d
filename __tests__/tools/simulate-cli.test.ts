import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** Runs `npm run simulate -- ...args` the way a user does, through tsx. */
function simulateCli(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'tools', 'simulate.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TRAILBRIDGE_TOPOLOGY: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simulate-cli-'));
  const events = join(dir, 'events.jsonl');
  writeFileSync(events, '{"source": "aws.s3"}\n{"source": "aws.ec2"}\n');

  it('prints match or nomatch per event line in --pattern mode', () => {
    const pattern = join(dir, 'pattern.json');
    writeFileSync(pattern, '{"source": ["aws.s3"]}');
    const run = simulateCli('--pattern', pattern, '--events', events);
    expect(run).toMatchObject({ code: 0, stdout: 'match\nnomatch\n' });
  });

  it('exits 2 with the reason when the pattern is invalid', () => {
    const pattern = join(dir, 'invalid.json');
    writeFileSync(pattern, '{"detail": {"eventName": [{"prefix": 1}]}}');
    const run = simulateCli('--pattern', pattern, '--events', events);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/detail\.eventName\[0\]\.prefix: prefix match pattern must be a string/);
  });

  it('exits 1 naming the file and record of a bad CloudTrail record', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"Records": [{"eventName": "x"}, "oops"]}');
    const run = simulateCli(file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file} record 1: a CloudTrail record must be a JSON object`);
  });

  it('prints the usage with --help and exits 0', () => {
    const run = simulateCli('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage:\n {2}npm run simulate -- \[--topology FILE\][^]*An invalid pattern exits 2\.\n$/);
    expect(run.stderr).toBe('');
  });

  it('exits 1 with the usage on an unknown option, and when no path is named', () => {
    const unknown = simulateCli('--bogus');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^Unknown option '--bogus'.*\nUsage:\n/);
    const none = simulateCli('--json');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^name at least one CloudTrail file or directory\nUsage:\n/);
  });
});
