const ENV = {
  DT_ENV_URL: 'https://abc12345.live.dynatrace.com',
  DT_API_TOKEN_PARAM: '/trailbridge/dynatrace/api-token',
  FAILURE_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/444455556666/failures',
  APPCONFIG_APPLICATION: 'trailbridge',
  APPCONFIG_ENVIRONMENT: 'prod',
  APPCONFIG_PROFILE: 'forwarder-rules',
  AWS_REGION: 'eu-central-1',
};

describe('handler module', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('builds its clients once at load and exports handler', () => {
    process.env = { ...saved, ...ENV };
    jest.isolateModules(() => {
      const mod = require('../../../functions/forwarder/handler') as { handler: unknown };
      expect(typeof mod.handler).toBe('function');
    });
  });

  it('fails the cold start naming every missing variable', () => {
    process.env = { ...saved };
    for (const name of Object.keys(ENV)) delete process.env[name];
    jest.isolateModules(() => {
      expect(() => require('../../../functions/forwarder/handler')).toThrow(/DT_ENV_URL is required[\s\S]*APPCONFIG_PROFILE is required/);
    });
  });

  it('never imports cdktf', () => {
    const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
    const dir = `${__dirname}/../../../functions/forwarder`;
    for (const f of readdirSync(dir)) expect(readFileSync(`${dir}/${f}`, 'utf8')).not.toMatch(/from ['"](cdktf|@cdktf\/)/);
  });
});
