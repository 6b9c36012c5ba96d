/**
 * The rules document's limits, reserved attribute keys and built-in defaults, without zod.
 *
 * The forwarder needs these on every cold start; the zod schema (./rules-schema.ts) only when an
 * AppConfig document arrives to be validated, so it is loaded then (zod is ~450 KB of the bundle
 * and ~35 ms to load). The schema takes its defaults from here, and a test checks that the
 * built-in rules below are exactly what the schema makes of `{ "version": 1 }`.
 */
import type { RulesDocument } from './rules-schema';

export const RULES_DOCUMENT_VERSION = 1;

/** Dynatrace limits (Log Ingest API v2); see https://docs.dynatrace.com/docs/shortlink/lma-limits */
export const DYNATRACE_MAX_EVENTS_PER_REQUEST = 50_000;
export const DYNATRACE_MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const DYNATRACE_MAX_ATTRIBUTE_KEY_BYTES = 100;
/** Logs Classic (and Managed) accept 8 kB of content; the Classic pipeline on SaaS 512 kB. */
export const MIN_CONTENT_BYTES = 8 * 1024;
export const MAX_CONTENT_BYTES = 512 * 1024;

/** Attributes the forwarder sets itself; an annotation may not replace them. */
export const RESERVED_ATTRIBUTE_KEYS = [
  'content',
  'timestamp',
  'severity',
  'cloud.provider',
  'cloud.log_forwarder',
  'aws.service',
  'aws.account.id',
  'aws.region',
  'aws.organization.id',
  'audit.event_source',
  'audit.action',
  'audit.read_only',
  'audit.identity_type',
  'audit.identity',
  'audit.result',
  'log.source.aws.s3.bucket.name',
  'log.source.aws.s3.key.name',
  'trailbridge.record_index',
  'trailbridge.original_timestamp',
  'trailbridge.truncated',
  'trailbridge.record_problem',
  'threat.rule.id',
  'threat.rule.name',
  'threat.rule.level',
] as const;

/** The limits a document that names none gets. */
export const DEFAULT_LIMITS = {
  maxContentBytes: 65_536,
  maxBatchBytes: 5 * 1024 * 1024,
  maxEventsPerBatch: DYNATRACE_MAX_EVENTS_PER_REQUEST,
  maxAttributeValueBytes: 250,
} as const;

/** The route a document that names none gets: every CloudTrail object. */
export const DEFAULT_ROUTE_NAME = 'all-cloudtrail';

/** The built-in rules: forward every CloudTrail record, nothing redacted. */
export function builtInRulesDocument(): RulesDocument {
  return {
    version: RULES_DOCUMENT_VERSION,
    routes: [{ name: DEFAULT_ROUTE_NAME, forward: true, annotations: {} }],
    filters: [],
    defaultAction: 'forward',
    redactions: [],
    staleRecords: 'restamp',
    limits: { ...DEFAULT_LIMITS },
    sigma: [],
  };
}
