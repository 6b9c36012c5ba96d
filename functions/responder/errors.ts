/**
 * How the responder sorts AWS errors: retryable ones (throttling, 5xx, network) are thrown so
 * Lambda's asynchronous retries (twice) and then its on-failure destination, the responder DLQ, take
 * the event (the rule target's retry policy covers only failures to deliver); the others (access
 * denied, gone, invalid) would fail again the same way, so they are logged and the event is settled.
 */

const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'PriorRequestNotComplete',
]);
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'NetworkingError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  // A conditional write (IfNoneMatch) raced another write of the same key: S3 asks for a retry.
  'ConditionalRequestConflict',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  Code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The AWS error code (`NoSuchEntity`, `AccessDenied`, ...), or the Node error code for a network failure. */
export function errorCode(err: unknown): string {
  const e = (err ?? {}) as AwsLikeError;
  const status = e.$metadata?.httpStatusCode;
  // HEAD answers have no body, so the SDK can only name the status.
  if (status === 404 && (e.name === 'NotFound' || e.name === '404' || e.name === 'UnknownError')) return 'NotFound';
  if (status === 403 && (e.name === 'Forbidden' || e.name === '403' || e.name === 'UnknownError')) return 'AccessDenied';
  return e.Code ?? (typeof e.code === 'string' ? e.code : undefined) ?? e.name ?? 'UnknownError';
}

export function isRetryable(err: unknown): boolean {
  const e = (err ?? {}) as AwsLikeError;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const code = errorCode(err);
  return THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code);
}
