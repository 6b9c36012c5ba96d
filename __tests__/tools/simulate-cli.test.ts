import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import defaultTopology from '../../config/default-topology.json';
import { sharedDataPath } from '../support/shared-data';

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
    expect(run.stdout).toMatch(/^Usage:\n {2}npm run simulate -- \[--topology FILE\][^]*An invalid pattern exits 2\.\n {2}Exit code 2 for a usage error too; 1 for an unreadable input file or an invalid topology\.\n$/);
    expect(run.stderr).toBe('');
  });

  it('exits 2 with the usage on an unknown option, and when no path is named', () => {
    const unknown = simulateCli('--bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Unknown option '--bogus'.*\nUsage:\n/);
    const none = simulateCli('--json');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^name at least one CloudTrail file or directory\nUsage:\n/);
  });

  it('refuses a topology that synth refuses, naming the file, the JSON path and the fix', () => {
    const topology = join(dir, 'elsewhere-topology.json');
    const functionArn = 'arn:aws:lambda:eu-west-1:999999999999:function:elsewhere';
    writeFileSync(topology, JSON.stringify({ ...defaultTopology, events: { customRules: [{ name: 'image-shared', pattern: { source: ['aws.ec2'] }, target: 'lambda', functionArn }] } }));
    const run = simulateCli('--topology', topology, '--as-account', 'test', sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.persistence.iam-backdoor-user.json'));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${topology}: 1 problem in the topology`);
    expect(run.stderr).toContain(`events.customRules[0].functionArn: ${functionArn} is not in the security account`);
  });

  it('--json gives each record its Sigma hits with id and level, on the central bus and as forwarder tags', () => {
    const rulesDir = sharedDataPath('sigma', 'rules');
    const rule = parse(readFileSync(join(rulesDir, 'aws_iam_backdoor_users_keys.yml'), 'utf8')) as { id: string; level: string; title: string };
    const topology = join(dir, 'sigma-topology.json');
    writeFileSync(topology, JSON.stringify({ ...defaultTopology, events: { sigma: { paths: [rulesDir], allowApproximate: true, skip: ['aws_update_login_profile.yml'] } }, forwarder: { sigmaTags: true } }));
    // The first file's one record (CreateAccessKey) matches the rule; the second file's (login profile calls) do not.
    const stratus = (name: string) => sharedDataPath('cloudtrail', 'stratus-red-team', name);
    const run = simulateCli('--topology', topology, '--as-account', 'test', '--json', stratus('aws.persistence.iam-backdoor-user.json'), stratus('aws.persistence.iam-create-user-login-profile.json'));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const outcomes = (JSON.parse(run.stdout) as { outcomes: { eventName: string; sigma: { id: string; level: string; title: string; rule: string }[]; sigmaTags: unknown[] }[] }).outcomes;
    const ref = { id: rule.id, level: rule.level, title: rule.title };
    expect(outcomes[0]!.eventName).toBe('CreateAccessKey');
    expect(outcomes[0]!.sigma).toEqual([{ ...ref, rule: expect.stringMatching(/-sigma-aws-iam-backdoor-users-keys$/) }]);
    expect(outcomes[0]!.sigmaTags).toContainEqual(ref);
    const others = outcomes.slice(1);
    expect(others.length).toBeGreaterThan(0);
    for (const other of others) {
      expect(other.sigma.map((hit) => hit.id)).not.toContain(rule.id);
      expect(other.sigmaTags).not.toContainEqual(ref);
    }
  });
});
