import { EnvironmentError, EnvReader } from '../../../functions/lib/env';
import { loadForwarderEnv } from '../../../functions/forwarder/env';

describe('EnvReader', () => {
  it('trims, treats blank as unset, and applies defaults', () => {
    const r = new EnvReader({ A: '  x ', B: '   ', N: ' 7 ' });
    expect(r.optional('A')).toBe('x');
    expect(r.optional('B')).toBeUndefined();
    expect(r.int('N', 1, 0, 10)).toBe(7);
    expect(r.int('M', 3, 0, 10)).toBe(3);
    expect(r.oneOf('L', ['INFO', 'WARN'] as const, 'INFO')).toBe('INFO');
    r.done();
  });

  it('collects every problem and throws once', () => {
    const r = new EnvReader({ N: '99', U: 'not a url', L: 'LOUD' });
    r.required('MISSING');
    r.int('N', 1, 0, 10);
    r.url('U');
    r.oneOf('L', ['INFO', 'WARN'], 'INFO');
    expect(() => r.done()).toThrow(EnvironmentError);
    try {
      r.done();
    } catch (err) {
      expect((err as EnvironmentError).problems).toEqual([
        'Environment variable MISSING is required',
        'Environment variable N: "99" is not an integer in [0, 10]',
        'Environment variable U: "not a url" is not a URL; write it as https://host[:port][/path]',
        'Environment variable L: "LOUD" is not one of INFO, WARN',
      ]);
    }
  });
});

describe('EnvReader.int', () => {
  it.each(['0x10', '1e1', '0b1', '5.0', '+5', ' 5 5'])('refuses %j: decimal digits only', (raw) => {
    const r = new EnvReader({ N: raw });
    expect(r.int('N', 1, 0, 100)).toBe(1);
    expect(() => r.done()).toThrow(`Environment variable N: ${JSON.stringify(raw.trim())} is not an integer in [0, 100]`);
  });

  it('takes decimal digits, with leading zeros and a minus sign', () => {
    const r = new EnvReader({ A: '007', B: '-3' });
    expect([r.int('A', 1, 0, 100), r.int('B', 1, -5, 5)]).toEqual([7, -3]);
    expect(() => r.done()).not.toThrow();
  });
});

describe('loadForwarderEnv', () => {
  const env = {
    DT_ENV_URL: 'https://abc12345.live.dynatrace.com/',
    DT_API_TOKEN_PARAM: '/trailbridge/dynatrace/api-token',
    FAILURE_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/444455556666/trailbridge-forwarder-failures',
    APPCONFIG_APPLICATION: 'trailbridge',
    APPCONFIG_ENVIRONMENT: 'prod',
    APPCONFIG_PROFILE: 'forwarder-rules',
  };

  it('reads the required variables and the defaults', () => {
    expect(loadForwarderEnv(env)).toEqual({
      dynatraceUrl: 'https://abc12345.live.dynatrace.com',
      tokenParameterName: '/trailbridge/dynatrace/api-token',
      failureQueueUrl: env.FAILURE_QUEUE_URL,
      appConfig: { application: 'trailbridge', environment: 'prod', profile: 'forwarder-rules', port: 2772 },
      concurrency: 4,
      tokenTtlMs: 300_000,
      safetyMarginMs: 10_000,
      replayMaxAttempts: 3,
      readAhead: { maxObjects: 9, maxBytes: 16 * 1024 * 1024 },
      heapGrowingPercent: 200,
      metricsNamespace: 'Trailbridge/Forwarder',
      progressTable: undefined,
      builtInRulesAllowed: true,
    });
    expect(loadForwarderEnv({ ...env, AWS_APPCONFIG_EXTENSION_HTTP_PORT: '2800' }).appConfig.port).toBe(2800);
    expect(loadForwarderEnv({ ...env, BUILT_IN_RULES: 'refused' }).builtInRulesAllowed).toBe(false);
  });

  it('reads READ_AHEAD_MB as the read-ahead budget, 0 turning read-ahead off', () => {
    expect(loadForwarderEnv({ ...env, READ_AHEAD_MB: '4' }).readAhead).toEqual({ maxObjects: 9, maxBytes: 4 * 1024 * 1024 });
    expect(loadForwarderEnv({ ...env, READ_AHEAD_MB: '0' }).readAhead).toBe(false);
    expect(() => loadForwarderEnv({ ...env, READ_AHEAD_MB: '65' })).toThrow(/READ_AHEAD_MB: "65" is not an integer in \[0, 64\]/);
  });

  it('reads HEAP_GROWING_PERCENT, 0 keeping V8 own growth, and rejects a factor under V8 own minimum or over its maximum', () => {
    expect(loadForwarderEnv({ ...env, HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadForwarderEnv({ ...env, HEAP_GROWING_PERCENT: '10' }).heapGrowingPercent).toBe(10);
    expect(loadForwarderEnv({ ...env, HEAP_GROWING_PERCENT: '300' }).heapGrowingPercent).toBe(300);
    for (const bad of ['5', '301', '-1', '2.5']) {
      expect(() => loadForwarderEnv({ ...env, HEAP_GROWING_PERCENT: bad })).toThrow(`HEAP_GROWING_PERCENT: "${bad}" is not 0 or an integer in [10, 300]`);
    }
  });

  it('refuses a plain-http Dynatrace URL, which would send the API token unencrypted, except to this machine (local tests)', () => {
    expect(() => loadForwarderEnv({ ...env, DT_ENV_URL: 'http://abc12345.live.dynatrace.com' })).toThrow(
      'Environment variable DT_ENV_URL: "http://abc12345.live.dynatrace.com" would send the API token unencrypted; use https:// (http:// only for localhost, 127.0.0.1 or [::1])',
    );
    for (const local of ['http://127.0.0.1:8080', 'http://localhost:9999/e/abc', 'http://[::1]:80']) expect(loadForwarderEnv({ ...env, DT_ENV_URL: local }).dynatraceUrl).toBe(local);
  });

  it('names every missing variable at once', () => {
    expect(() => loadForwarderEnv({})).toThrow(
      /DT_ENV_URL is required[\s\S]*DT_API_TOKEN_PARAM is required[\s\S]*FAILURE_QUEUE_URL is required[\s\S]*APPCONFIG_APPLICATION is required[\s\S]*APPCONFIG_ENVIRONMENT is required[\s\S]*APPCONFIG_PROFILE is required/,
    );
  });
});
