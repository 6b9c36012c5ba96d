/**
 * A local stand-in for the Dynatrace Log Ingest API v2 (`POST .../api/v2/logs/ingest`): a real
 * `node:http` server on 127.0.0.1, port 0, that checks what Dynatrace checks and answers as it
 * does, and can be scripted to fail. Used by the forwarder's tests, the e2e run and the benchmark.
 *
 * Checks, in order: path and method (404/405); `Authorization: Api-Token <token>` (401);
 * `Content-Encoding: gzip` bodies are gunzipped (400 when corrupt); the uncompressed body is at
 * most `maxPayloadBytes` (413); it is JSON, an array of objects (a single object is one event), not
 * empty (400); at most `maxEventsPerRequest` events (413); each has a string `content`; with
 * `rejectStaleRecords` (an ActiveGate's behaviour) any timestamp older than 24 h fails the whole
 * request (400); `rejectEvent` can refuse chosen events (400). Accepted requests get 204.
 *
 * Faults: `script(...faults)` queues one fault per coming request, in order; `faultFor(n)` decides
 * for request number n (1-based) when nothing is queued. A fault is a status (429/503 with an
 * optional Retry-After, 200 "partial"), a connection reset before the body is read (nothing
 * ingested), a reset after ingesting (the duplicate window), or a delay before answering (when
 * the client gives up during the delay, nothing is ingested unless `ingestBeforeDelay`).
 *
 * Every accepted event is counted under its id (see {@link FakeIngestServerOptions.idOf}), so a
 * test can assert that each record arrived exactly once.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';

const gunzip = promisify(gunzipCallback);

export const FAKE_TOKEN = 'dt0c01.FAKETESTTOKEN.0123456789abcdef';
export const INGEST_PATH_SUFFIX = '/api/v2/logs/ingest';
const DAY_MS = 24 * 60 * 60 * 1000;

export type IngestEvent = Record<string, unknown>;

export type Fault =
  /** Answer with this status (e.g. 429, 503, 500, or 200 for a partial success) without ingesting. */
  | { readonly status: number; readonly retryAfter?: string; readonly body?: string; readonly ingest?: boolean }
  /** Destroy the connection: before reading the body (nothing ingested) or after ingesting (a lost answer). */
  | { readonly reset: 'before-body' | 'after-ingest' }
  /** Wait before answering normally. */
  | { readonly delayMs: number; readonly ingestBeforeDelay?: boolean };

export interface FakeIngestServerOptions {
  /** The token to accept. @default FAKE_TOKEN */
  readonly token?: string;
  /** @default 50_000 */
  readonly maxEventsPerRequest?: number;
  /** Uncompressed body limit. @default 10 MiB */
  readonly maxPayloadBytes?: number;
  /** Refuse a whole request containing an event older than 24 h, as an ActiveGate does. @default false */
  readonly rejectStaleRecords?: boolean;
  /** A reason to refuse the request because of this event (400), or undefined. @default - none */
  readonly rejectEvent?: (event: IngestEvent) => string | undefined;
  /** The id an event is counted under. @default - `<bucket>/<key>#<record index>` from the forwarder's attributes */
  readonly idOf?: (event: IngestEvent) => string;
  /** Keep every accepted event in {@link FakeIngestServer.events}. The benchmark turns this off. @default true */
  readonly keepEvents?: boolean;
  /** Count ids (memory grows with events). @default true */
  readonly countIds?: boolean;
  /** Decides a fault for request n (1-based) when none is queued. @default - none */
  readonly faultFor?: (requestNumber: number) => Fault | undefined;
  /** For the staleness check. @default Date.now */
  readonly clock?: () => number;
}

export interface RequestLogEntry {
  readonly number: number;
  readonly status: number | 'reset';
  readonly events: number;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
}

export function defaultEventId(event: IngestEvent): string {
  return `${String(event['log.source.aws.s3.bucket.name'] ?? '')}/${String(event['log.source.aws.s3.key.name'] ?? '')}#${String(event['trailbridge.record_index'] ?? '')}`;
}

export class FakeIngestServer {
  /** Accepted events, in arrival order (when keepEvents). */
  readonly events: IngestEvent[] = [];
  /** How many times each id was accepted. */
  readonly idCounts = new Map<string, number>();
  readonly requests: RequestLogEntry[] = [];
  acceptedEvents = 0;
  acceptedUncompressedBytes = 0;
  private readonly queue: Fault[] = [];
  private requestCount = 0;
  private server?: Server;
  private readonly options: Required<Omit<FakeIngestServerOptions, 'rejectEvent' | 'faultFor'>> &
    Pick<FakeIngestServerOptions, 'rejectEvent' | 'faultFor'>;

  private constructor(options: FakeIngestServerOptions) {
    this.options = {
      token: options.token ?? FAKE_TOKEN,
      maxEventsPerRequest: options.maxEventsPerRequest ?? 50_000,
      maxPayloadBytes: options.maxPayloadBytes ?? 10 * 1024 * 1024,
      rejectStaleRecords: options.rejectStaleRecords ?? false,
      idOf: options.idOf ?? defaultEventId,
      keepEvents: options.keepEvents ?? true,
      countIds: options.countIds ?? true,
      clock: options.clock ?? Date.now,
      rejectEvent: options.rejectEvent,
      faultFor: options.faultFor,
    };
  }

  /** Starts a server on 127.0.0.1 and a free port. */
  static async start(options: FakeIngestServerOptions = {}): Promise<FakeIngestServer> {
    const fake = new FakeIngestServer(options);
    const server = createServer((req, res) => {
      fake.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) fake.answer(res, 500, { error: { code: 500, message: String(err) } });
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.server = server;
    return fake;
  }

  /** The environment URL to give the forwarder (DT_ENV_URL). */
  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  get token(): string {
    return this.options.token;
  }

  /** Queues faults for the next requests, one each, in order. */
  script(...faults: Fault[]): void {
    this.queue.push(...faults);
  }

  /** Ids accepted more than once. */
  duplicates(): string[] {
    return [...this.idCounts].filter(([, n]) => n > 1).map(([id]) => id);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const number = ++this.requestCount;
    const log = (status: number | 'reset', events = 0, compressedBytes = 0, uncompressedBytes = 0) =>
      this.requests.push({ number, status, events, compressedBytes, uncompressedBytes });

    if (!(req.url ?? '').split('?')[0].endsWith(INGEST_PATH_SUFFIX)) {
      log(404);
      return this.answer(res, 404, { error: { code: 404, message: 'Not found' } });
    }
    if (req.method !== 'POST') {
      log(405);
      return this.answer(res, 405, { error: { code: 405, message: 'Method not allowed' } });
    }
    const fault = this.queue.shift() ?? this.options.faultFor?.(number);
    if (fault && 'reset' in fault && fault.reset === 'before-body') {
      log('reset');
      req.socket.destroy();
      return;
    }
    if (req.headers.authorization !== `Api-Token ${this.options.token}`) {
      await drain(req);
      log(401);
      return this.answer(res, 401, { error: { code: 401, message: 'Missing authorization parameter.' } });
    }

    const compressed = await readBody(req);
    let body = compressed;
    if (/gzip/i.test(String(req.headers['content-encoding'] ?? ''))) {
      try {
        body = await gunzip(compressed);
      } catch {
        log(400, 0, compressed.length);
        return this.answer(res, 400, { error: { code: 400, message: 'Invalid gzip payload' } });
      }
    }
    const size = [compressed.length, body.length] as const;
    if (body.length > this.options.maxPayloadBytes) {
      log(413, 0, ...size);
      return this.answer(res, 413, { error: { code: 413, message: 'Payload too large' } });
    }
    if (fault && 'status' in fault && !fault.ingest) {
      log(fault.status, 0, ...size);
      return this.answer(res, fault.status, fault.body ?? { error: { code: fault.status, message: 'scripted' } }, fault.retryAfter);
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      log(400, 0, ...size);
      return this.answer(res, 400, { error: { code: 400, message: 'Invalid JSON' } });
    }
    const events = (Array.isArray(parsed) ? parsed : [parsed]) as IngestEvent[];
    if (events.length === 0) {
      log(400, 0, ...size);
      return this.answer(res, 400, { error: { code: 400, message: 'Empty payload' } });
    }
    if (events.length > this.options.maxEventsPerRequest) {
      log(413, events.length, ...size);
      return this.answer(res, 413, { error: { code: 413, message: `Too many log events: ${events.length}` } });
    }
    for (const event of events) {
      const problem = this.check(event);
      if (problem) {
        log(400, events.length, ...size);
        return this.answer(res, 400, { error: { code: 400, message: problem } });
      }
    }

    if (fault && 'delayMs' in fault) {
      if (fault.ingestBeforeDelay) this.ingest(events, body.length);
      // Ends early when the client gives up, so no timer outlives the request it delays.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, fault.delayMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (res.destroyed || req.socket.destroyed) {
        log('reset', events.length, ...size);
        return;
      }
      if (!fault.ingestBeforeDelay) this.ingest(events, body.length);
    } else {
      this.ingest(events, body.length);
    }
    if (fault && 'reset' in fault) {
      log('reset', events.length, ...size);
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      log(fault.status, events.length, ...size);
      return this.answer(res, fault.status, fault.body ?? { details: { code: fault.status, message: 'scripted' } }, fault.retryAfter);
    }
    log(204, events.length, ...size);
    res.writeHead(204).end();
  }

  private check(event: IngestEvent): string | undefined {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return 'A log event must be a JSON object';
    if (typeof event.content !== 'string') return 'A log event needs a "content" string';
    if (this.options.rejectStaleRecords && event.timestamp !== undefined) {
      const t = typeof event.timestamp === 'number' ? event.timestamp : Date.parse(String(event.timestamp));
      if (!Number.isNaN(t) && this.options.clock() - t > DAY_MS) return `Log event too old: ${String(event.timestamp)}`;
    }
    return this.options.rejectEvent?.(event);
  }

  private ingest(events: IngestEvent[], bytes: number): void {
    this.acceptedEvents += events.length;
    this.acceptedUncompressedBytes += bytes;
    for (const event of events) {
      if (this.options.keepEvents) this.events.push(event);
      if (this.options.countIds) {
        const id = this.options.idOf(event);
        this.idCounts.set(id, (this.idCounts.get(id) ?? 0) + 1);
      }
    }
  }

  private answer(res: ServerResponse, status: number, body: unknown, retryAfter?: string): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      ...(retryAfter !== undefined ? { 'retry-after': retryAfter } : {}),
    });
    res.end(text);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}
