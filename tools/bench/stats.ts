/** Small numeric helpers for the benchmark report. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The least number of requests that can carry `events` events of `eventBytes` in total. */
export function minimumRequests(events: number, eventBytes: number, limits: { maxEvents: number; maxBytes: number }): number {
  if (events === 0) return 0;
  return Math.max(Math.ceil(events / limits.maxEvents), Math.ceil(eventBytes / limits.maxBytes));
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
