/**
 * Writes the forwarder rules' generated files from functions/forwarder/rules-schema.ts:
 *
 * - schema/forwarder-rules.schema.json: JSON Schema (draft-04, what AppConfig validators accept,
 *   at most 32,768 characters), the AppConfig profile's validator;
 * - schema/forwarder-default-rules.json: the built-in defaults, the hosted configuration version.
 *
 * `npx tsx tools/forwarder-schema.ts` writes them; `--check` exits 1 when they are out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RULES, rulesJsonSchema } from '../functions/forwarder/rules-schema';

export const RULES_SCHEMA_FILE = join(__dirname, '..', 'schema', 'forwarder-rules.schema.json');
export const DEFAULT_RULES_FILE = join(__dirname, '..', 'schema', 'forwarder-default-rules.json');
/** AppConfig stores a validator's content in at most this many characters. */
export const APPCONFIG_VALIDATOR_MAX_CHARS = 32_768;

export function renderRulesSchema(): string {
  const schema = { ...rulesJsonSchema(), title: 'trailbridge forwarder rules' };
  // Compact: AppConfig's validator size limit counts every character.
  return `${JSON.stringify(schema)}\n`;
}

export function renderDefaultRules(): string {
  return `${JSON.stringify(DEFAULT_RULES, null, 2)}\n`;
}

function main(argv: string[]): number {
  const files: [string, string][] = [
    [RULES_SCHEMA_FILE, renderRulesSchema()],
    [DEFAULT_RULES_FILE, renderDefaultRules()],
  ];
  if (renderRulesSchema().length > APPCONFIG_VALIDATOR_MAX_CHARS) {
    process.stderr.write(`the rules schema is longer than the ${APPCONFIG_VALIDATOR_MAX_CHARS} characters AppConfig accepts; shorten descriptions\n`);
    return 1;
  }
  if (argv.includes('--check')) {
    const stale = files.filter(([path, text]) => {
      try {
        return readFileSync(path, 'utf8') !== text;
      } catch {
        return true;
      }
    });
    for (const [path] of stale) process.stderr.write(`${path} is out of date: run npx tsx tools/forwarder-schema.ts\n`);
    return stale.length > 0 ? 1 : 0;
  }
  for (const [path, text] of files) {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path} (${text.length} characters)\n`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
