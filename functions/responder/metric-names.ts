/**
 * Where the responder's EMF metrics go, for the handler and for the stacks' alarms on them (the
 * stacks import this module, never the other way round).
 */
export const RESPONDER_METRICS_NAMESPACE = 'Trailbridge/Responder';
export const RESPONDER_METRICS_DIMENSIONS: Readonly<Record<string, string>> = { service: 'responder' };

/**
 * The counts of events the responder settled without doing what it should and without failing
 * (so Lambda retries nothing and the Errors alarm stays quiet): the stacks alarm on their sum.
 */
export const RESPONDER_PROBLEM_METRICS = ['AccessDenied', 'ReadsFailed', 'ActionFailures', 'AlertFailures'] as const;
