import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { USAGE_EXIT_CODE } from '../../tools/lib/cli';

const ROOT = resolve(__dirname, '..', '..');

/**
 * Runs a tool the way `npm run` does, through tsx. A mistake in the command line must stop it
 * before any work (a synth, terraform, a file written), so a time limit catches a tool that
 * ignores its arguments and runs.
 */
function cli(tool: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'tools', tool), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TRAILBRIDGE_TOPOLOGY: '' },
    timeout: 30000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('a usage error exits 2 in every command', () => {
  // forward, replay and tfc have their own tests (forward.test.ts, tfc.test.ts).
  const tools = ['simulate.ts', 'idr.ts', 'review.ts', 'drill.ts', 'e2e.ts', 'sigma.ts', 'validate.ts', 'bench.ts', 'synth-hcl.ts', 'schema.ts', 'forwarder-schema.ts', 'monitoring-docs.ts'];

  test.each(tools)('%s: an unknown option, named, with the usage', (tool) => {
    const run = cli(tool, '--no-such-flag');
    expect(run).toMatchObject({ code: USAGE_EXIT_CODE, stdout: '' });
    expect(run.stderr).toMatch(/^Unknown option '--no-such-flag'[^\n]*\n[Uu]sage:/);
  });

  test.each([
    ['simulate.ts', ['--json'], /^name at least one CloudTrail file or directory\nUsage:/],
    ['simulate.ts', ['--pattern', 'p.json', 'extra'], /^--pattern and --events go together/],
    ['simulate.ts', ['--as-account', 'nobody', 'x.json'], /^--as-account nobody: not a source account of the topology; use one of /],
    ['idr.ts', [], /^npm run idr: name the command \(test-event\)\nusage:/],
    ['idr.ts', ['send'], /^npm run idr: "send" is not a command; the one command is test-event\nusage:/],
    ['idr.ts', ['test-event', 'extra'], /^npm run idr -- test-event takes no argument \("extra"\)\nusage:/],
    ['idr.ts', ['test-event', '--format', 'yaml'], /^--format "yaml" is not one of command, entries/],
    ['review.ts', ['extra'], /^unexpected argument "extra"\nusage:/],
    ['review.ts', ['--fail-on-security-change'], /^--fail-on-security-change needs --base DIR/],
    ['drill.ts', ['extra'], /^unexpected argument "extra"\nusage:/],
    ['drill.ts', ['--seed', 'x'], /^--seed x: give a whole number/],
    ['drill.ts', ['--only', 'no-such-drill'], /^--only no-such-drill: no such drill/],
    ['e2e.ts', ['extra'], /^unexpected argument "extra"\nusage:/],
    ['sigma.ts', ['translate', 'x.yml'], /^Usage:/],
    ['validate.ts', ['extra'], /^unexpected argument "extra"\nusage:/],
    ['bench.ts', ['extra'], /^unexpected argument "extra"; the only part that runs alone is "scale"/],
    ['bench.ts', ['--runs', '1'], /^--runs 1: give a whole number of at least 3/],
    ['synth-hcl.ts', ['extra'], /^unexpected argument "extra"\nusage:/],
    ['schema.ts', ['extra'], /^unexpected argument "extra"\nusage:/],
    ['forwarder-schema.ts', ['extra'], /^unexpected argument "extra"\nusage:/],
    ['monitoring-docs.ts', ['extra'], /^unexpected argument "extra"\nusage:/],
  ] as const)('%s %j: a missing or stray argument, or a bad value', (tool, args, message) => {
    const run = cli(tool, ...args);
    expect(run).toMatchObject({ code: USAGE_EXIT_CODE, stdout: '' });
    expect(run.stderr).toMatch(message);
  });

  test.each(['sigma.ts', 'simulate.ts'])('%s -h: the usage on stdout, exit 0, as --help', (tool) => {
    const run = cli(tool, '-h');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^[Uu]sage:/);
  });

  test.each(['validate.ts', 'bench.ts', 'synth-hcl.ts', 'schema.ts', 'forwarder-schema.ts', 'monitoring-docs.ts'])('%s --help: the usage on stdout, exit 0, nothing done', (tool) => {
    const run = cli(tool, '--help');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^usage: (npm run|npx tsx) /);
  });
});
