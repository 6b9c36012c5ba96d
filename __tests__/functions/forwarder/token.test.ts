import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { TokenError } from '../../../functions/forwarder/errors';
import { SSM_CLIENT_CONFIG, SsmTokenProvider } from '../../../functions/forwarder/token';
import { SilentServer, startSilentServer } from './support/silent-server';

function fakeSsm(values: (string | Error)[]) {
  const calls: GetParameterCommand[] = [];
  return {
    calls,
    ssm: {
      send: async (command: GetParameterCommand) => {
        calls.push(command);
        const next = values[Math.min(calls.length - 1, values.length - 1)];
        if (next instanceof Error) throw next;
        return { Parameter: { Name: command.input.Name, Value: next } };
      },
    },
  };
}

describe('SsmTokenProvider', () => {
  it('reads the SecureString decrypted, caches it for the TTL, and registers it as a secret', async () => {
    let now = 0;
    const secrets: string[] = [];
    const { ssm, calls } = fakeSsm(['dt0c01.ONE', 'dt0c01.TWO']);
    const tokens = new SsmTokenProvider({ ssm: ssm as never, parameterName: '/dt/token', ttlMs: 1000, clock: () => now, onSecret: (s) => secrets.push(s) });
    expect(await tokens.get()).toBe('dt0c01.ONE');
    expect(await tokens.get()).toBe('dt0c01.ONE');
    expect(calls).toHaveLength(1);
    expect(calls[0].input).toEqual({ Name: '/dt/token', WithDecryption: true });
    now = 1000;
    expect(await tokens.get()).toBe('dt0c01.TWO');
    expect(secrets).toEqual(['dt0c01.ONE', 'dt0c01.TWO']);
  });

  it('refetches on refresh, sharing one call between concurrent callers', async () => {
    const { ssm, calls } = fakeSsm(['a-token', 'b-token']);
    const tokens = new SsmTokenProvider({ ssm: ssm as never, parameterName: '/dt/token' });
    await Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    expect(calls).toHaveLength(1);
    expect(await tokens.refresh()).toBe('b-token');
  });

  it('explains a missing parameter, access denied, and an empty value', async () => {
    const missing = Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
    const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    const make = (v: string | Error) => new SsmTokenProvider({ ssm: fakeSsm([v]).ssm as never, parameterName: '/dt/token' });
    await expect(make(missing).get()).rejects.toThrow(TokenError);
    await expect(make(missing).get()).rejects.toThrow(/SSM parameter \/dt\/token: it does not exist; an operator sets it/);
    await expect(make(denied).get()).rejects.toThrow(/access denied; the function role needs ssm:GetParameter/);
    await expect(make('  ').get()).rejects.toThrow(/SSM parameter \/dt\/token is empty/);
  });
});

describe('the SSM client of the forwarder', () => {
  let server: SilentServer;
  beforeAll(async () => {
    server = await startSilentServer();
  });
  afterAll(() => server.close());

  it('gives up on an SSM that never answers with a TokenError, within about the safety margin', async () => {
    const ssm = new SSMClient({ ...SSM_CLIENT_CONFIG, endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const tokens = new SsmTokenProvider({ ssm, parameterName: '/dt/token' });
    const started = Date.now();
    const settled = await Promise.race([
      tokens.get().then(
        () => 'fetched',
        (err: Error) => err,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 15_000).unref()),
    ]);
    ssm.destroy();
    expect(settled).toBeInstanceOf(TokenError);
    expect((settled as TokenError).message).toMatch(/cannot read the Dynatrace token from SSM parameter \/dt\/token: TimeoutError/);
    // 3 attempts of 3 s and the SDK's backoff: about the 10 s SAFETY_MARGIN_MS default.
    expect(Date.now() - started).toBeLessThan(12_000);
  }, 30_000);
});
