/**
 * What a drill is: a named failure, run against a {@link DrillWorld}, ending with the sink-side
 * ledger and the checks the failure's promise makes. A drill is one module exporting a
 * {@link Drill}; tools/drill/registry.ts lists them in table order.
 */
import type { MotoServer } from '../lib/moto';
import { Ledger, LedgerCounts } from './ledger';
import { DrillWorld } from './world';

export interface DrillOptions {
  /** Fewer kill points and smaller files (npm test). */
  readonly quick: boolean;
  /** Seed of every random choice (kill points, eventIDs): the same seed, the same drill. */
  readonly seed: number;
  readonly log: (line: string) => void;
}

/** One promise of a drill, kept or not. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was observed, when it is not obvious from the name. */
  readonly detail?: string;
}

export interface DrillOutcome {
  readonly ledger: Ledger;
  readonly checks: readonly Check[];
  /**
   * Duplicates allowed, with the reason (the one window the forwarder documents). Beyond it the
   * drill fails. @default - none allowed
   */
  readonly duplicateBound?: { readonly records: number; readonly why: string };
  /** What else the table's reader should know (kill points, bounds, timings). */
  readonly notes?: readonly string[];
}

export interface Drill {
  /** For --only and the table: kebab-case. */
  readonly name: string;
  /** One line: the failure drilled. */
  readonly title: string;
  run(world: DrillWorld, options: DrillOptions): Promise<DrillOutcome>;
}

export interface DrillRow extends LedgerCounts {
  /** Its place in the registry (the numbering). */
  readonly number: number;
  readonly drill: string;
  readonly title: string;
  readonly result: 'pass' | 'FAIL';
  readonly seconds: number;
  readonly checks: readonly Check[];
  readonly duplicateBound?: DrillOutcome['duplicateBound'];
  readonly notes: readonly string[];
  /** Set when the drill itself broke (a stand-in failed, a bug in the drill): no ledger then. */
  readonly error?: string;
}

/** The checks every drill gets from its ledger: nothing lost, nothing unknown, duplicates within the bound. */
export function ledgerChecks(outcome: DrillOutcome): Check[] {
  const { ledger } = outcome;
  const bound = outcome.duplicateBound?.records ?? 0;
  return [
    { name: 'no record lost', ok: ledger.lost === 0, detail: ledger.lost > 0 ? `${ledger.lost} lost, e.g. ${ledger.lostIds.slice(0, 3).join(', ')}` : undefined },
    { name: 'the sink took only records of the drill', ok: ledger.unexpected === 0, detail: ledger.unexpected > 0 ? `${ledger.unexpected} unknown ids` : undefined },
    { name: `duplicates within the bound (${bound})`, ok: ledger.duplicated <= bound, detail: `${ledger.duplicated} duplicated` },
  ];
}

export function rowOf(number: number, drill: Drill, outcome: DrillOutcome, seconds: number): DrillRow {
  const checks = [...ledgerChecks(outcome), ...outcome.checks];
  const { ledger } = outcome;
  return {
    number,
    drill: drill.name,
    title: drill.title,
    records: ledger.records,
    deliveredOnce: ledger.deliveredOnce,
    duplicated: ledger.duplicated,
    lost: ledger.lost,
    ticketed: ledger.ticketed,
    replayed: ledger.replayed,
    result: checks.every((c) => c.ok) ? 'pass' : 'FAIL',
    seconds,
    checks,
    duplicateBound: outcome.duplicateBound,
    notes: outcome.notes ?? [],
  };
}

export function brokenRow(number: number, drill: Drill, error: unknown, seconds: number): DrillRow {
  const message = error instanceof Error ? error.message : String(error);
  return {
    number,
    drill: drill.name,
    title: drill.title,
    records: 0,
    deliveredOnce: 0,
    duplicated: 0,
    lost: 0,
    ticketed: 0,
    replayed: 0,
    result: 'FAIL',
    seconds,
    checks: [{ name: 'the drill ran to its end', ok: false, detail: message }],
    notes: [],
    error: message,
  };
}

/** Runs one drill in a world of its own, closed whatever happens. */
export async function runDrill(number: number, drill: Drill, moto: MotoServer, options: DrillOptions): Promise<DrillRow> {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  let world: DrillWorld | undefined;
  try {
    world = await DrillWorld.create(moto, drill.name);
    const outcome = await drill.run(world, options);
    return rowOf(number, drill, outcome, seconds());
  } catch (err) {
    return brokenRow(number, drill, err, seconds());
  } finally {
    await world?.close();
  }
}
