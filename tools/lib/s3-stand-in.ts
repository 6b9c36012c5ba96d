/**
 * A local stand-in for S3 GetObject (path style, `GET /<bucket>/<key>`), on 127.0.0.1 and a free
 * port, that can break the way S3 does in production: reset the connection after N bytes of the
 * body, answer 503 SlowDown, or send a gzip object cut short. Point an SDK client at it with
 * `AWS_ENDPOINT_URL_S3` (the SDK uses path style for an IP address endpoint).
 *
 * Faults are per object and count down: each GET of the object meets the next fault of its list,
 * so a list of one fault breaks the first read only and the replay reads a healthy object, as
 * after a transient failure. Every GET is counted per key.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export type S3Fault =
  /** Send the headers (the full Content-Length) and this many body bytes, then destroy the socket. */
  | { readonly resetAfterBytes: number }
  /** 503 SlowDown, as S3 answers when a prefix is read too fast. */
  | { readonly slowDown: true }
  /** Send only the first bytes of the object, with a Content-Length that matches (a truncated object). */
  | { readonly truncateAtBytes: number };

interface StoredObject {
  readonly body: Buffer;
  readonly versionId: string;
  readonly faults: S3Fault[];
}

export class S3StandIn {
  /** GET requests per `<bucket>/<key>`. */
  readonly gets = new Map<string, number>();
  private readonly objects = new Map<string, StoredObject>();
  private versions = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<S3StandIn> {
    let standIn: S3StandIn | undefined;
    const server = createServer((req, res) => standIn!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new S3StandIn(server);
    return standIn;
  }

  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL_S3. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stores an object; the faults apply to its next GETs, one each. Returns the version id. */
  put(bucket: string, key: string, body: Buffer, faults: readonly S3Fault[] = []): string {
    const versionId = `v${++this.versions}`;
    this.objects.set(`${bucket}/${key}`, { body, versionId, faults: [...faults] });
    return versionId;
  }

  getsOf(bucket: string, key: string): number {
    return this.gets.get(`${bucket}/${key}`) ?? 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = rest.map((part) => decodeURIComponent(part)).join('/');
    const id = `${decodeURIComponent(bucket ?? '')}/${key}`;
    if (req.method !== 'GET') return this.error(res, 405, 'MethodNotAllowed', `this stand-in answers GetObject only, not ${req.method}`);
    this.gets.set(id, (this.gets.get(id) ?? 0) + 1);
    const object = this.objects.get(id);
    if (!object) return this.error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const fault = object.faults.shift();
    const headers = { 'content-type': 'application/octet-stream', 'x-amz-version-id': object.versionId, etag: `"${object.versionId}"` };
    if (fault && 'slowDown' in fault) return this.error(res, 503, 'SlowDown', 'Please reduce your request rate.');
    if (fault && 'truncateAtBytes' in fault) {
      const cut = object.body.subarray(0, fault.truncateAtBytes);
      res.writeHead(200, { ...headers, 'content-length': cut.length }).end(cut);
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': object.body.length });
    if (fault && 'resetAfterBytes' in fault) {
      res.write(object.body.subarray(0, fault.resetAfterBytes), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    res.end(object.body);
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>stand-in</RequestId></Error>`;
    res.writeHead(status, { 'content-type': 'application/xml' }).end(xml);
  }
}
