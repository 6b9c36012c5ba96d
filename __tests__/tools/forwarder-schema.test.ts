import { readFileSync } from 'node:fs';
import { MAX_VALIDATOR_CONTENT_CHARS } from '../../stacks/constructs/hosted-configuration';
import { FORWARDER_DEFAULT_RULES_FILE, FORWARDER_RULES_SCHEMA_FILE } from '../../stacks/forwarder-rules-files';
import { renderDefaultRules, renderRulesSchema } from '../../tools/forwarder-schema';

describe('generated forwarder rules files', () => {
  it('are up to date with functions/forwarder/rules-schema.ts (run: npx tsx tools/forwarder-schema.ts)', () => {
    expect(readFileSync(FORWARDER_RULES_SCHEMA_FILE, 'utf8')).toBe(renderRulesSchema());
    expect(readFileSync(FORWARDER_DEFAULT_RULES_FILE, 'utf8')).toBe(renderDefaultRules());
  });

  it('is a draft-04 schema AppConfig accepts as a validator', () => {
    const text = renderRulesSchema();
    expect(text.length).toBeLessThanOrEqual(MAX_VALIDATOR_CONTENT_CHARS);
    const schema = JSON.parse(text);
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(schema.required).toEqual(['version']);
    expect(schema.additionalProperties).toBe(false);
  });
});
