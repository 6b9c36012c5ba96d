import { delivered, pantherRecord } from './support/records';

type Handler = (event: unknown, context?: { awsRequestId?: string }) => Promise<{ status: string; responses: { response: string }[] }>;

/** Loads the handler module afresh with this environment, capturing what it writes to stdout. */
function loadHandler(env: Record<string, string>): { handler: Handler; lines: () => Record<string, any>[] } {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = require('../../../functions/responder/handler').handler;
  });
  process.env = saved;
  const written: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return { handler: handler!, lines: () => written.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

afterEach(() => jest.restoreAllMocks());

const config = { selfRoleArns: ['arn:aws:iam::333333333333:role/trailbridge-responder'], accounts: {}, responses: { 'database-deleted': {} } };

describe('the responder handler', () => {
  it('hands the event to the executor and flushes the metrics', async () => {
    const { handler, lines } = loadHandler({ RESPONDER_CONFIG: JSON.stringify(config), AWS_REGION: 'us-east-1' });
    const result = await handler(delivered(pantherRecord(258), 'trailbridge-database-deleted'), { awsRequestId: 'req-1' });
    expect(result).toMatchObject({ status: 'responded', responses: [{ response: 'database-deleted' }] });
    expect(lines().find((l) => l.message === 'decision')).toMatchObject({ requestId: 'req-1', response: 'database-deleted', mode: 'report', alert: expect.stringMatching(/production-mysql-db/) });
    expect(lines().some((l) => l._aws?.CloudWatchMetrics[0].Namespace === 'Trailbridge/Responder')).toBe(true);
  });

  it('logs and throws on every invocation while RESPONDER_CONFIG is invalid, so events wait in the DLQ', async () => {
    const { handler, lines } = loadHandler({ RESPONDER_CONFIG: JSON.stringify({ ...config, selfRoleArns: [] }) });
    await expect(handler(delivered(pantherRecord(258)))).rejects.toThrow(/selfRoleArns: list the responder function role/);
    expect(lines().find((l) => l.message === 'configuration invalid')).toBeDefined();
  });
});
