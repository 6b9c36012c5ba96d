import { join } from 'node:path';

/**
 * The forwarder's generated rules files (written by tools/forwarder-schema.ts, read by the
 * observability stack): the JSON Schema that is the AppConfig profile's validator, and the
 * built-in defaults that are the first hosted configuration version.
 */
export const FORWARDER_RULES_SCHEMA_FILE = join(__dirname, '..', 'schema', 'forwarder-rules.schema.json');
export const FORWARDER_DEFAULT_RULES_FILE = join(__dirname, '..', 'schema', 'forwarder-default-rules.json');
