import { spawnSync } from 'node:child_process';

/**
 * Tests that need an external tool (terraform, moto_server) run when it is installed. Under
 * CI=true a missing tool is a failure with the reason, never a silent skip; locally the suite
 * is skipped and says why.
 */
export function describeWithTool(tool: 'terraform' | 'moto_server' | 'cfn-lint' | 'jq' | 'curl', name: string, body: () => void): void {
  const missing = toolMissing(tool);
  if (!missing) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      test(`needs ${tool}`, () => {
        throw new Error(`${tool} is required under CI=true but ${missing}; install it (see README: Prerequisites)`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`${name}: skipped locally because ${missing}; CI fails instead of skipping`);
    describe.skip(name, body);
  }
}

/** Why the tool cannot run here, or undefined when it can. */
export function toolMissing(tool: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  // The binaries the tools run (tools/lib/terraform.ts, tools/lib/moto.ts), not just the names.
  const bin = tool === 'terraform' ? (env.TERRAFORM_BIN ?? 'terraform') : tool === 'moto_server' ? (env.MOTO_SERVER_BIN ?? 'moto_server') : tool;
  const probe = spawnSync(bin, tool === 'terraform' ? ['version'] : tool === 'moto_server' ? ['-h'] : ['--version'], { encoding: 'utf8', env: { ...env, CHECKPOINT_DISABLE: '1' } });
  if (probe.error) return `${bin} is not on PATH (${(probe.error as NodeJS.ErrnoException).code})`;
  if (probe.status !== 0) return `${bin} failed to start: ${probe.stderr.trim().split('\n')[0]}`;
  return undefined;
}
