import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the stand-in extension answers: a document (any bytes) with its version, or a failure status. */
export type ExtensionAnswer = { readonly body: string; readonly version: string } | { readonly status: number };

/**
 * A scriptable stand-in for the AppConfig Lambda extension (the path and `Configuration-Version`
 * header of tools/e2e/appconfig-stand-in.ts), whose answer a drill changes between invocations:
 * a good document, one that fails the schema, an empty one, an error. "Down" is a port where
 * nothing listens: the drill simply does not start one.
 */
export class RulesExtension {
  requests = 0;
  answer: ExtensionAnswer;

  private constructor(
    private readonly server: Server,
    initial: ExtensionAnswer,
  ) {
    this.answer = initial;
  }

  static async start(initial: ExtensionAnswer): Promise<RulesExtension> {
    let extension: RulesExtension | undefined;
    const server = createServer((_req, res) => {
      extension!.requests++;
      const answer = extension!.answer;
      if ('status' in answer) res.writeHead(answer.status, { 'content-type': 'text/plain' }).end('stand-in failure');
      else res.writeHead(200, { 'content-type': 'application/json', 'configuration-version': answer.version }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    extension = new RulesExtension(server, initial);
    return extension;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
