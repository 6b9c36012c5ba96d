import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/paths';
import { ProviderShapes, blockShapes } from './hcl';
import { runTerraform } from './terraform';

/**
 * The AWS provider's block shapes, from `terraform providers schema -json`, cached under .gen/
 * per provider version (the full schema is 13 MB; the shapes are what HCL rendering needs).
 */
export async function awsProviderShapes(version: string): Promise<ProviderShapes> {
  const cache = join(PROJECT_ROOT, '.gen', `aws-provider-${version}-shapes.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8'));

  const dir = mkdtempSync(join(tmpdir(), 'trailbridge-schema-'));
  try {
    writeFileSync(
      join(dir, 'main.tf.json'),
      JSON.stringify({ terraform: { required_providers: { aws: { source: 'hashicorp/aws', version } } } }),
    );
    const init = await runTerraform(dir, ['init', '-backend=false', '-input=false', '-no-color']);
    if (init.code !== 0) throw new Error(`terraform init for the provider schema failed:\n${init.stderr || init.stdout}`);
    const schema = await runTerraform(dir, ['providers', 'schema', '-json']);
    if (schema.code !== 0) throw new Error(`terraform providers schema failed:\n${schema.stderr}`);
    const shapes = blockShapes(JSON.parse(schema.stdout));
    mkdirSync(join(PROJECT_ROOT, '.gen'), { recursive: true });
    writeFileSync(cache, JSON.stringify(shapes));
    return shapes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
