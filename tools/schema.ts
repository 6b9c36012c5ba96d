import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { topologySchema } from '../config/schema';
import { PROJECT_ROOT } from '../config/paths';
import { parseNoArguments, runCli } from './lib/cli';

/**
 * `npm run schema`: writes schema/topology.schema.json from the zod schema the validator uses,
 * so editors complete and check topology files against exactly what synth accepts.
 */
export const TOPOLOGY_SCHEMA_FILE = join(PROJECT_ROOT, 'schema', 'topology.schema.json');

const USAGE = 'usage: npm run schema\n  writes schema/topology.schema.json, then (tools/forwarder-schema.ts) the forwarder rules schema and default rules';

export function topologyJsonSchema(): string {
  const schema = z.toJSONSchema(topologySchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const document = {
    $schema: schema.$schema,
    title: 'trailbridge topology',
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (require.main === module) {
  runCli(() => {
    if (!parseNoArguments(process.argv.slice(2), USAGE)) return;
    writeFileSync(TOPOLOGY_SCHEMA_FILE, topologyJsonSchema());
    process.stdout.write(`wrote ${TOPOLOGY_SCHEMA_FILE}\n`);
  });
}
