/**
 * Writes the forwarder rules' generated files from functions/forwarder/rules-schema.ts:
 *
 * - schema/forwarder-rules.schema.json: JSON Schema (draft-04, what AppConfig validators accept,
 *   within AppConfig's validator size limit), the AppConfig profile's validator;
 * - schema/forwarder-default-rules.json: the built-in defaults, the hosted configuration version.
 *
 * `npx tsx tools/forwarder-schema.ts` writes them; `--check` exits 1 when they are out of date.
 * Exit code 2 for a usage error (`npm run schema -- ARGS` hands ARGS to this tool).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_RULES, rulesJsonSchema } from '../functions/forwarder/rules-schema';
import { MAX_VALIDATOR_CONTENT_CHARS } from '../stacks/constructs/hosted-configuration';
import { FORWARDER_DEFAULT_RULES_FILE, FORWARDER_RULES_SCHEMA_FILE } from '../stacks/forwarder-rules-files';
import { parseCommandLine, runCli, USAGE_EXIT_CODE, UsageError } from './lib/cli';

const USAGE = 'usage: npx tsx tools/forwarder-schema.ts [--check]\n  writes schema/forwarder-rules.schema.json and schema/forwarder-default-rules.json; --check exits 1 when they are out of date';

export function renderRulesSchema(): string {
  const schema = { ...rulesJsonSchema(), title: 'trailbridge forwarder rules' };
  // Compact: AppConfig's validator size limit counts every character.
  return `${JSON.stringify(schema)}\n`;
}

export function renderDefaultRules(): string {
  return `${JSON.stringify(DEFAULT_RULES, null, 2)}\n`;
}

function main(argv: string[]): number {
  const parsed = parseCommandLine(argv, { check: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, USAGE);
  if (!parsed) return 0;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}\n${USAGE}`, USAGE_EXIT_CODE);
  const files: [string, string][] = [
    [FORWARDER_RULES_SCHEMA_FILE, renderRulesSchema()],
    [FORWARDER_DEFAULT_RULES_FILE, renderDefaultRules()],
  ];
  if (renderRulesSchema().length > MAX_VALIDATOR_CONTENT_CHARS) {
    process.stderr.write(`the rules schema is longer than the ${MAX_VALIDATOR_CONTENT_CHARS} characters AppConfig accepts; shorten descriptions\n`);
    return 1;
  }
  if (parsed.values.check) {
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

if (require.main === module) runCli(() => main(process.argv.slice(2)));
