import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { HANDLER_ENV as ENV } from './support/handler-env';

// zod is ~450 KB of the forwarder bundle: it must be loaded only when a rules document arrives
// to be checked (see functions/forwarder/rules-constants.ts), never on the way to the handler.
let mockZodLoads = 0;
jest.mock('zod', () => {
  mockZodLoads++;
  return jest.requireActual('zod');
});

test('the handler and the built-in rules load without zod; the first AppConfig document loads it', async () => {
  const saved = { ...process.env };
  process.env = { ...saved, ...ENV };
  try {
    require('../../../functions/forwarder/handler');
  } finally {
    process.env = saved;
  }
  const { AppConfigRulesSource } = require('../../../functions/forwarder/rules-source') as typeof import('../../../functions/forwarder/rules-source');
  const unreachable = new AppConfigRulesSource({ application: 'a', environment: 'e', profile: 'p', host: '127.0.0.1', port: 1 });
  expect(await unreachable.load()).toMatchObject({ origin: 'built-in' });
  expect(mockZodLoads).toBe(0);

  const server = createServer((_req, res) => res.writeHead(200, { 'configuration-version': '1' }).end('{"version":1}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const source = new AppConfigRulesSource({ application: 'a', environment: 'e', profile: 'p', host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    expect(await source.load()).toMatchObject({ origin: 'appconfig', rules: { version: '1' } });
    expect(mockZodLoads).toBe(1);
  } finally {
    server.close();
  }
});
