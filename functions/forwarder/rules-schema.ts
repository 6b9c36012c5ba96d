/**
 * The forwarding and processing rules: one JSON document in an AppConfig hosted configuration.
 *
 * This zod schema is the single source of the document's shape; its limits and defaults are the
 * constants of ./rules-constants.ts, which the function loads without zod (it imports this file
 * only when a document arrives: see rules-source.ts). `tools/forwarder-schema.ts`
 * generates from it `schema/forwarder-rules.schema.json` (JSON Schema draft-04, the only draft
 * AppConfig validators accept, so AppConfig itself refuses a bad deployment) and
 * `schema/forwarder-default-rules.json` (the built-in defaults, stored as the hosted version).
 * Checks JSON Schema cannot express (event pattern syntax) run in the function, which keeps the
 * last good rules when they fail.
 */
import * as z from 'zod';
import { validatePattern } from '../lib/event-pattern';
import {
  DEFAULT_LIMITS,
  DEFAULT_ROUTE_NAME,
  DYNATRACE_MAX_ATTRIBUTE_KEY_BYTES,
  DYNATRACE_MAX_EVENTS_PER_REQUEST,
  DYNATRACE_MAX_REQUEST_BYTES,
  MAX_CONTENT_BYTES,
  MIN_CONTENT_BYTES,
  RESERVED_ATTRIBUTE_KEYS,
  RULES_DOCUMENT_VERSION,
} from './rules-constants';

/** ASCII only, so its length in characters is its length in bytes. */
const ATTRIBUTE_KEY = new RegExp(`^[A-Za-z_][A-Za-z0-9_.\\-]{0,${DYNATRACE_MAX_ATTRIBUTE_KEY_BYTES - 1}}$`);
/** Dot-separated segments, `*` for any key or array index, optional leading `$.`; `a[*].b` is `a.*.b`. */
const REDACTION_PATH = /^(\$\.)?[^.\s]+(\.[^.\s]+)*$/;

const annotations = z
  .record(z.string(), z.string().max(250))
  .default({})
  .superRefine((value, ctx) => {
    // Checked here rather than as the record's key schema, so the message names the key.
    for (const key of Object.keys(value)) {
      if (!ATTRIBUTE_KEY.test(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${JSON.stringify(key)}: an attribute key is 1-${DYNATRACE_MAX_ATTRIBUTE_KEY_BYTES} letters, digits, "_", "." or "-", starting with a letter or "_"` });
      } else if ((RESERVED_ATTRIBUTE_KEYS as readonly string[]).includes(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${JSON.stringify(key)} is set by the forwarder itself; choose another attribute key` });
      }
    }
  })
  .describe('Extra attributes added to every event of the route.');

export const routeSchema = z.strictObject({
  name: z.string().min(1).max(64).describe('Shown in logs and metrics.'),
  bucket: z.string().min(3).max(63).optional().describe('Exact bucket name. @default - any bucket'),
  keyPrefix: z.string().max(1024).optional().describe('Key prefix, e.g. "AWSLogs/o-abc/111122223333/". @default - any key'),
  forward: z.boolean().default(true).describe('false: matching objects are skipped (counted).'),
  annotations,
});

export const filterSchema = z
  .strictObject({
    name: z.string().min(1).max(64),
    action: z.enum(['forward', 'drop']).describe('What happens to a record the pattern matches.'),
    pattern: z
      .record(z.string(), z.unknown())
      .describe('An EventBridge event pattern, matched against the CloudTrail record itself (not an envelope).'),
  })
  .superRefine((filter, ctx) => {
    for (const problem of validatePattern(filter.pattern)) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: problem });
    }
  });

export const redactionSchema = z.strictObject({
  path: z
    .string()
    .regex(REDACTION_PATH, { error: 'write a path as dot-separated keys, "*" for any key, e.g. "requestParameters.password"' })
    .describe('Field to mask, e.g. "responseElements.credentials.sessionToken" or "requestParameters.*.secret".'),
  mask: z.string().max(64).default('****'),
});

export const limitsSchema = z.strictObject({
  maxContentBytes: z
    .number()
    .int()
    .min(MIN_CONTENT_BYTES)
    .max(MAX_CONTENT_BYTES)
    .default(DEFAULT_LIMITS.maxContentBytes)
    .describe('Longer content is cut on a UTF-8 boundary, with a marker. Managed and Logs Classic: 8192.'),
  maxBatchBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(DYNATRACE_MAX_REQUEST_BYTES)
    .default(DEFAULT_LIMITS.maxBatchBytes)
    .describe('Uncompressed request body budget, serialized UTF-8 bytes.'),
  maxEventsPerBatch: z.number().int().min(1).max(DYNATRACE_MAX_EVENTS_PER_REQUEST).default(DEFAULT_LIMITS.maxEventsPerBatch),
  maxAttributeValueBytes: z
    .number()
    .int()
    .min(64)
    .max(32 * 1024)
    .default(DEFAULT_LIMITS.maxAttributeValueBytes)
    .describe('Longer attribute values are cut. Logs Classic: 250; Log Management and Analytics: 32768.'),
});

/** Sigma levels, least to most severe (the Sigma specification's "Level"). */
const SIGMA_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;

export const sigmaRuleSchema = z
  .strictObject({
    id: z.string().min(1).max(128).describe('The Sigma rule id (threat.rule.id).'),
    name: z.string().min(1).max(256).describe('The Sigma title (threat.rule.name).'),
    level: z.enum(SIGMA_LEVELS).describe('threat.rule.level.'),
    pattern: z.record(z.string(), z.unknown()).describe('The compiled pattern, matched against the record itself.'),
  })
  .superRefine((rule, ctx) => {
    for (const problem of validatePattern(rule.pattern)) ctx.addIssue({ code: 'custom', path: ['pattern'], message: problem });
  });

export const rulesSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(RULES_DOCUMENT_VERSION),
    routes: z
      .array(routeSchema)
      .min(1)
      .default([{ name: DEFAULT_ROUTE_NAME, forward: true, annotations: {} }])
      .describe('Which objects are forwarded: the first route whose bucket and keyPrefix match decides; no match: skipped.'),
    filters: z
      .array(filterSchema)
      .default([])
      .describe('Record filters, in order: the first whose pattern matches decides; none: defaultAction.'),
    defaultAction: z.enum(['forward', 'drop']).default('forward'),
    redactions: z.array(redactionSchema).default([]),
    staleRecords: z
      .enum(['restamp', 'drop'])
      .default('restamp')
      .describe('Records older than Dynatrace accepts (24 h): restamp to now, original time kept in an attribute, or drop.'),
    limits: limitsSchema.prefault({}),
    sigma: z
      .array(sigmaRuleSchema)
      .default([])
      .describe('Sigma rules (npm run sigma): a record they match gets threat.rule.id, .name and .level, comma-joined.'),
  })
  .describe('trailbridge forwarder rules');

/** The document as written (defaults optional). */
export type RulesDocumentInput = z.input<typeof rulesSchema>;
/** The document with every default filled in. */
export type RulesDocument = z.output<typeof rulesSchema>;
export type Route = RulesDocument['routes'][number];
export type Filter = RulesDocument['filters'][number];
export type Redaction = RulesDocument['redactions'][number];
export type Limits = RulesDocument['limits'];
export type SigmaTagRule = RulesDocument['sigma'][number];

/** The built-in rules: forward every CloudTrail record, nothing redacted. */
export const DEFAULT_RULES: RulesDocument = rulesSchema.parse({ version: RULES_DOCUMENT_VERSION });

/** Parses and validates a document; the error lists every problem with its JSON path. */
export function parseRules(input: unknown): { ok: true; rules: RulesDocument } | { ok: false; problems: string[] } {
  const result = rulesSchema.safeParse(input);
  if (result.success) return { ok: true, rules: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(document)'}: ${i.message}`),
  };
}

/** The JSON Schema of the document, for the AppConfig profile's validator. */
export function rulesJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(rulesSchema, { io: 'input', target: 'draft-04' }) as Record<string, unknown>;
}
