import { lambdaInvoker } from '../../tools/lib/failure-queue';
import { invokeStandIn } from '../../tools/lib/invoke-stand-in';
import { forwarderResponse, invokedByReplay } from '../../functions/forwarder/response';

describe('the Invoke stand-in of the replay harnesses', () => {
  const summary = { sent: 4, failed: 3, tickets: 1 } as unknown as Parameters<typeof forwarderResponse>[0]['summary'];
  const event = { Records: [{ messageId: 'm1', body: '{}' }] };

  test('the command\'s client context reaches the handler as the runtime gives it, so the function answers with its summary', async () => {
    const seen: unknown[] = [];
    const lambda = invokeStandIn(async (got, clientContext) => {
      seen.push(got, clientContext);
      return { result: forwarderResponse({ batchItemFailures: [{ itemIdentifier: 'm1' }], summary }, clientContext) };
    });
    await expect(lambdaInvoker(lambda, 'fn')(event)).resolves.toEqual({ ok: true, batchItemFailures: ['m1'], again: { sent: 4, failed: 3, tickets: 1 } });
    expect(seen[0]).toEqual(event);
    expect(invokedByReplay(seen[1])).toBe(true);
  });

  test('a handler that threw is a function error with its message', async () => {
    const lambda = invokeStandIn(async () => ({ error: 'cannot write replay tickets to the failure queue' }));
    await expect(lambdaInvoker(lambda, 'fn')(event)).resolves.toEqual({ ok: false, error: 'fn failed: cannot write replay tickets to the failure queue' });
  });
});
