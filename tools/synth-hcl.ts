import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTopology } from '../config/load';
import { Topology } from '../config/schema';
import { parseNoArguments, runCli } from './lib/cli';
import { toHcl } from './lib/hcl';
import { awsProviderShapes } from './lib/provider-shapes';
import { synthTopology } from './lib/synth';
import { keepOnlyConfiguration } from './lib/stack-configuration';
import { formatHcl } from './lib/terraform';

/**
 * `npm run synth:hcl`: every stack as native HCL ($CDKTF_OUTDIR, else cdktf.out: stacks/<stack>/cdk.tf), `terraform
 * fmt` clean, for review. The JSON of each stack is replaced, since Terraform would read both
 * (and `npm run synth` removes the HCL again).
 */

const USAGE = 'usage: npm run synth:hcl\n  writes every stack of the topology as HCL, $CDKTF_OUTDIR (default cdktf.out)/stacks/<stack>/cdk.tf, terraform fmt clean';
/** @param outdir @default $CDKTF_OUTDIR, else cdktf.out (synthTopology's default, as validate and review) */
export async function synthHcl(topology: Topology, outdir?: string): Promise<Map<string, string>> {
  const { stackDirs } = synthTopology({ topology, outdir });
  const written = new Map<string, string>();
  for (const [stack, dir] of stackDirs) {
    const jsonFile = join(dir, 'cdk.tf.json');
    const doc = JSON.parse(readFileSync(jsonFile, 'utf8'));
    const version = doc.terraform?.required_providers?.aws?.version;
    const hcl = await formatHcl(toHcl(doc, await awsProviderShapes(version)));
    const hclFile = join(dir, 'cdk.tf');
    writeFileSync(hclFile, hcl);
    keepOnlyConfiguration(dir, 'cdk.tf');
    written.set(stack, hclFile);
  }
  return written;
}

if (require.main === module) {
  runCli(async () => {
    if (!parseNoArguments(process.argv.slice(2), USAGE)) return;
    const written = await synthHcl(loadTopology());
    for (const [stack, file] of written) process.stdout.write(`${stack}: ${file}\n`);
  });
}
