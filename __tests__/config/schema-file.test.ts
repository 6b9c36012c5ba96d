import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTopologyFile } from '../../config/load';
import { TOPOLOGY_SCHEMA_FILE, topologyJsonSchema } from '../../tools/schema';

const ROOT = join(__dirname, '..', '..');

test('schema/topology.schema.json is generated from the validator and up to date (npm run schema)', () => {
  const committed = readFileSync(TOPOLOGY_SCHEMA_FILE, 'utf8');
  if (committed !== topologyJsonSchema()) {
    throw new Error('schema/topology.schema.json is stale: run `npm run schema` and commit the result');
  }
});

test('the JSON Schema documents defaults and forbids unknown keys', () => {
  const schema = JSON.parse(topologyJsonSchema());
  expect(schema.required).toEqual(expect.arrayContaining(['homeRegion', 'regions', 'accounts', 'dynatrace']));
  expect(schema.additionalProperties).toBe(false);
  expect(schema.properties.name.default).toBe('trailbridge');
});

test.each(['examples/topology.example.json', 'examples/topology.organization.json', 'config/default-topology.json'])('%s validates', (file) => {
  expect(() => readTopologyFile(join(ROOT, file))).not.toThrow();
});
