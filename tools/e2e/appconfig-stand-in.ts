import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface HostedConfiguration {
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
  readonly content: Uint8Array;
  readonly contentType: string;
  readonly version: string;
}

/**
 * A local stand-in for the AppConfig Lambda extension: the same path and headers
 * (`GET /applications/<app>/environments/<env>/configurations/<profile>`, `Configuration-Version`),
 * serving one hosted configuration read from the emulator. It exists because the emulator can
 * neither deploy configurations nor run the extension layer.
 */
export class AppConfigExtensionStandIn {
  requests = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(config: HostedConfiguration): Promise<AppConfigExtensionStandIn> {
    const path = `/applications/${encodeURIComponent(config.application)}/environments/${encodeURIComponent(config.environment)}/configurations/${encodeURIComponent(config.profile)}`;
    let standIn: AppConfigExtensionStandIn | undefined;
    const server = createServer((req, res) => {
      if (standIn) standIn.requests++;
      if (req.method !== 'GET' || req.url?.split('?')[0] !== path) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no configuration at ${req.url}; this stand-in serves ${path}`);
        return;
      }
      res.writeHead(200, { 'Content-Type': config.contentType, 'Configuration-Version': config.version }).end(Buffer.from(config.content));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new AppConfigExtensionStandIn(server, (server.address() as AddressInfo).port);
    return standIn;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
