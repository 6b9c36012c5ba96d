import type { EventPattern } from '../../functions/lib/event-pattern';
import { GLOBAL_EVENTS_REGION } from '../../config/regions';
import { DETAIL_TYPES, type EventBridgeEnvelope } from './envelope';

/** The per-account forwarding options of the topology (`accounts[].source.forwarding`). */
export interface ForwardingOptions {
  readonly enabled: boolean;
  readonly readOnlyEvents: boolean;
  readonly includeSources: readonly string[];
  readonly excludeSources: readonly string[];
}

/**
 * Services whose CloudTrail events EventBridge receives in us-east-1 only, whatever region the call names; a rule
 * elsewhere never sees them.
 */
export const GLOBAL_SERVICE_SOURCES: ReadonlySet<string> = new Set([
  'aws.iam', 'aws.sts', 'aws.signin', 'aws.cloudfront', 'aws.organizations', 'aws.route53',
]);

/** The region whose default bus receives the envelope. */
export function deliveryRegion(envelope: Pick<EventBridgeEnvelope, 'source' | 'region'>): string {
  return GLOBAL_SERVICE_SOURCES.has(envelope.source) ? GLOBAL_EVENTS_REGION : envelope.region;
}

/** The pattern of a source account's forwarding rule: API calls and console sign-ins, narrowed by event source. */
export function forwardingPattern(options: ForwardingOptions): EventPattern {
  const pattern: EventPattern = { 'detail-type': [DETAIL_TYPES.AwsApiCall, DETAIL_TYPES.AwsConsoleSignIn] };
  const excluded = new Set(options.excludeSources);
  const included = options.includeSources.filter((source) => !excluded.has(source));
  if (options.includeSources.length > 0) pattern.detail = { eventSource: included.length > 0 ? included : [{ exists: false }] };
  else if (excluded.size > 0) pattern.detail = { eventSource: [{ 'anything-but': [...excluded] }] };
  return pattern;
}

/**
 * True when the record is a read-only management event: those reach a rule only in the state
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (the topology's `forwarding.readOnlyEvents`).
 */
export function isReadOnlyManagementEvent(record: Record<string, unknown>): boolean {
  return record.readOnly === true && record.eventCategory !== 'Data' && record.managementEvent !== false;
}
