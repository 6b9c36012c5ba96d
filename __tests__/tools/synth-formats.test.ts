import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK_CONFIGURATION_FILES } from '../../tools/lib/stack-configuration';
import { stackDirectories } from '../../tools/lib/synth';
import { synthHcl } from '../../tools/synth-hcl';
import { validateStacks } from '../../tools/validate';
import { describeWithTool } from '../support/required-tools';
import { topologyWith } from '../support/synth';

const ROOT = join(__dirname, '..', '..');

/** `npm run synth` as cdktf runs the app: main.ts with CDKTF_OUTDIR, the embedded default topology. */
function synthJson(outdir: string): void {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  delete env.TRAILBRIDGE_TOPOLOGY;
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'main.ts'], { cwd: ROOT, encoding: 'utf8', env });
  if (run.status !== 0) throw new Error(`main.ts exited with ${run.status}:\n${run.stderr}`);
}

/** Stack name -> the configuration files Terraform would load from its folder. */
function configurationFiles(outdir: string): Map<string, string[]> {
  return new Map(
    [...stackDirectories(outdir)].map(([stack, dir]) => [stack, readdirSync(dir).filter((f) => (STACK_CONFIGURATION_FILES as readonly string[]).includes(f)).sort()]),
  );
}

describeWithTool('terraform', 'synth:hcl and synth into the same output', () => {
  test('leave exactly one configuration per stack, whichever ran last, and the stack validates', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'synth-formats-'));
    await synthHcl(topologyWith(), outdir);
    const afterHcl = configurationFiles(outdir);
    expect(afterHcl.size).toBe(6);
    for (const files of afterHcl.values()) expect(files).toEqual(['cdk.tf']);

    synthJson(outdir);
    const afterJson = configurationFiles(outdir);
    expect([...afterJson.keys()]).toEqual([...afterHcl.keys()]);
    for (const [stack, files] of afterJson) expect([stack, files]).toEqual([stack, ['cdk.tf.json']]);
    // Terraform fails a folder with both ("Duplicate ... configuration"); one stack proves it loads.
    const [result] = await validateStacks(new Map([['incident-response', join(outdir, 'stacks', 'incident-response')]]));
    expect(result.diagnostics).toEqual([]);

    await synthHcl(topologyWith(), outdir);
    expect(existsSync(join(outdir, 'stacks', 'incident-response', 'cdk.tf.json'))).toBe(false);
    for (const files of configurationFiles(outdir).values()) expect(files).toEqual(['cdk.tf']);
  });

  test('synth:hcl writes into $CDKTF_OUTDIR when it is set, as validate and review do', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'synth-hcl-env-'));
    const saved = process.env.CDKTF_OUTDIR;
    process.env.CDKTF_OUTDIR = outdir;
    try {
      const written = await synthHcl(topologyWith());
      expect([...written.values()].every((file) => file.startsWith(join(outdir, 'stacks')))).toBe(true);
      expect(written.size).toBe(6);
    } finally {
      if (saved === undefined) delete process.env.CDKTF_OUTDIR;
      else process.env.CDKTF_OUTDIR = saved;
    }
  });
});
