import { GLOBAL_EVENT_SOURCES, GLOBAL_EVENTS_REGION } from '../../stacks/catalog';
import type { EventBridgeEnvelope } from './envelope';

/**
 * Global services whose calls may also go through a regional endpoint, in which case CloudTrail logs them (and
 * EventBridge receives them) in that region: STS regional endpoints and sign-ins through a regional console URL.
 * Their records name the region they arrive in; every other global service arrives in us-east-1 only.
 */
const REGIONAL_ENDPOINT_SOURCES: ReadonlySet<string> = new Set(['sts.amazonaws.com', 'signin.amazonaws.com']);
const GLOBAL_ONLY_SOURCES: ReadonlySet<string> = new Set(GLOBAL_EVENT_SOURCES.filter((source) => !REGIONAL_ENDPOINT_SOURCES.has(source)));

/** The region whose default bus receives the envelope: the record's own, or the partition's global-events region (us-east-1) for global services. */
export function deliveryRegion(envelope: Pick<EventBridgeEnvelope, 'region' | 'detail'>, globalRegion: string = GLOBAL_EVENTS_REGION): string {
  return GLOBAL_ONLY_SOURCES.has(envelope.detail.eventSource as string) ? globalRegion : envelope.region;
}

/** True when the record is an event of a service that hands its events to EventBridge in us-east-1. */
export function isGlobalServiceEvent(record: Record<string, unknown>): boolean {
  return GLOBAL_EVENT_SOURCES.includes(record.eventSource as string);
}

/**
 * True when the record is a read-only management event: those reach a rule only in the state
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (the topology's `forwarding.readOnlyEvents`).
 */
export function isReadOnlyManagementEvent(record: Record<string, unknown>): boolean {
  return record.readOnly === true && record.eventCategory !== 'Data' && record.managementEvent !== false;
}
