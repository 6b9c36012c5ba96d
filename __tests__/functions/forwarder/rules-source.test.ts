import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Logger } from '../../../functions/lib/logger';
import { AppConfigRulesSource } from '../../../functions/forwarder/rules-source';

/** A stand-in for the AppConfig Lambda extension. */
class FakeExtension {
  version = '1';
  body = JSON.stringify({ version: 1, staleRecords: 'drop' });
  status = 200;
  paths: string[] = [];
  private server?: Server;
  async start(): Promise<number> {
    this.server = createServer((req, res) => {
      this.paths.push(req.url ?? '');
      res.writeHead(this.status, { 'configuration-version': this.version, 'content-type': 'application/json' }).end(this.body);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

describe('AppConfigRulesSource', () => {
  let extension: FakeExtension;
  let logs: string[];
  let source: AppConfigRulesSource;
  beforeEach(async () => {
    extension = new FakeExtension();
    const port = await extension.start();
    logs = [];
    const logger = new Logger({ service: 't', write: (l) => logs.push(l) });
    source = new AppConfigRulesSource({ application: 'trailbridge', environment: 'prod env', profile: 'forwarder-rules', port, host: '127.0.0.1', logger });
  });
  afterEach(() => extension.stop());

  it('reads the profile from the extension and keeps the compiled rules while the version is unchanged', async () => {
    const first = await source.load();
    expect(first).toMatchObject({ origin: 'appconfig', rules: { version: '1', staleRecords: 'drop' } });
    expect(extension.paths[0]).toBe('/applications/trailbridge/environments/prod%20env/configurations/forwarder-rules');
    extension.body = 'changed but same version';
    expect((await source.load()).rules).toBe(first.rules);
    extension.version = '2';
    extension.body = JSON.stringify({ version: 1 });
    expect((await source.load()).rules).toMatchObject({ version: '2', staleRecords: 'restamp' });
  });

  it('keeps the last good rules when a new version is invalid JSON or breaks the schema, and says so', async () => {
    await source.load();
    extension.version = '2';
    extension.body = '{not json';
    expect(await source.load()).toMatchObject({ origin: 'last-good', rules: { version: '1' }, problem: expect.stringMatching(/version 2 is not JSON/) });
    extension.version = '3';
    extension.body = JSON.stringify({ version: 1, filters: [{ name: 'x', action: 'drop', pattern: { eventName: 'x' } }] });
    expect(await source.load()).toMatchObject({ origin: 'last-good', problem: expect.stringMatching(/version 3 is invalid: filters\.0\.pattern/) });
    expect(logs.filter((l) => l.includes('keeping the last good version'))).toHaveLength(2);
  });

  it('keeps the last good rules when the extension is down', async () => {
    await source.load();
    await extension.stop();
    expect(await source.load()).toMatchObject({ origin: 'last-good', problem: expect.stringMatching(/unreachable/) });
  });

  it('uses the built-in defaults, loudly, on a cold start without good rules', async () => {
    extension.status = 404;
    extension.body = 'not deployed';
    const load = await source.load();
    expect(load).toMatchObject({ origin: 'built-in', rules: { version: 'built-in' }, problem: expect.stringMatching(/answered 404/) });
    expect(logs.some((l) => JSON.parse(l).level === 'ERROR' && /USING THE BUILT-IN DEFAULTS/.test(l))).toBe(true);
  });
});
