import type { ResponderConfig, ResponseId } from './config';
import type { Decision, ReadCall, Response } from './decision';
import type { ResponderEvent } from './event';
import { auditEvidence, blockPublicBucket, databaseDeleted, requireMfaForNewUsers, tagInstanceOwner } from './responses';

/** Every response, in the order the simulator prints them (the executor writes evidence first: see respond()). */
export const RESPONSES: readonly Response[] = [blockPublicBucket, requireMfaForNewUsers, tagInstanceOwner, databaseDeleted, auditEvidence];

/** The responses that are on in the configuration and apply to the event. Pure. */
export function triggers(event: ResponderEvent, config: ResponderConfig): Response[] {
  return RESPONSES.filter((response) => config.responses[response.id] !== undefined && response.triggers(event, config));
}

/** What a response plans for an event. */
export interface PlannedResponse {
  readonly response: ResponseId;
  readonly reads: readonly ReadCall[];
  readonly decision: Decision;
}

/**
 * The plan of every applicable response, deciding on state derived from the event alone (no AWS
 * access): what the simulator prints.
 */
export function planFromEvent(event: ResponderEvent, config: ResponderConfig): PlannedResponse[] {
  return triggers(event, config).map((response) => ({
    response: response.id,
    reads: response.readsFor(event, config),
    decision: response.decide(event, response.assumeFromEvent(event, config), config),
  }));
}
