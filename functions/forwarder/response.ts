/**
 * What the forwarder answers. An SQS event gets a partial batch response, and only that key, as an
 * event source mapping expects. The replay command (`npm run replay -- --from-queue`), which says
 * so in the invocation's client context, gets the invocation's summary beside it: without it, a
 * batch whose records all failed again (and were ticketed again) answered exactly like one that
 * was delivered, and the command reported success. Any other event gets the summary.
 */
import type { InvocationResult } from './invocation';

/** The `custom` part of the client context the replay command invokes the function with. */
export const REPLAY_CLIENT_CONTEXT_CUSTOM = { trailbridge: 'replay' } as const;

export type ForwarderResponse =
  | InvocationResult['summary']
  | { batchItemFailures: { itemIdentifier: string }[] }
  | { batchItemFailures: { itemIdentifier: string }[]; summary: InvocationResult['summary'] };

/** True when the client context is the replay command's (the Node runtime's `custom`, or `Custom` as @types/aws-lambda spells it). */
export function invokedByReplay(clientContext: unknown): boolean {
  if (typeof clientContext !== 'object' || clientContext === null) return false;
  const { custom, Custom } = clientContext as { custom?: unknown; Custom?: unknown };
  const value = (custom ?? Custom) as { trailbridge?: unknown } | undefined;
  return value?.trailbridge === REPLAY_CLIENT_CONTEXT_CUSTOM.trailbridge;
}

export function forwarderResponse(result: InvocationResult, clientContext: unknown): ForwarderResponse {
  if (!result.batchItemFailures) return result.summary;
  return invokedByReplay(clientContext) ? { batchItemFailures: result.batchItemFailures, summary: result.summary } : { batchItemFailures: result.batchItemFailures };
}
