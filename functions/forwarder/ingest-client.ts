/**
 * Sends batches to the Dynatrace Log Ingest API v2 and says what became of every event.
 *
 * `POST <env>/api/v2/logs/ingest`, gzip, keep-alive connections from one undici Pool. Answers
 * (their meaning is {@link classify}, a pure function; what is done about it, the client):
 * - 204: accepted; 200: partly accepted (Dynatrace does not say which): logged, counted as sent;
 * - 400: the batch is split in halves until the rejected events are isolated; each is reported failed;
 * - 413: split and sent again; a single event that is still too large is reported failed;
 * - 429, 502, 503, 504 and network errors: retried per the {@link RetryPolicy};
 * - 401/403: the token is fetched again once, then the batch fails (and later batches fail fast
 *   until the token changes, or for {@link REJECTED_TOKEN_RETRY_MS}: a token can be re-enabled or
 *   given its scope in Dynatrace without changing its value).
 * Failures are returned as data (with the events' origins), never thrown.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { Logger } from '../lib/logger';
import { gzipWhileFilling } from './batch-gzip';
import { Batch, BodyCompressor, splitBatch } from './batcher';
import { TokenError } from './errors';
import { errorCode, isRetryableError, parseRetryAfterMs, retryDelayMs, RetryPolicy } from './retry-policy';
import { TokenProvider } from './token';
import { Pool, request } from './undici';

const gzip = promisify(gzipCallback);

/** Fast levels cost a little size and save much CPU; the benchmark's codec floor uses the same level. */
export const GZIP_LEVEL = 3;
export const INGEST_PATH = '/api/v2/logs/ingest';
/** How long batches fail fast on a token Dynatrace refused before it is tried again (one request). */
export const REJECTED_TOKEN_RETRY_MS = 60_000;
/** Response bodies are only logged; no need to keep more. */
const MAX_LOGGED_BODY_CHARS = 500;

export interface DeliveryFailure<T> {
  readonly origins: readonly T[];
  readonly reason: string;
}

/** What became of a batch. Every origin is either counted in `accepted` or listed in `failed`. */
export interface DeliveryReport<T> {
  accepted: number;
  failed: DeliveryFailure<T>[];
  /**
   * Accepted batches Dynatrace took only part of (200, its answer naming no event): counted in
   * `accepted`, since sending them again would be refused the same way, and listed here so the
   * operator learns which records they held. @default - none
   */
  partial?: DeliveryFailure<T>[];
  requests: number;
  retries: number;
  /** Compressed bytes on the wire, all attempts. */
  bytesSent: number;
  latenciesMs: number[];
}

/** Anything that can deliver batches: the HTTP client, a dry-run printer, a test double. */
export interface BatchSender {
  send<T>(batch: Batch<T>, deadlineMs: number): Promise<DeliveryReport<T>>;
  /**
   * Starts, without waiting, what the first send needs (the API token), so it is ready by the
   * time the first batch is; failures are left for `send` to meet and report.
   */
  prepare?(): void;
  /** How the sender wants bodies compressed while batches fill (it then sends `batch.compressed`); absent: not at all. */
  bodyCompressor?(): BodyCompressor;
  close?(): Promise<void>;
}

export interface IngestClientOptions {
  /** DT_ENV_URL: `https://<env>.live.dynatrace.com` or `https://<activegate>:9999/e/<env>`. */
  readonly environmentUrl: string;
  readonly tokens: TokenProvider;
  readonly policy: RetryPolicy;
  /** Connections kept open to Dynatrace (and so requests in flight). @default 4 */
  readonly connections?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  readonly logger?: Logger;
  /** @default - a Pool to the environment URL's origin */
  readonly dispatcher?: Dispatcher;
}

type Outcome =
  | { kind: 'ok'; status: number; body: string }
  | { kind: 'split'; status: number; reason: string }
  | { kind: 'fail'; reason: string };

/** What an answer of the ingest API means for the batch sent. */
export type Answer =
  /** 204, or 200 (Dynatrace took part of the batch and does not say which: counted as sent). */
  | { readonly kind: 'accepted' }
  /** 400 or 413: halves may go through, a single event that still fails has `reason`. */
  | { readonly kind: 'split'; readonly reason: string }
  /** 401 or 403: worth one refetch of the token; `reason` when that does not help. */
  | { readonly kind: 'token-rejected'; readonly reason: string }
  /** Retried per the policy; `reason` when the attempts run out, `problem` for the deadline's message. */
  | { readonly kind: 'retryable'; readonly reason: string; readonly problem: string }
  | { readonly kind: 'failed'; readonly reason: string };

/** The meaning of a status and its body (kept, cut, in the reasons). Pure. */
export function classify(status: number, body: string, retryableStatuses: readonly number[]): Answer {
  if (status === 204 || status === 200) return { kind: 'accepted' };
  const detail = `${status}${body ? `: ${body.slice(0, MAX_LOGGED_BODY_CHARS)}` : ''}`;
  if (status === 400) return { kind: 'split', reason: `rejected by Dynatrace (${detail})` };
  if (status === 413) return { kind: 'split', reason: `too large for Dynatrace (${detail})` };
  if (status === 401 || status === 403) return { kind: 'token-rejected', reason: `Dynatrace rejected the API token (${status})` };
  if (retryableStatuses.includes(status)) return { kind: 'retryable', reason: `Dynatrace answered ${detail}`, problem: `status ${detail}` };
  return { kind: 'failed', reason: `Dynatrace answered ${detail}` };
}

export class IngestClient implements BatchSender {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly path: string;
  private readonly origin: string;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** A token Dynatrace refused even after a refetch: batches fail fast while it stays current, until `until`. */
  private rejectedToken?: { readonly value: string; readonly until: number };

  constructor(private readonly options: IngestClientOptions) {
    const url = new URL(options.environmentUrl);
    this.origin = url.origin;
    this.path = `${url.pathname.replace(/\/+$/, '')}${INGEST_PATH}`;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ?? new Pool(url.origin, { connections: options.connections ?? 4, keepAliveTimeout: 30_000, pipelining: 1 });
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async send<T>(batch: Batch<T>, deadlineMs: number): Promise<DeliveryReport<T>> {
    const report: DeliveryReport<T> = { accepted: 0, failed: [], requests: 0, retries: 0, bytesSent: 0, latenciesMs: [] };
    await this.deliver(batch, deadlineMs, report);
    return report;
  }

  /** Fetches the token ahead (from SSM on a cold start), beside reading the rules and the object. */
  prepare(): void {
    // A failure is not kept: send() asks again and reports it on the batch, as without prepare().
    this.options.tokens.get().catch(() => undefined);
  }

  bodyCompressor(): BodyCompressor {
    return gzipWhileFilling(GZIP_LEVEL);
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async deliver<T>(batch: Batch<T>, deadlineMs: number, report: DeliveryReport<T>): Promise<void> {
    if (batch.origins.length === 0) return;
    const outcome = await this.post(batch, deadlineMs, report);
    switch (outcome.kind) {
      case 'ok':
        report.accepted += batch.origins.length;
        if (outcome.status === 200) (report.partial ??= []).push({ origins: batch.origins, reason: outcome.body.slice(0, MAX_LOGGED_BODY_CHARS) });
        return;
      case 'split':
        if (batch.origins.length === 1) {
          report.failed.push({ origins: batch.origins, reason: outcome.reason });
          return;
        }
        for (const half of splitBatch(batch)) await this.deliver(half, deadlineMs, report);
        return;
      case 'fail':
        report.failed.push({ origins: batch.origins, reason: outcome.reason });
        return;
    }
  }

  /** One request with its retries. */
  private async post(batch: Batch<unknown>, deadlineMs: number, report: DeliveryReport<unknown>): Promise<Outcome> {
    const { policy } = this.options;
    // Halves of a split batch were not compressed while filling: they are now.
    const body = await (batch.compressed ?? gzip(batch.body, { level: GZIP_LEVEL }));
    let tokenRefetched = false;
    let lastProblem = '';

    for (let attempt = 1; ; attempt++) {
      const remaining = deadlineMs - this.clock();
      if (remaining < policy.minAttemptMs) {
        return { kind: 'fail', reason: `deadline reached before delivery${lastProblem ? ` (last: ${lastProblem})` : ''}` };
      }

      let token: string;
      try {
        token = await this.options.tokens.get();
      } catch (err) {
        return { kind: 'fail', reason: err instanceof TokenError ? err.message : `token: ${String(err)}` };
      }
      if (token === this.rejectedToken?.value && this.clock() < this.rejectedToken.until) return { kind: 'fail', reason: 'Dynatrace rejected the API token (401/403)' };

      const timeoutMs = Math.min(policy.attemptTimeoutMs, remaining);
      const started = this.clock();
      let status: number;
      let text: string;
      let retryAfterMs: number | undefined;
      try {
        const res = await request(this.dispatcher, {
          origin: this.origin,
          path: this.path,
          method: 'POST',
          headers: {
            authorization: `Api-Token ${token}`,
            'content-type': 'application/json; charset=utf-8',
            'content-encoding': 'gzip',
            accept: 'application/json',
          },
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        status = res.statusCode;
        text = await res.body.text();
        retryAfterMs = parseRetryAfterMs(res.headers['retry-after'], this.clock());
      } catch (err) {
        report.requests++;
        report.bytesSent += body.length;
        lastProblem = `network error ${errorCode(err) ?? (err as Error).message}`;
        if (!isRetryableError(policy, err) || attempt >= policy.maxAttempts) return { kind: 'fail', reason: lastProblem };
        const waited = await this.backoff(attempt, undefined, deadlineMs);
        if (!waited) return { kind: 'fail', reason: `deadline reached while retrying (last: ${lastProblem})` };
        report.retries++;
        continue;
      }
      report.requests++;
      report.bytesSent += body.length;
      report.latenciesMs.push(this.clock() - started);

      const answer = classify(status, text, policy.retryableStatuses);
      switch (answer.kind) {
        case 'accepted':
          return { kind: 'ok', status, body: text };
        case 'split':
          return { kind: 'split', status, reason: answer.reason };
        case 'failed':
          return { kind: 'fail', reason: answer.reason };
        case 'token-rejected':
          if (tokenRefetched) {
            this.rejectedToken = { value: token, until: this.clock() + REJECTED_TOKEN_RETRY_MS };
            this.options.logger?.error('Dynatrace rejected the API token after a refetch', { status });
            return { kind: 'fail', reason: answer.reason };
          }
          tokenRefetched = true;
          try {
            await this.options.tokens.refresh();
          } catch (err) {
            return { kind: 'fail', reason: err instanceof TokenError ? err.message : `token: ${String(err)}` };
          }
          continue;
        case 'retryable':
          lastProblem = answer.problem;
          if (attempt >= policy.maxAttempts) return { kind: 'fail', reason: answer.reason };
      }
      const waited = await this.backoff(attempt, retryAfterMs, deadlineMs);
      if (!waited) return { kind: 'fail', reason: `deadline reached while retrying (last: ${lastProblem})` };
      report.retries++;
    }
  }

  /** Waits before the next attempt; false when the deadline would pass first. */
  private async backoff(attempt: number, retryAfterMs: number | undefined, deadlineMs: number): Promise<boolean> {
    const delay = retryDelayMs(this.options.policy, attempt, retryAfterMs, this.random);
    if (this.clock() + delay + this.options.policy.minAttemptMs > deadlineMs) return false;
    if (delay > 0) await this.sleep(delay);
    return true;
  }
}
