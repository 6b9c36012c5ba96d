import { CreateQueueCommand, GetQueueAttributesCommand, Message, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createTicket } from '../../functions/forwarder/tickets';
import { parseInvocation } from '../../functions/forwarder/notifications';
import { functionRegion, lambdaInvoker, parseQueueCommandLine, queueReplayClients, parseQueueUrl, replayProblem, replayQueue, replayQueueCommand, settleBatch, SqsEvent, sqsEvent } from '../../tools/lib/failure-queue';
import { MotoServer, startMoto } from '../../tools/lib/moto';
import { describeWithTool } from '../support/required-tools';
import { topologyWith } from '../support/synth';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/444444444444/trailbridge-forwarder-failures';
const message = (id: string, body = `{"id":"${id}"}`): Message => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: body });

describe('replay --from-queue: settling a batch', () => {
  const batch = [message('a'), message('b'), message('c')];

  test('the function is done with every message it did not return as failed', () => {
    const { done, left } = settleBatch(batch, { ok: true, batchItemFailures: ['b'] });
    expect(done.map((m) => m.MessageId)).toEqual(['a', 'c']);
    expect(left).toEqual([{ messageId: 'b', reason: expect.stringMatching(/returned it as failed.*dead-letter queue/) }]);
  });

  test('a failed invocation leaves the whole batch in the queue', () => {
    const { done, left } = settleBatch(batch, { ok: false, error: 'Task timed out after 300.00 seconds' });
    expect(done).toEqual([]);
    expect(left.map((l) => l.messageId)).toEqual(['a', 'b', 'c']);
    expect(left[0].reason).toContain('Task timed out after 300.00 seconds');
  });

  test('an id the batch does not hold fails the whole batch, as Lambda does', () => {
    const { done, left } = settleBatch(batch, { ok: true, batchItemFailures: ['zz'] });
    expect(done).toEqual([]);
    expect(left[0].reason).toContain('unknown message ids zz');
  });
});

describe('replay --from-queue: what the function can replay', () => {
  const [ticket] = createTicket({ bucket: 'event-trail-test', key: 'AWSLogs/k.json.gz', ranges: [{ from: 0, to: 9 }], reason: 'HTTP 503', attempt: 1, now: 0 });
  const s3Event = { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'event-trail-test' }, object: { key: 'AWSLogs/a.json.gz' } } }] };

  test('tickets, and the on-failure destination records of failed invocations', () => {
    expect(replayProblem(JSON.stringify(ticket))).toBeUndefined();
    const destination = { version: '1.0', requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 }, requestPayload: s3Event, responsePayload: null };
    expect(replayProblem(JSON.stringify(destination))).toBeUndefined();
  });

  test('judged as the function sees it: inside an SQS event, one envelope deeper', () => {
    const wrap = (payload: unknown, times: number): unknown => (times === 0 ? payload : wrap({ requestContext: {}, requestPayload: payload }, times - 1));
    // The shallowest nesting the function refuses as too deep, delivered in an SQS event.
    let times = 0;
    while (parseInvocation(sqsEvent([message('a', JSON.stringify(wrap(ticket, times)))], QUEUE_URL)).objects.length > 0) times++;
    expect(replayProblem(JSON.stringify(wrap(ticket, times - 1)))).toBeUndefined();
    expect(replayProblem(JSON.stringify(wrap(ticket, times)))).toMatch(/envelopes nested deeper than/);
  });

  test('anything the function would only acknowledge, with the reason', () => {
    expect(replayProblem('garbage')).toBe('message is not JSON: "garbage"');
    expect(replayProblem(undefined)).toBe('message is not JSON: ""');
    expect(replayProblem('{"id":"a"}')).toBe('keys: id');
    expect(replayProblem(JSON.stringify({ ...ticket, ranges: [{ from: 9, to: 1 }] }))).toMatch(/^replay ticket for s3:\/\/event-trail-test\/AWSLogs\/k.json.gz: ranges\[0\]: \{"from":9,"to":1\} is not a record range/);
    expect(replayProblem(JSON.stringify({ ...ticket, bucket: '' }))).toMatch(/names a local file \(AWSLogs\/k.json.gz\), which the function cannot read; replay it where it was written/);
    expect(replayProblem(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }))).toBe('it names no object to forward (s3:TestEvent for bucket b)');
  });
});

describe('replay --from-queue: a queue that fails part way', () => {
  const ticketBody = (n: number) => JSON.stringify(createTicket({ bucket: 'event-trail-test', key: `AWSLogs/k${n}.json.gz`, ranges: [{ from: 0, to: 9 }], reason: 'HTTP 503', attempt: 1, now: 0 })[0]);
  const messages = (from: number, count: number) => Array.from({ length: count }, (_, i) => message(`m${from + i}`, ticketBody(from + i)));
  /** An SQS client answering each command by its name, from a script. */
  const scripted = (script: Record<string, ((input: any) => unknown)[]>) => {
    const calls: { name: string; input: any }[] = [];
    return {
      calls,
      send: jest.fn(async (command: { constructor: { name: string }; input: unknown }) => {
        const name = command.constructor.name;
        calls.push({ name, input: command.input });
        const next = script[name]?.shift();
        if (!next) throw new Error(`unscripted ${name}`);
        return next(command.input);
      }),
    };
  };
  const networkDown = () => {
    throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
  };

  test('a dry run whose receive fails part way still makes what it received visible again', async () => {
    const sqs = scripted({ ReceiveMessageCommand: [() => ({ Messages: messages(0, 10) }), networkDown], ChangeMessageVisibilityBatchCommand: [() => ({ Failed: [] })] });
    await expect(replayQueue({ queueUrl: QUEUE_URL, sqs, maxMessages: 100, visibilityTimeoutSeconds: 600, waitSeconds: 0, dryRun: true, invoke: jest.fn() })).rejects.toThrow(/socket hang up/);
    const released = sqs.calls.filter((c) => c.name === 'ChangeMessageVisibilityBatchCommand');
    expect(released).toHaveLength(1);
    expect(released[0].input.Entries).toHaveLength(10);
    expect(released[0].input.Entries.every((e: { VisibilityTimeout: number }) => e.VisibilityTimeout === 0)).toBe(true);
  });

  test('a delete that fails after the function replayed the batch: its messages are named (they will be replayed again), and the run stops', async () => {
    const sqs = scripted({ ReceiveMessageCommand: [() => ({ Messages: messages(0, 3) })], DeleteMessageBatchCommand: [networkDown] });
    const result = await replayQueue({ queueUrl: QUEUE_URL, sqs, maxMessages: 100, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke: async () => ({ ok: true, batchItemFailures: [] }) });
    expect(result).toEqual(expect.objectContaining({ received: 3, invocations: 1, deleted: 0, stoppedBy: expect.stringMatching(/^cannot delete replayed messages from the queue: TimeoutError: socket hang up$/) }));
    expect(result.left.map((l) => l.messageId)).toEqual(['m0', 'm1', 'm2']);
    expect(result.left[0].reason).toMatch(/^replayed, but not deleted \(TimeoutError: socket hang up\): it will be replayed again, and its records sent to Dynatrace twice$/);
  });
});

describe('replay --from-queue: records that fail again', () => {
  const ticketBody = (n: number) => JSON.stringify(createTicket({ bucket: 'event-trail-test', key: `AWSLogs/k${n}.json.gz`, ranges: [{ from: 0, to: 9 }], reason: 'HTTP 503', attempt: 1, now: 0 })[0]);
  const batches = (...sizes: number[]) => {
    let n = 0;
    const answers = sizes.map((size) => () => ({ Messages: Array.from({ length: size }, () => message(`m${n}`, ticketBody(n++))) }));
    return [...answers, () => ({ Messages: [] })];
  };
  const sqsAnswering = (receives: (() => unknown)[]) => ({
    send: jest.fn(async (command: { constructor: { name: string }; input: { Entries?: unknown[] } }) => {
      if (command.constructor.name === 'ReceiveMessageCommand') return receives.shift()!();
      if (command.constructor.name === 'DeleteMessageBatchCommand') return { Failed: [] };
      throw new Error(`unscripted ${command.constructor.name}`);
    }),
  });

  test('a batch of which nothing was sent and records failed again stops the run: the next batches would fail alike, using up an attempt of their tickets', async () => {
    const invoke = jest.fn(async () => ({ ok: true as const, batchItemFailures: [], again: { sent: 0, failed: 90, tickets: 10 } }));
    const result = await replayQueue({ queueUrl: QUEUE_URL, sqs: sqsAnswering(batches(10, 10, 10)), maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke });
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(result).toEqual(expect.objectContaining({ received: 10, invocations: 1, deleted: 10, failedAgain: 90, newTickets: 10 }));
    expect(result.stoppedBy).toMatch(/^nothing of a batch was sent and 90 records failed again: stopping, so that the next batches do not fail alike, each using up an attempt of its tickets/);
  });

  test('a batch of which nothing was sent because its objects could not be read (tickets for whole objects, no record counted) stops the run too', async () => {
    // An object S3 will not give (access denied, the key refused) is ticketed whole: no record was read, so none is counted as failed.
    const invoke = jest.fn(async () => ({ ok: true as const, batchItemFailures: [], again: { sent: 0, failed: 0, tickets: 10, objectsFailed: 10 } }));
    const result = await replayQueue({ queueUrl: QUEUE_URL, sqs: sqsAnswering(batches(10, 10, 10)), maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke });
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(result).toEqual(expect.objectContaining({ received: 10, invocations: 1, deleted: 10, failedAgain: 0, newTickets: 10 }));
    expect(result.stoppedBy).toMatch(/^nothing of a batch was sent and 10 objects could not be read: stopping, so that the next batches do not fail alike, .*the objects readable by the function/);
    // Given up (replayed too often) rather than ticketed again: no new ticket, still nothing sent.
    const givenUp = jest.fn(async (e: SqsEvent) => ({ ok: true as const, batchItemFailures: e.Records.map((r) => r.messageId as string), again: { sent: 0, failed: 0, tickets: 0, objectsFailed: 10 } }));
    const second = await replayQueue({ queueUrl: QUEUE_URL, sqs: sqsAnswering(batches(10, 10)), maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke: givenUp });
    expect(givenUp).toHaveBeenCalledTimes(1);
    expect(second.stoppedBy).toMatch(/^nothing of a batch was sent and 10 objects could not be read: stopping/);
    // A function that does not count failed objects: its new tickets say it.
    const older = jest.fn(async () => ({ ok: true as const, batchItemFailures: [], again: { sent: 0, failed: 0, tickets: 4 } }));
    const third = await replayQueue({ queueUrl: QUEUE_URL, sqs: sqsAnswering(batches(10, 10)), maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke: older });
    expect(older).toHaveBeenCalledTimes(1);
    expect(third.stoppedBy).toMatch(/^nothing of a batch was sent and 4 new tickets were written: stopping/);
  });

  test('a batch of which nothing was sent and nothing failed (every record dropped by a rule, or already forwarded) does not stop the run', async () => {
    const invoke = jest.fn(async () => ({ ok: true as const, batchItemFailures: [], again: { sent: 0, failed: 0, tickets: 0, objectsFailed: 0 } }));
    const result = await replayQueue({ queueUrl: QUEUE_URL, sqs: sqsAnswering(batches(10, 10)), maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke });
    expect(invoke).toHaveBeenCalledTimes(2);
    expect(result.stoppedBy).toBeUndefined();
  });

  test('records that fail again beside others sent are counted, and the run goes on', async () => {
    const answers = [{ sent: 80, failed: 10, tickets: 1 }, { sent: 90, failed: 0, tickets: 0 }];
    const invoke = jest.fn(async () => ({ ok: true as const, batchItemFailures: [], again: answers.shift()! }));
    const result = await replayQueue({ queueUrl: QUEUE_URL, sqs: sqsAnswering(batches(10, 10)), maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke });
    expect(result).toEqual(expect.objectContaining({ received: 20, invocations: 2, deleted: 20, failedAgain: 10, newTickets: 1, stoppedBy: undefined }));
  });

  test('a message sent after the run started (its new tickets, live traffic) is held back: not handed to the function, visible again when the run ends', async () => {
    const startedAt = 1_700_000_000_000;
    const sentAt = (m: Message, msBeforeStart: number): Message => ({ ...m, Attributes: { SentTimestamp: String(startedAt - msBeforeStart) } });
    const [m0, m1, m2, m3] = [0, 1, 2, 3].map((n) => message(`m${n}`, ticketBody(n)));
    const calls: { name: string; input: any }[] = [];
    const sqs = {
      send: jest.fn(async (command: { constructor: { name: string }; input: any }) => {
        calls.push({ name: command.constructor.name, input: command.input });
        if (command.constructor.name === 'ReceiveMessageCommand') {
          // Before the start, beyond the margin (replayed); within the margin for clock skew; after the start; none said.
          if (calls.filter((c) => c.name === 'ReceiveMessageCommand').length === 1) return { Messages: [sentAt(m0, 11_000), sentAt(m1, 9_000), sentAt(m2, -500), m3] };
          return { Messages: [] };
        }
        if (command.constructor.name === 'DeleteMessageBatchCommand') return { Failed: [] };
        if (command.constructor.name === 'ChangeMessageVisibilityBatchCommand') return { Failed: [] };
        throw new Error(`unscripted ${command.constructor.name}`);
      }),
    };
    const invoke = jest.fn(async (_event: SqsEvent) => ({ ok: true as const, batchItemFailures: [], again: { sent: 10, failed: 0, tickets: 0 } }));
    const result = await replayQueue({ queueUrl: QUEUE_URL, sqs, maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke, clock: () => startedAt });
    expect(calls[0].input.MessageSystemAttributeNames).toContain('SentTimestamp');
    expect(invoke).toHaveBeenCalledTimes(1);
    // A message whose sending time SQS did not say is replayed: nothing shows it is this run's.
    expect(invoke.mock.calls[0][0].Records.map((r) => r.messageId)).toEqual(['m0', 'm3']);
    expect(result).toEqual(expect.objectContaining({ received: 4, invocations: 1, deleted: 2, heldBack: 2, left: [], stoppedBy: undefined }));
    const released = calls.filter((c) => c.name === 'ChangeMessageVisibilityBatchCommand');
    expect(released).toHaveLength(1);
    expect(released[0].input.Entries).toEqual([expect.objectContaining({ ReceiptHandle: 'rh-m1', VisibilityTimeout: 0 }), expect.objectContaining({ ReceiptHandle: 'rh-m2', VisibilityTimeout: 0 })]);
    // Released only after the last receive: visible at once, they would be received again by this run, each receive counting toward maxReceiveCount.
    expect(calls.map((c) => c.name).lastIndexOf('ReceiveMessageCommand')).toBeLessThan(calls.findIndex((c) => c.name === 'ChangeMessageVisibilityBatchCommand'));
  });

  test('a new ticket for records this run replayed is held back whatever its SentTimestamp says (a clock further ahead than the margin)', async () => {
    // This machine's clock runs 60 s ahead of SQS's: the function's new ticket looks sent before the run started.
    const startedAt = 1_700_000_000_000;
    const stamped = (m: Message): Message => ({ ...m, Attributes: { SentTimestamp: String(startedAt - 60_000), ApproximateReceiveCount: '1' } });
    const first = [0, 1, 2].map((n) => stamped(message(`m${n}`, ticketBody(n))));
    const again = { ...JSON.parse(ticketBody(1)), attempt: 2 };
    const receives = [() => ({ Messages: first }), () => ({ Messages: [stamped(message('m9', JSON.stringify(again))), stamped(message('m3', ticketBody(3)))] }), () => ({ Messages: [] })];
    const released: string[] = [];
    const sqs = {
      send: jest.fn(async (command: { constructor: { name: string }; input: any }) => {
        if (command.constructor.name === 'ReceiveMessageCommand') return receives.shift()!();
        if (command.constructor.name === 'ChangeMessageVisibilityBatchCommand') released.push(...command.input.Entries.map((e: { ReceiptHandle: string }) => e.ReceiptHandle));
        return { Failed: [] };
      }),
    };
    const invoke = jest.fn(async (_event: SqsEvent) => ({ ok: true as const, batchItemFailures: [], again: { sent: 20, failed: 10, tickets: 1 } }));
    const result = await replayQueue({ queueUrl: QUEUE_URL, sqs, maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke, clock: () => startedAt });
    expect(invoke.mock.calls.map(([event]) => event.Records.map((r) => r.messageId))).toEqual([['m0', 'm1', 'm2'], ['m3']]);
    expect(result).toEqual(expect.objectContaining({ received: 5, invocations: 2, deleted: 4, heldBack: 1 }));
    expect(released).toEqual(['rh-m9']);
  });

  test('tickets of one object for other records (a large object\'s tickets, split) are replayed in the same run; only one for records it replayed is held back', async () => {
    const part = (id: string, from: number, to: number | null, attempt = 1) =>
      message(id, JSON.stringify(createTicket({ bucket: 'event-trail-test', key: 'AWSLogs/big.json.gz', ranges: [{ from, to }], reason: 'HTTP 503', attempt, now: 0 })[0]));
    const receives = [() => ({ Messages: [part('a', 0, 100)] }), () => ({ Messages: [part('b', 100, 200), part('again', 50, 60, 2), part('rest', 300, null)] }), () => ({ Messages: [] })];
    const sqs = {
      send: jest.fn(async (command: { constructor: { name: string } }) => (command.constructor.name === 'ReceiveMessageCommand' ? receives.shift()!() : { Failed: [] })),
    };
    const invoke = jest.fn(async (_event: SqsEvent) => ({ ok: true as const, batchItemFailures: [], again: { sent: 90, failed: 10, tickets: 1 } }));
    const result = await replayQueue({ queueUrl: QUEUE_URL, sqs, maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, invoke });
    expect(invoke.mock.calls.map(([event]) => event.Records.map((r) => r.messageId))).toEqual([['a'], ['b', 'rest']]);
    expect(result.heldBack).toBe(1);
  });

  test('the command exits 1 and says so when records failed again, though every message was deleted', async () => {
    const out: string[] = [];
    const err: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      const lambda = { send: jest.fn(async () => ({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ batchItemFailures: [], summary: { sent: 5, failed: 4, tickets: 1 } })) })) };
      const commandLine = { queueUrl: QUEUE_URL, functionName: 'f', queueRegion: 'eu-west-1', functionRegion: 'eu-west-1', maxMessages: 10, visibilityTimeoutSeconds: 360, dryRun: false };
      const code = await replayQueueCommand(commandLine, { sqs: sqsAnswering(batches(10)), lambda } as unknown as Parameters<typeof replayQueueCommand>[1]);
      expect(code).toBe(1);
      expect(JSON.parse(out.join('').trim().split('\n').pop()!)).toMatchObject({ received: 10, invocations: 1, deleted: 10, left: 0, failedAgain: 4, newTickets: 1 });
      expect(err.join('')).toMatch(/^4 record\(s\) failed again; the function wrote 1 new ticket\(s\) to the queue: replay them once the cause is fixed \(the function's log says it\)$/m);
    } finally {
      jest.restoreAllMocks();
    }
  });

  test('the command exits 1 and says so when it held messages back, though the rest was replayed', async () => {
    const out: string[] = [];
    const err: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      const lambda = { send: jest.fn(async () => ({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ batchItemFailures: [], summary: { sent: 5, failed: 0, tickets: 0 } })) })) };
      const later = String(Date.now() + 60_000);
      const receives = [() => ({ Messages: [message('m0', ticketBody(0)), { ...message('m1', ticketBody(1)), Attributes: { SentTimestamp: later } }] }), () => ({ Messages: [] })];
      const sqs = {
        send: jest.fn(async (command: { constructor: { name: string } }) => {
          if (command.constructor.name === 'ReceiveMessageCommand') return receives.shift()!();
          return { Failed: [] };
        }),
      };
      const commandLine = { queueUrl: QUEUE_URL, functionName: 'f', queueRegion: 'eu-west-1', functionRegion: 'eu-west-1', maxMessages: 10, visibilityTimeoutSeconds: 360, dryRun: false };
      const code = await replayQueueCommand(commandLine, { sqs, lambda } as unknown as Parameters<typeof replayQueueCommand>[1]);
      expect(code).toBe(1);
      expect(JSON.parse(out.join('').trim().split('\n').pop()!)).toMatchObject({ received: 2, invocations: 1, deleted: 1, left: 0, heldBack: 1, failedAgain: 0, newTickets: 0 });
      expect(err.join('')).toMatch(/^1 message\(s\) sent to the queue after the run started \(or less than 10 s before, for clock skew\), or naming records this run replayed, held back, visible again now: /m);
    } finally {
      jest.restoreAllMocks();
    }
  });
});

describe('replay --from-queue: the event and the queue URL', () => {
  test('messages become the event an SQS event source mapping delivers', () => {
    const event = sqsEvent([{ ...message('a'), Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' } }], QUEUE_URL);
    expect(event.Records).toEqual([
      expect.objectContaining({
        messageId: 'a',
        receiptHandle: 'rh-a',
        body: '{"id":"a"}',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:444444444444:trailbridge-forwarder-failures',
        awsRegion: 'eu-west-1',
        attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
      }),
    ]);
  });

  test('the partition of the queue: its URL and its ARN in the event', () => {
    const china = 'https://sqs.cn-north-1.amazonaws.com.cn/444444444444/trailbridge-forwarder-failures';
    expect(parseQueueUrl(china)).toEqual({ partition: 'aws-cn', region: 'cn-north-1', accountId: '444444444444', queueName: 'trailbridge-forwarder-failures' });
    expect(sqsEvent([message('a')], china).Records[0].eventSourceARN).toBe('arn:aws-cn:sqs:cn-north-1:444444444444:trailbridge-forwarder-failures');
    const govCloud = 'https://sqs.us-gov-west-1.amazonaws.com/444444444444/q';
    expect(sqsEvent([message('a')], govCloud).Records[0].eventSourceARN).toBe('arn:aws-us-gov:sqs:us-gov-west-1:444444444444:q');
    // The legacy form some consoles and SDKs still print: the region is in the host.
    expect(parseQueueUrl('https://eu-west-1.queue.amazonaws.com/444444444444/q')).toEqual(expect.objectContaining({ partition: 'aws', region: 'eu-west-1' }));
  });

  test('queue URLs of AWS and of an emulator; anything else is refused', () => {
    expect(parseQueueUrl(QUEUE_URL)).toEqual({ partition: 'aws', region: 'eu-west-1', accountId: '444444444444', queueName: 'trailbridge-forwarder-failures' });
    expect(parseQueueUrl('http://127.0.0.1:5000/123456789012/q.fifo')).toEqual(expect.objectContaining({ accountId: '123456789012', queueName: 'q.fifo' }));
    expect(() => parseQueueUrl('arn:aws:sqs:eu-west-1:444444444444:q')).toThrow(/is not an SQS queue URL/);
  });
});

describe('replay --from-queue: the command line', () => {
  const topology = topologyWith((t) => (t.forwarder = { timeoutInSeconds: 120 }));

  test('queue and function default to the topology; the visibility timeout outlasts the function', () => {
    expect(parseQueueCommandLine(['--from-queue'], topology)).toEqual({
      queueUrl: `https://sqs.${topology.homeRegion}.amazonaws.com/${topology.accounts.find((a) => a.roles.includes('observability'))!.id}/trailbridge-forwarder-failures`,
      functionName: 'trailbridge-forwarder',
      queueRegion: topology.homeRegion,
      functionRegion: topology.homeRegion,
      maxMessages: 1000,
      visibilityTimeoutSeconds: 180,
      dryRun: false,
    });
    expect(parseQueueCommandLine(['--from-queue', '--queue-url', QUEUE_URL, '--function', 'f', '--max-messages', '5', '--dry-run'], topology)).toEqual(
      expect.objectContaining({ queueUrl: QUEUE_URL, queueRegion: 'eu-west-1', functionName: 'f', maxMessages: 5, dryRun: true }),
    );
  });

  test('the function is invoked in its own region: a --function ARN\'s, else the topology\'s home region, whatever the queue\'s', () => {
    expect(functionRegion('trailbridge-forwarder', 'eu-central-1')).toBe('eu-central-1');
    expect(functionRegion('arn:aws:lambda:us-west-2:444444444444:function:trailbridge-forwarder', 'eu-central-1')).toBe('us-west-2');
    expect(functionRegion('arn:aws-cn:lambda:cn-northwest-1:444444444444:function:f:live', 'cn-north-1')).toBe('cn-northwest-1');
    // A partial ARN (account:function:name) and a name with a qualifier name no region.
    expect(functionRegion('444444444444:function:f', 'eu-central-1')).toBe('eu-central-1');
    expect(functionRegion('f:live', 'eu-central-1')).toBe('eu-central-1');
    const other = parseQueueCommandLine(['--from-queue', '--queue-url', QUEUE_URL], topology)!;
    expect(other).toEqual(expect.objectContaining({ queueRegion: 'eu-west-1', functionRegion: topology.homeRegion }));
    expect(topology.homeRegion).not.toBe('eu-west-1');
    const byArn = parseQueueCommandLine(['--from-queue', '--function', 'arn:aws:lambda:ap-southeast-2:444444444444:function:f'], topology)!;
    expect(byArn).toEqual(expect.objectContaining({ queueRegion: topology.homeRegion, functionRegion: 'ap-southeast-2' }));
  });

  test('the default queue URL has the endpoint of the topology\'s partition', () => {
    const china = { ...topology, partition: 'aws-cn' as const, homeRegion: 'cn-north-1' };
    const line = parseQueueCommandLine(['--from-queue'], china)!;
    expect(line.queueUrl).toMatch(/^https:\/\/sqs\.cn-north-1\.amazonaws\.com\.cn\/\d{12}\/trailbridge-forwarder-failures$/);
    expect(line.queueRegion).toBe('cn-north-1');
    expect(line.functionRegion).toBe('cn-north-1');
  });

  test('mistakes are usage errors (exit code 2) that say what to give', () => {
    const error = (argv: string[]) => {
      try {
        parseQueueCommandLine(argv, topology);
      } catch (err) {
        return { message: (err as Error).message, exitCode: (err as { exitCode?: number }).exitCode };
      }
      throw new Error('no error');
    };
    expect(error(['--from-queue', '--visibility-timeout', '60'])).toEqual({ message: expect.stringMatching(/from 180 \(the function's timeout, forwarder.timeoutInSeconds, plus 60\)/), exitCode: 2 });
    expect(error(['--from-queue', '--max-messages', 'lots']).message).toMatch(/--max-messages lots: use an integer from 1 to 100000/);
    expect(error(['--from-queue', '--queue-url', 'q']).message).toMatch(/--queue-url: "q" is not an SQS queue URL/);
    expect(error(['--from-queue', 'tickets.jsonl']).message).toMatch(/not ticket files \("tickets.jsonl"\)\nusage: npm run replay -- --from-queue/);
    expect(error(['--from-queue', '--dt-url', 'x']).message).toMatch(/Unknown option '--dt-url'/);
  });
});

describe('replay --from-queue: a queue it cannot reach', () => {
  const commandLine = { queueUrl: QUEUE_URL, functionName: 'f', queueRegion: 'eu-west-1', functionRegion: 'eu-west-1', maxMessages: 10, visibilityTimeoutSeconds: 360, dryRun: true };
  const failing = (err: Error) => ({ sqs: { send: jest.fn(async () => Promise.reject(err)) }, lambda: { send: jest.fn() } });
  const named = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name }, extra);

  test.each([
    ['no credentials', named('CredentialsProviderError', 'Could not load credentials from any providers')],
    ['no network', named('Error', 'getaddrinfo ENOTFOUND sqs.eu-west-1.amazonaws.com', { $metadata: { attempts: 3 } })],
    ['access denied', named('AccessDenied', 'not authorized to perform: sqs:receivemessage', { $metadata: { httpStatusCode: 403 } })],
  ])('%s: a message naming the queue and what to check, no stack trace (exit code 1)', async (_label, err) => {
    const clients = failing(err) as unknown as Parameters<typeof replayQueueCommand>[1];
    await expect(replayQueueCommand(commandLine, clients)).rejects.toMatchObject({
      name: 'UsageError',
      exitCode: 1,
      message: `${QUEUE_URL}: ${err.name}: ${err.message}; check the AWS credentials (AWS_PROFILE, aws sso login) and that they may receive from the queue`,
    });
  });

  test('an error that is not an AWS call\'s is left as it is', async () => {
    const bug = new TypeError('x is not a function');
    await expect(replayQueueCommand(commandLine, failing(bug) as unknown as Parameters<typeof replayQueueCommand>[1])).rejects.toBe(bug);
  });
});

describe('replay --from-queue: invoking the function', () => {
  const event: SqsEvent = { Records: [] };
  const lambda = (answer: Record<string, unknown> | Error) => ({
    send: jest.fn(async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    }),
  });
  const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  test('the function is invoked once per batch: the SDK does not invoke it again after a dropped connection', async () => {
    // A retried Invoke whose first call is still running replays the same batch twice: every record sent twice.
    const { sqs, lambda } = queueReplayClients({ queueRegion: 'eu-west-1', functionRegion: 'eu-central-1' });
    expect(await lambda.config.maxAttempts()).toBe(1);
    // Each client in its resource's region: a queue elsewhere than the function is no reason to invoke it there.
    expect(await lambda.config.region()).toBe('eu-central-1');
    expect(await sqs.config.region()).toBe('eu-west-1');
    lambda.destroy();
    sqs.destroy();
  });

  test('a partial batch response gives the ids to keep', async () => {
    const client = lambda({ StatusCode: 200, Payload: payload({ batchItemFailures: [{ itemIdentifier: 'm2' }] }) });
    await expect(lambdaInvoker(client as unknown as LambdaClient, 'fn')(event)).resolves.toEqual({ ok: true, batchItemFailures: ['m2'] });
    expect(client.send).toHaveBeenCalledWith(expect.objectContaining({ input: expect.objectContaining({ FunctionName: 'fn', InvocationType: 'RequestResponse' }) }));
  });

  test('the function is told it is the replay command, and its summary says what failed again', async () => {
    const client = lambda({ StatusCode: 200, Payload: payload({ batchItemFailures: [], summary: { sent: 3, failed: 7, tickets: 2, objectsRead: 1, objectsFailed: 1 } }) });
    await expect(lambdaInvoker(client as unknown as LambdaClient, 'fn')(event)).resolves.toEqual({ ok: true, batchItemFailures: [], again: { sent: 3, failed: 7, tickets: 2, objectsFailed: 1 } });
    const input = (client.send.mock.calls[0] as unknown as [{ input: { ClientContext: string } }])[0].input;
    expect(JSON.parse(Buffer.from(input.ClientContext, 'base64').toString('utf8'))).toEqual({ custom: { trailbridge: 'replay' } });
    // A function deployed before it answered with a summary: nothing known.
    const older = lambda({ StatusCode: 200, Payload: payload({ batchItemFailures: [] }) });
    await expect(lambdaInvoker(older as unknown as LambdaClient, 'fn')(event)).resolves.toEqual({ ok: true, batchItemFailures: [] });
  });

  test('a function error, an unusable answer or a failed call is a failed invocation', async () => {
    const failed = lambda({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorMessage: 'cannot write replay tickets to the failure queue' }) });
    await expect(lambdaInvoker(failed as unknown as LambdaClient, 'fn')(event)).resolves.toEqual({ ok: false, error: 'fn failed: cannot write replay tickets to the failure queue' });
    const summaryOnly = lambda({ StatusCode: 200, Payload: payload({ objectsRead: 1 }) });
    await expect(lambdaInvoker(summaryOnly as unknown as LambdaClient, 'fn')(event)).resolves.toEqual({ ok: false, error: expect.stringMatching(/did not answer with a partial batch response/) });
    const denied = lambda(new Error('User is not authorized to perform: lambda:InvokeFunction'));
    await expect(lambdaInvoker(denied as unknown as LambdaClient, 'fn')(event)).resolves.toEqual({ ok: false, error: expect.stringMatching(/cannot invoke fn: User is not authorized/) });
  });
});

describeWithTool('moto_server', 'replay --from-queue against an emulated queue', () => {
  let moto: MotoServer;
  let sqs: SQSClient;

  beforeAll(async () => {
    moto = await startMoto();
    sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  }, 60_000);
  afterAll(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  async function queueWith(name: string, count: number): Promise<string> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    for (let i = 0; i < count; i += 10) {
      const entries = Array.from({ length: Math.min(10, count - i) }, (_, n) => ({
        Id: String(n),
        MessageBody: JSON.stringify(createTicket({ bucket: 'event-trail-test', key: `AWSLogs/k${i + n}.json.gz`, ranges: [{ from: 0, to: 9 }], reason: 'HTTP 503', attempt: 1, now: 0 })[0]),
      }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
    }
    return QueueUrl!;
  }

  async function counts(queueUrl: string): Promise<{ visible: number; hidden: number }> {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return { visible: Number(Attributes!.ApproximateNumberOfMessages), hidden: Number(Attributes!.ApproximateNumberOfMessagesNotVisible) };
  }

  test('batches of 10 go to the function; what it is done with is deleted, what it returns as failed stays', async () => {
    const queueUrl = await queueWith('replay-all', 23);
    const seen: string[] = [];
    let keep: string | undefined;
    const result = await replayQueue({
      queueUrl,
      sqs,
      maxMessages: 1000,
      visibilityTimeoutSeconds: 600,
      waitSeconds: 0,
      clockSkewMarginMs: 0,
      invoke: async (event) => {
        const ids = event.Records.map((r) => r.messageId as string);
        seen.push(...ids);
        expect(event.Records.every((r) => JSON.parse(r.body as string).type === 'trailbridge.replay-ticket')).toBe(true);
        keep ??= ids[0];
        return { ok: true, batchItemFailures: ids.includes(keep) ? [keep] : [] };
      },
    });
    expect(result).toEqual(expect.objectContaining({ received: 23, invocations: 3, deleted: 22, stoppedBy: undefined }));
    expect(result.left.map((l) => l.messageId)).toEqual([keep]);
    expect(new Set(seen).size).toBe(23);
    expect(await counts(queueUrl)).toEqual({ visible: 0, hidden: 1 });
  });

  test('a failed invocation stops the replay and leaves its batch; the rest was never touched', async () => {
    const queueUrl = await queueWith('replay-broken', 15);
    const result = await replayQueue({ queueUrl, sqs, maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, clockSkewMarginMs: 0, invoke: async () => ({ ok: false, error: 'boom' }) });
    expect(result).toEqual(expect.objectContaining({ received: 10, invocations: 1, deleted: 0, stoppedBy: 'boom' }));
    expect(result.left).toHaveLength(10);
    expect(await counts(queueUrl)).toEqual({ visible: 5, hidden: 10 });
  });

  test('a dry run lists the tickets and leaves every message visible', async () => {
    const queueUrl = await queueWith('replay-dry', 12);
    const invoke = jest.fn();
    const result = await replayQueue({ queueUrl, sqs, maxMessages: 1000, visibilityTimeoutSeconds: 600, waitSeconds: 0, clockSkewMarginMs: 0, dryRun: true, invoke });
    expect(invoke).not.toHaveBeenCalled();
    expect(result.listed).toHaveLength(12);
    expect(result.listed.map((b) => JSON.parse(b).key).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `AWSLogs/k${i}.json.gz`).sort());
    expect(await counts(queueUrl)).toEqual({ visible: 12, hidden: 0 });
  });

  test('a message the function cannot replay is never handed to it, so never deleted: left, naming its id and why', async () => {
    const queueUrl = await queueWith('replay-poison', 3);
    const { Successful = [] } = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'a', MessageBody: 'not json' }, { Id: 'b', MessageBody: '{"type":"trailbridge.replay-ticket","version":2,"bucket":"b","key":"k","ranges":[]}' }] }),
    );
    const bad = Successful.map((s) => s.MessageId);
    const handed: unknown[] = [];
    const result = await replayQueue({
      queueUrl,
      sqs,
      maxMessages: 1000,
      visibilityTimeoutSeconds: 600,
      waitSeconds: 0,
      clockSkewMarginMs: 0,
      invoke: async (event) => {
        handed.push(...event.Records.map((r) => JSON.parse(r.body as string).type));
        return { ok: true, batchItemFailures: [] };
      },
    });
    expect(handed).toEqual(['trailbridge.replay-ticket', 'trailbridge.replay-ticket', 'trailbridge.replay-ticket']);
    expect(result).toEqual(expect.objectContaining({ received: 5, deleted: 3 }));
    expect(result.left.map((l) => l.messageId).sort()).toEqual([...bad].sort());
    expect(result.left.find((l) => l.messageId === bad[0])!.reason).toMatch(/^not replayed: message is not JSON: "not json"; left in the queue: inspect it/);
    expect(result.left.find((l) => l.messageId === bad[1])!.reason).toMatch(/^not replayed: replay ticket for s3:\/\/b\/k: version 2 is not the ticket format this forwarder reads/);
    expect(await counts(queueUrl)).toEqual({ visible: 0, hidden: 2 });
  });

  test('the new tickets a replay writes are not replayed by the same run: held back, then visible again', async () => {
    // Dynatrace takes only part of each batch: the function writes a new ticket for what failed
    // again, at once; without holding them back the run would receive them and use up their attempts.
    const queueUrl = await queueWith('replay-same-run', 10);
    // This machine's clock is SQS's (moto runs here), so no margin for skew: the tickets were just sent.
    const before = Date.now();
    while (Date.now() === before) await new Promise((resolve) => setTimeout(resolve, 1));
    const handed: { key: string; attempt: number }[] = [];
    const result = await replayQueue({
      queueUrl,
      sqs,
      maxMessages: 1000,
      visibilityTimeoutSeconds: 600,
      waitSeconds: 0,
      clockSkewMarginMs: 0,
      invoke: async (event) => {
        const tickets = event.Records.map((r) => JSON.parse(r.body as string));
        handed.push(...tickets.map((t) => ({ key: t.key, attempt: t.attempt })));
        const again = tickets.slice(0, 3).map((t, i) => ({ Id: String(i), MessageBody: JSON.stringify({ ...t, attempt: t.attempt + 1 }) }));
        await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: again }));
        return { ok: true, batchItemFailures: [], again: { sent: 70, failed: 30, tickets: again.length } };
      },
    });
    expect(handed.every((t) => t.attempt === 1)).toBe(true);
    expect(handed).toHaveLength(10);
    expect(result).toEqual(expect.objectContaining({ invocations: 1, deleted: 10, heldBack: 3, failedAgain: 30, newTickets: 3, stoppedBy: undefined }));
    expect(await counts(queueUrl)).toEqual({ visible: 3, hidden: 0 });
  });

  test('--max-messages bounds what one run takes', async () => {
    const queueUrl = await queueWith('replay-some', 12);
    const result = await replayQueue({ queueUrl, sqs, maxMessages: 4, visibilityTimeoutSeconds: 600, waitSeconds: 0, clockSkewMarginMs: 0, invoke: async () => ({ ok: true, batchItemFailures: [] }) });
    expect(result).toEqual(expect.objectContaining({ received: 4, deleted: 4 }));
    expect(await counts(queueUrl)).toEqual({ visible: 8, hidden: 0 });
  });
});
