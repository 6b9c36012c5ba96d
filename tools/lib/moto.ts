import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A moto_server (the AWS API emulator) on a free loopback port, owned by this process: `stop()`
 * ends exactly the process it started, also when the caller failed.
 */
export interface MotoServer {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly pid: number;
  /** Drops every emulated resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Environment for clients of the emulator: endpoint and fake credentials, no real AWS reachable. */
export function motoClientEnv(endpoint: string, region = 'us-east-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startMoto(options: { readonly bin?: string; readonly startTimeoutMs?: number } = {}): Promise<MotoServer> {
  const bin = options.bin ?? process.env.MOTO_SERVER_BIN ?? 'moto_server';
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const endpoint = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    const early = await Promise.race([
      spawnError.then((e) => `could not start ${bin}: ${e.message}; install moto (pip install 'moto[server]') or set MOTO_SERVER_BIN`),
      exited.then((code) => `${bin} exited with ${code} before listening:\n${stderr}`),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200)),
    ]);
    if (early) throw new Error(early);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${bin} did not answer on ${endpoint} within ${options.startTimeoutMs ?? 30_000} ms:\n${stderr}`);
    }
  }

  return {
    endpoint,
    pid: child.pid!,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
