import { TicketError } from '../../../functions/forwarder/errors';
import { IngestClient } from '../../../functions/forwarder/ingest-client';
import { handleInvocation, InvocationDeps, settleTickets, TICKET_WRITE_RESERVE_MS } from '../../../functions/forwarder/invocation';
import { ObjectResult } from '../../../functions/forwarder/pipeline';
import { DEFAULT_RETRY_POLICY } from '../../../functions/forwarder/retry-policy';
import { defaultRules } from '../../../functions/forwarder/rules';
import { RulesSource } from '../../../functions/forwarder/rules-source';
import { createTicket, MemoryTicketSink, TicketSink } from '../../../functions/forwarder/tickets';
import { SsmTokenProvider, StaticTokenProvider } from '../../../functions/forwarder/token';
import { Logger } from '../../../functions/lib/logger';
import { Metrics } from '../../../functions/lib/metrics';
import { FakeIngestServer } from '../../../tools/lib/fake-ingest-server';
import { cloudTrailKey, freshen, logFile, MemorySource, stratusRecords } from './support/cloudtrail';

const BUCKET = 'trail-archive-prod';
const ARN = 'arn:aws:lambda:eu-central-1:444455556666:function:trailbridge-forwarder';

const snsEvent = (bucket: string, ...keys: string[]) => ({
  Records: [
    {
      EventSource: 'aws:sns',
      Sns: {
        Message: JSON.stringify({
          Records: keys.map((key) => ({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+') } } })),
        }),
      },
    },
  ],
});

describe('handleInvocation', () => {
  let server: FakeIngestServer;
  let lines: string[];
  let tickets: MemoryTicketSink;
  let deps: InvocationDeps;
  const records = freshen(stratusRecords(), Date.now());
  const key = cloudTrailKey({ org: 'o-abcdef1234', account: '210987654321', region: 'us-east-1' });

  beforeEach(async () => {
    server = await FakeIngestServer.start();
    lines = [];
    tickets = new MemoryTicketSink();
    const write = (l: string) => lines.push(l);
    const logger = new Logger({ service: 'forwarder', write });
    const rulesSource: RulesSource = { load: async () => ({ rules: defaultRules(), origin: 'appconfig' }) };
    deps = {
      source: new MemorySource().put(BUCKET, key, logFile(records)),
      sender: new IngestClient({ environmentUrl: server.url, tokens: new StaticTokenProvider(server.token), policy: DEFAULT_RETRY_POLICY, logger }),
      rulesSource,
      tickets,
      logger,
      metrics: new Metrics({ namespace: 'Test', write }),
      forwarder: ARN,
      concurrency: 2,
      safetyMarginMs: 5_000,
      replayMaxAttempts: 3,
    };
  });
  afterEach(async () => {
    await deps.sender.close?.();
    await server.close();
  });

  const emf = () => lines.map((l) => JSON.parse(l)).find((l) => l._aws);

  it('forwards the object of an SNS notification and writes EMF metrics', async () => {
    const result = await handleInvocation(snsEvent(BUCKET, key), { remainingMs: 60_000 }, deps);
    expect(result.batchItemFailures).toBeUndefined();
    expect(result.summary).toMatchObject({ objectsRead: 1, records: 310, sent: 310, failed: 0, tickets: 0, rules: 'appconfig:built-in' });
    expect(server.events[0]).toMatchObject({ 'aws.account.id': '210987654321', 'aws.region': 'us-east-1', 'aws.organization.id': 'o-abcdef1234', 'cloud.log_forwarder': ARN });
    expect(emf()).toMatchObject({ RecordsRead: 310, RecordsSent: 310, ObjectsRead: 1, Requests: 1, TicketsWritten: 0 });
    expect(emf()._aws.CloudWatchMetrics[0].Namespace).toBe('Test');
  });

  it('forwards on the shortest timeout the topology allows (10 s), though the safety margin is as long', async () => {
    const result = await handleInvocation(snsEvent(BUCKET, key), { remainingMs: 9_900 }, { ...deps, safetyMarginMs: 10_000 });
    expect(result.summary).toMatchObject({ objectsRead: 1, records: 310, sent: 310, tickets: 0 });
  });

  describe('with no rules document ever loaded (the built-in rules)', () => {
    const builtIn: RulesSource = { load: async () => ({ rules: defaultRules(), origin: 'built-in', problem: 'the AppConfig extension at http://localhost:2772 is unreachable' }) };

    it('forwards with them by default, and counts it', async () => {
      const result = await handleInvocation(snsEvent(BUCKET, key), { remainingMs: 60_000 }, { ...deps, rulesSource: builtIn });
      expect(result.summary).toMatchObject({ sent: 310, rules: 'built-in:built-in' });
      expect(emf()).toMatchObject({ RulesLoadFailed: 1, RulesDefaultsInUse: 1 });
    });

    it('refused (the rules redact): fails the invocation, sends nothing, writes no ticket, and says why', async () => {
      const refused = { ...deps, rulesSource: builtIn, builtInRulesAllowed: false };
      await expect(handleInvocation(snsEvent(BUCKET, key), { remainingMs: 60_000 }, refused)).rejects.toThrow(
        /no forwarding rules loaded \(the AppConfig extension at http:\/\/localhost:2772 is unreachable\), and the built-in rules, which redact nothing, are refused/,
      );
      expect(server.requests).toEqual([]);
      expect(tickets.tickets).toEqual([]);
      expect(emf()).toMatchObject({ RulesLoadFailed: 1 });
      expect(emf().RulesDefaultsInUse).toBeUndefined();
      expect(lines.some((l) => l.includes('forwarding refused: no rules'))).toBe(true);
      // An event without objects has nothing to forward: it is acknowledged.
      const test = { Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ Event: 's3:TestEvent', Bucket: BUCKET }) } }] };
      await expect(handleInvocation(test, { remainingMs: 60_000 }, refused)).resolves.toMatchObject({ summary: expect.objectContaining({ ignored: 1 }) });
    });
  });

  it('acknowledges s3:TestEvent and unknown messages without error', async () => {
    const result = await handleInvocation({ Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ Event: 's3:TestEvent', Bucket: BUCKET }) } }] }, { remainingMs: 60_000 }, deps);
    expect(result.summary).toMatchObject({ objectsRead: 0, ignored: 1 });
    expect(emf()).toMatchObject({ TestEventsIgnored: 1 });
  });

  it('tickets everything when the SSM parameter is missing, and never logs a token', async () => {
    const missing = Object.assign(new Error('x'), { name: 'ParameterNotFound' });
    const tokens = new SsmTokenProvider({ ssm: { send: async () => Promise.reject(missing) } as never, parameterName: '/trailbridge/dt-token' });
    await deps.sender.close?.();
    deps = { ...deps, sender: new IngestClient({ environmentUrl: server.url, tokens, policy: DEFAULT_RETRY_POLICY }) };
    const result = await handleInvocation(snsEvent(BUCKET, key), { remainingMs: 60_000 }, deps);
    expect(result.summary).toMatchObject({ records: 310, sent: 0, failed: 310, tickets: 1 });
    expect(tickets.tickets[0]).toMatchObject({ bucket: BUCKET, key, ranges: [{ from: 0, to: 310 }], reason: expect.stringMatching(/\/trailbridge\/dt-token: it does not exist/) });
    expect(server.requests).toEqual([]);
  });

  it('fetches the token while the rules load, once, and not for an event without objects', async () => {
    const calls: string[] = [];
    const tokens = new SsmTokenProvider({
      ssm: { send: async () => (calls.push('ssm'), { Parameter: { Value: server.token } }) } as never,
      parameterName: '/trailbridge/dt-token',
    });
    await deps.sender.close?.();
    const rulesSource: RulesSource = { load: async () => (calls.push(`rules (ssm called: ${calls.includes('ssm')})`), { rules: defaultRules(), origin: 'appconfig' }) };
    deps = { ...deps, rulesSource, sender: new IngestClient({ environmentUrl: server.url, tokens, policy: DEFAULT_RETRY_POLICY }) };
    await handleInvocation({ Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ Event: 's3:TestEvent', Bucket: BUCKET }) } }] }, { remainingMs: 60_000 }, deps);
    expect(calls).toEqual(['rules (ssm called: false)']);
    const result = await handleInvocation(snsEvent(BUCKET, key), { remainingMs: 60_000 }, deps);
    expect(result.summary).toMatchObject({ sent: 310, failed: 0 });
    expect(calls.slice(1)).toEqual(['ssm', 'rules (ssm called: true)']);
  });

  it('masks the token in logs even if it reached a log line', async () => {
    deps.logger.addSecret(server.token);
    deps.logger.info('oops', { header: `Api-Token ${server.token}` });
    expect(lines.join('\n')).not.toContain(server.token);
  });

  it('tickets records Dynatrace keeps refusing, and fails the invocation when tickets cannot be stored', async () => {
    server.script({ status: 500 });
    const failingSink: TicketSink = { write: async () => Promise.reject(new Error('queue down')) };
    await expect(handleInvocation(snsEvent(BUCKET, key), { remainingMs: 60_000 }, { ...deps, tickets: failingSink })).rejects.toThrow(/queue down/);
    expect(emf()).toMatchObject({ TicketWriteFailed: 1, RecordsFailed: 310 });
  });

  it("gives the ticket write only the time left before Lambda's timeout, and fails in time when the queue hangs", async () => {
    server.script({ status: 500 });
    // A queue that never answers: the write ends only when the signal it is given aborts.
    const hanging: TicketSink = {
      write: (written, options) =>
        new Promise((_, reject) => options?.signal?.addEventListener('abort', () => reject(new TicketError('out of time', { unstored: [...written] })), { once: true })),
    };
    const began = Date.now();
    // Margin 1 s: reading stops at 1 s; Lambda's timeout is at 2.5 s; the write must give up before it.
    await expect(handleInvocation(snsEvent(BUCKET, key), { remainingMs: 2_500 }, { ...deps, safetyMarginMs: 1_000, tickets: hanging })).rejects.toThrow(/out of time/);
    const took = Date.now() - began;
    expect(took).toBeLessThan(2_500 - TICKET_WRITE_RESERVE_MS / 2);
    expect(took).toBeGreaterThanOrEqual(2_500 - TICKET_WRITE_RESERVE_MS - 50);
    expect(emf()).toMatchObject({ TicketWriteFailed: 1 });
  });

  it('for an SQS event, fails only the messages whose tickets could not be stored, and answers for the rest', async () => {
    const [keyA, keyB] = [cloudTrailKey({ suffix: 'AAAAAAAAAAAAAAAA' }), cloudTrailKey({ suffix: 'BBBBBBBBBBBBBBBB' })];
    const s3Message = (id: string, k: string) => ({
      messageId: id,
      eventSource: 'aws:sqs',
      body: JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: { key: k } } }] }),
    });
    // Neither object exists: each is ticketed whole. The queue takes A's ticket and not B's.
    const stored: string[] = [];
    const sink: TicketSink = {
      write: async (written) => {
        const unstored = written.filter((t) => t.key === keyB);
        stored.push(...written.filter((t) => t.key !== keyB).map((t) => t.key));
        if (unstored.length > 0) throw new TicketError('1 replay ticket(s) not accepted by the failure queue q: InternalError', { unstored });
      },
    };
    const result = await handleInvocation({ Records: [s3Message('mA', keyA), s3Message('mB', keyB)] }, { remainingMs: 60_000 }, { ...deps, tickets: sink });
    expect(stored).toEqual([keyA]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'mB' }]);
    expect(result.summary).toMatchObject({ objectsFailed: 2, tickets: 1 });
    expect(emf()).toMatchObject({ TicketWriteFailed: 1, TicketsWritten: 1 });
    // A sink that cannot say which tickets it stored still fails the whole invocation.
    const vague: TicketSink = { write: async () => Promise.reject(new TicketError('queue down')) };
    await expect(handleInvocation({ Records: [s3Message('mA', keyA), s3Message('mB', keyB)] }, { remainingMs: 60_000 }, { ...deps, tickets: vague })).rejects.toThrow(/queue down/);
  });

  it('replays a ticket from the failure queue; returns it to the queue after too many attempts', async () => {
    const [ticket] = createTicket({ bucket: BUCKET, key, versionId: 'v1', ranges: [{ from: 5, to: 8 }], reason: 'x', attempt: 1, now: 0 });
    const sqs = (t: object, id: string) => ({ messageId: id, eventSource: 'aws:sqs', body: JSON.stringify(t) });
    const ok = await handleInvocation({ Records: [sqs(ticket, 'm1')] }, { remainingMs: 60_000 }, deps);
    expect(ok).toMatchObject({ batchItemFailures: [], summary: { records: 3, sent: 3 } });

    server.script({ status: 500 }, { status: 500 });
    const again = await handleInvocation({ Records: [sqs(ticket, 'm2'), sqs({ ...ticket, attempt: 3 }, 'm3')] }, { remainingMs: 60_000 }, deps);
    expect(again.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
    expect(tickets.tickets).toEqual([expect.objectContaining({ attempt: 2, ranges: [{ from: 5, to: 8 }] })]);
  });
});

describe('settleTickets', () => {
  const ticket = (attempt: number) => createTicket({ bucket: 'b', key: 'k', ranges: [{ from: 0, to: 3 }], reason: 'HTTP 503', attempt, now: 0 })[0];
  const object = (fields: Partial<ObjectResult>): ObjectResult => ({ bucket: 'b', key: 'k', status: 'partial', records: 4, sent: 0, dropped: 0, failed: 4, alreadyForwarded: 0, tickets: [], ...fields });

  test('new tickets go to the failure queue; a ticket replayed the maximum number of times goes back to its message', () => {
    const first = object({ tickets: [ticket(1)] });
    const replayedOnce = object({ tickets: [ticket(2)], ticketAttempt: 1, messageId: 'm1' });
    const replayedTooOften = object({ tickets: [ticket(4)], ticketAttempt: 3, messageId: 'm2' });
    const delivered = object({ status: 'forwarded', sent: 4, failed: 0, ticketAttempt: 3, messageId: 'm3' });
    const { toWrite, givenUp } = settleTickets([first, replayedOnce, replayedTooOften, delivered], 3);
    expect(toWrite).toEqual([...first.tickets, ...replayedOnce.tickets]);
    expect(givenUp).toEqual([replayedTooOften]);
  });

  test('without an SQS message to return to, even an old ticket is written again rather than lost', () => {
    const invokedByHand = object({ tickets: [ticket(4)], ticketAttempt: 3 });
    expect(settleTickets([invokedByHand], 3)).toEqual({ toWrite: invokedByHand.tickets, givenUp: [] });
  });
});
