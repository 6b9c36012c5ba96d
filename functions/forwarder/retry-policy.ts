/**
 * The retry policy as data, and the pure functions that apply it. Exponential backoff with full
 * jitter (delay = random(0, min(cap, base * factor^(n-1)))), `Retry-After` honoured but capped,
 * a timeout per attempt, and nothing started that the deadline cannot cover.
 */

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly factor: number;
  /** Cap of the backoff before jitter. */
  readonly maxDelayMs: number;
  /** A longer Retry-After is cut to this. */
  readonly maxRetryAfterMs: number;
  /** Time allowed for one attempt to get its response. */
  readonly attemptTimeoutMs: number;
  /** Least time worth starting an attempt with; below it the request is given up (ticketed). */
  readonly minAttemptMs: number;
  readonly retryableStatuses: readonly number[];
  /** Network error codes (Node and undici) worth another attempt. */
  readonly retryableErrorCodes: readonly string[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 250,
  factor: 2,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 30_000,
  attemptTimeoutMs: 30_000,
  minAttemptMs: 1_000,
  retryableStatuses: [429, 502, 503, 504],
  retryableErrorCodes: [
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'UND_ERR_SOCKET',
    'UND_ERR_CLOSED',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
  ],
};

/** Full-jitter backoff before retry number `retry` (1 for the first retry). */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** A Retry-After header (delay-seconds or HTTP-date) in ms from now; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before the next attempt: Retry-After when given (capped), else the backoff. */
export function retryDelayMs(policy: RetryPolicy, retry: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelayMs(policy, retry, random);
}

/** The error code of a network error, looking through `cause` chains. */
export function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function isRetryableError(policy: RetryPolicy, err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && policy.retryableErrorCodes.includes(code)) return true;
  }
  return false;
}
