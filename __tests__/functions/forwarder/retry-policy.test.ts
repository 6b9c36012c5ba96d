import { backoffDelayMs, DEFAULT_RETRY_POLICY, isRetryableError, parseRetryAfterMs, retryDelayMs } from '../../../functions/forwarder/retry-policy';

const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, factor: 2, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

describe('retry policy', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(policy, n, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs('Mon, 01 Jan 2024 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
  });

  it('honours Retry-After but caps it', () => {
    expect(retryDelayMs(policy, 1, 2000, () => 0.5)).toBe(2000);
    expect(retryDelayMs(policy, 1, 3_600_000, () => 0.5)).toBe(5000);
    expect(retryDelayMs(policy, 1, undefined, () => 0.5)).toBe(50);
  });

  it('retries network errors by code, through cause chains', () => {
    expect(isRetryableError(policy, Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableError(policy, new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'UND_ERR_SOCKET' }) }))).toBe(true);
    expect(isRetryableError(policy, Object.assign(new Error('x'), { code: 'ERR_INVALID_URL' }))).toBe(false);
  });
});
