/**
 * The sink-side count of a drill, as pure functions: which records went in, how often the sink
 * took each, which ones tickets name, and what that makes of the promise "every record reaches
 * Dynatrace or a replay ticket".
 */
import type { ReplayTicket } from '../../functions/forwarder/tickets';
import type { TrailFile } from './trail-files';

/** One row of the loss table (counts of records). */
export interface LedgerCounts {
  /** Records in the files the drill delivered. */
  readonly records: number;
  /** Taken by the sink exactly once. */
  readonly deliveredOnce: number;
  /** Taken twice or more. */
  readonly duplicated: number;
  /** Neither taken by the sink nor named by a ticket still waiting to be replayed. */
  readonly lost: number;
  /** Named by a ticket at some point of the drill. */
  readonly ticketed: number;
  /** Taken by the sink during a replay. */
  readonly replayed: number;
}

export interface LedgerInput {
  /** The eventID of every record that went in. */
  readonly expected: Iterable<string>;
  /** How often the sink took each id (all phases). */
  readonly deliveries: ReadonlyMap<string, number>;
  /** Ids any ticket of the drill named. */
  readonly ticketed: ReadonlySet<string>;
  /** Ids the sink took while a replay ran. */
  readonly replayed: ReadonlySet<string>;
  /** Ids named by tickets still in the queue at the end (given up for the dead-letter queue, or never replayed). */
  readonly standing?: ReadonlySet<string>;
}

export interface Ledger extends LedgerCounts {
  /** Up to 10 lost ids, for the report. */
  readonly lostIds: readonly string[];
  /** Ids the sink took that no file held (a drill or sink bug). */
  readonly unexpected: number;
  /** The most times one record was taken. */
  readonly maxDeliveries: number;
}

export function tally(input: LedgerInput): Ledger {
  const expected = new Set(input.expected);
  let deliveredOnce = 0;
  let duplicated = 0;
  let maxDeliveries = 0;
  const lostIds: string[] = [];
  let lost = 0;
  for (const id of expected) {
    const n = input.deliveries.get(id) ?? 0;
    maxDeliveries = Math.max(maxDeliveries, n);
    if (n === 1) deliveredOnce++;
    else if (n > 1) duplicated++;
    else if (!input.standing?.has(id)) {
      lost++;
      if (lostIds.length < 10) lostIds.push(id);
    }
  }
  let unexpected = 0;
  for (const id of input.deliveries.keys()) if (!expected.has(id)) unexpected++;
  const count = (ids: ReadonlySet<string>) => [...ids].filter((id) => expected.has(id)).length;
  return {
    records: expected.size,
    deliveredOnce,
    duplicated,
    lost,
    ticketed: count(input.ticketed),
    replayed: count(input.replayed),
    lostIds,
    unexpected,
    maxDeliveries,
  };
}

/** The eventIDs the tickets name, through the files they point at; a ticket for an unknown file is an error. */
export function ticketedIds(tickets: readonly ReplayTicket[], files: ReadonlyMap<string, TrailFile>): Set<string> {
  const ids = new Set<string>();
  for (const ticket of tickets) {
    const file = files.get(ticket.key);
    if (!file) throw new Error(`a ticket names ${ticket.bucket}/${ticket.key}, which no drill file holds`);
    for (const range of ticket.ranges) {
      const to = range.to === null ? file.ids.length : Math.min(range.to, file.ids.length);
      for (let i = range.from; i < to; i++) ids.add(file.ids[i]);
    }
  }
  return ids;
}

/** The ids taken during a phase: the difference of two snapshots of the sink's counts. */
export function takenBetween(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Set<string> {
  const ids = new Set<string>();
  for (const [id, n] of after) if (n > (before.get(id) ?? 0)) ids.add(id);
  return ids;
}

/** Adds per-id counts (the deliveries of several sinks or runs). */
export function addCounts(...maps: ReadonlyMap<string, number>[]): Map<string, number> {
  const sum = new Map<string, number>();
  for (const map of maps) for (const [id, n] of map) sum.set(id, (sum.get(id) ?? 0) + n);
  return sum;
}
