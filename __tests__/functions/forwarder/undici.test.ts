import * as undici from 'undici';
import { getGlobalDispatcher, Pool, request } from '../../../functions/forwarder/undici';

// The forwarder loads these from undici's own files (see functions/forwarder/undici.ts): an
// undici upgrade that moves or replaces them must fail here, not in a Lambda.
describe('undici parts', () => {
  test('are the objects the package index exports', () => {
    expect(Pool).toBe(undici.Pool);
    expect(getGlobalDispatcher()).toBe(undici.getGlobalDispatcher());
    expect(require('undici/lib/api/api-request')).toBe(undici.Dispatcher.prototype.request);
  });

  test('request() sends through the given dispatcher', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => res.writeHead(200, { 'x-path': req.url ?? '' }).end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const pool = new Pool(origin, { connections: 1 });
    try {
      const res = await request(pool, { origin, path: '/a?b=1', method: 'GET' });
      expect([res.statusCode, res.headers['x-path'], await res.body.text()]).toEqual([200, '/a?b=1', 'ok']);
    } finally {
      await pool.close();
      server.close();
    }
  });
});
