import { HANDLER_ENV as ENV } from './support/handler-env';

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
});
