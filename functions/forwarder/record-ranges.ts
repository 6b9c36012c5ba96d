/**
 * Sets of record indexes within one file, written as sorted half-open ranges `[from, to)`.
 * `to: null` means "to the end of the file", for the records a failed or interrupted read never
 * reached (their count is unknown).
 */

export interface RecordRange {
  /** Index of the first record, zero-based. */
  readonly from: number;
  /** Index after the last record; null for "through the end of the file". */
  readonly to: number | null;
}

/** Sorts and merges overlapping or touching ranges; drops empty ones. */
export function normalizeRanges(ranges: readonly RecordRange[]): RecordRange[] {
  const sorted = ranges.filter((r) => r.to === null || r.to > r.from).sort((a, b) => a.from - b.from);
  const out: { from: number; to: number | null }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && (last.to === null || r.from <= last.to)) {
      if (last.to !== null) last.to = r.to === null ? null : Math.max(last.to, r.to);
    } else {
      out.push({ from: r.from, to: r.to });
    }
  }
  return out;
}

/** Ranges covering the given indexes (any order, duplicates allowed). */
export function rangesFromIndexes(indexes: Iterable<number>): RecordRange[] {
  const sorted = Float64Array.from(indexes).sort();
  const out: RecordRange[] = [];
  let from = -1;
  let to = -1;
  for (const i of sorted) {
    if (i === to - 1) continue;
    if (i === to) {
      to++;
      continue;
    }
    if (from >= 0) out.push({ from, to });
    from = i;
    to = i + 1;
  }
  if (from >= 0) out.push({ from, to });
  return out;
}

/** The number of records in the ranges, or null when one of them runs to the end of the file. */
export function countRecords(ranges: readonly RecordRange[]): number | null {
  let n = 0;
  for (const r of ranges) {
    if (r.to === null) return null;
    n += r.to - r.from;
  }
  return n;
}

/** The part of `ranges` at or after `index`. */
export function rangesFrom(ranges: readonly RecordRange[], index: number): RecordRange[] {
  const out: RecordRange[] = [];
  for (const r of ranges) {
    if (r.to !== null && r.to <= index) continue;
    out.push({ from: Math.max(r.from, index), to: r.to });
  }
  return out;
}

/**
 * Answers "is index i selected?" for increasing i in O(1) amortized, and says when no later
 * index can be selected, so a replay stops reading the file early.
 */
export class RangeCursor {
  private at = 0;
  private readonly ranges: RecordRange[];
  constructor(ranges: readonly RecordRange[]) {
    this.ranges = normalizeRanges(ranges);
  }

  includes(index: number): boolean {
    while (this.at < this.ranges.length) {
      const r = this.ranges[this.at];
      if (r.to !== null && index >= r.to) {
        this.at++;
        continue;
      }
      return index >= r.from;
    }
    return false;
  }

  /** True when no index >= `index` is selected. */
  exhaustedAt(index: number): boolean {
    this.includes(index);
    return this.at >= this.ranges.length;
  }
}
