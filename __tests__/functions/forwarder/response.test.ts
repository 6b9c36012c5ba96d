import { InvocationResult } from '../../../functions/forwarder/invocation';
import { forwarderResponse, invokedByReplay, REPLAY_CLIENT_CONTEXT_CUSTOM } from '../../../functions/forwarder/response';

const summary = { sent: 0, failed: 10, tickets: 1 } as unknown as InvocationResult['summary'];

describe('the forwarder response', () => {
  test('an SQS event source mapping gets the partial batch response, and only that key', () => {
    expect(forwarderResponse({ batchItemFailures: [{ itemIdentifier: 'm1' }], summary }, undefined)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(forwarderResponse({ batchItemFailures: [], summary }, { custom: { other: 'x' } })).toEqual({ batchItemFailures: [] });
  });

  test('the replay command gets the summary beside it, so it can say what failed again', () => {
    expect(forwarderResponse({ batchItemFailures: [], summary }, { custom: REPLAY_CLIENT_CONTEXT_CUSTOM })).toEqual({ batchItemFailures: [], summary });
    expect(invokedByReplay({ Custom: { trailbridge: 'replay' } })).toBe(true);
    expect(invokedByReplay({ client: {}, env: {} })).toBe(false);
    expect(invokedByReplay(null)).toBe(false);
  });

  test('any other event gets the summary', () => {
    expect(forwarderResponse({ summary }, undefined)).toBe(summary);
  });
});
