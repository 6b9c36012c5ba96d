/** Checks several drills make, as pure functions of what the drill observed. */
import type { ReplayTicket } from '../../functions/forwarder/tickets';
import { Check } from './drill';
import type { TrailFile } from './trail-files';

/** Every id of `ids` is in `set`. */
export function allIn(name: string, ids: readonly string[], set: ReadonlySet<string>): Check {
  const missing = ids.filter((id) => !set.has(id)).length;
  return { name, ok: ids.length > 0 && missing === 0, detail: `${ids.length - missing} of ${ids.length}` };
}

/** Each id was taken exactly once. */
export function exactlyOnce(name: string, ids: readonly string[], deliveries: ReadonlyMap<string, number>): Check {
  const off = ids.filter((id) => deliveries.get(id) !== 1).length;
  return { name, ok: ids.length > 0 && off === 0, detail: off > 0 ? `${off} of ${ids.length} not taken exactly once` : `${ids.length} records` };
}

/**
 * The rest of a file read only in part is ticketed from the right record: one open-ended range
 * from the first record never sent; every record before it taken by the sink or named by a
 * closed range (its batch failed), none from it on taken.
 */
export function restTicketedFrom(name: string, file: TrailFile, tickets: readonly ReplayTicket[], takenBefore: ReadonlyMap<string, number>, expectPartial: boolean): Check {
  const ranges = tickets.filter((t) => t.key === file.key).flatMap((t) => t.ranges);
  const open = ranges.filter((r) => r.to === null);
  if (open.length !== 1) return { name, ok: false, detail: `${open.length} open-ended ranges in the tickets of ${file.key}` };
  const from = open[0].from;
  const closed = (i: number) => ranges.some((r) => r.to !== null && i >= r.from && i < r.to);
  const accounted = file.ids.slice(0, from).filter((id, i) => takenBefore.has(id) || closed(i)).length;
  const after = file.ids.slice(from).filter((id) => takenBefore.has(id)).length;
  const ok = accounted === from && after === 0 && (!expectPartial || (from > 0 && from < file.ids.length));
  return { name, ok, detail: `ticketed from record ${from} of ${file.ids.length}; before it ${accounted} of ${from} taken or ticketed, from it ${after} taken` };
}

/** No secret appears in the texts (log lines, tickets). */
export function secretsAbsent(name: string, secrets: readonly string[], texts: readonly string[]): Check {
  const leaks = secrets.filter((secret) => texts.some((text) => text.includes(secret)));
  const scanned = texts.reduce((sum, text) => sum + text.length, 0);
  return { name, ok: leaks.length === 0 && scanned > 0, detail: leaks.length > 0 ? `${leaks.length} of ${secrets.length} token(s) found` : `${secrets.length} token(s), ${scanned} characters scanned` };
}

export function check(name: string, ok: boolean, detail?: string): Check {
  return { name, ok, detail };
}
