import { describeWithTool } from '../support/required-tools';
import { sharedDataPath } from '../support/shared-data';
import { DrillRow } from '../../tools/drill/drill';
import { DRILLS } from '../../tools/drill/registry';
import { findings } from '../../tools/drill/report';
import { runDrills } from '../../tools/drill';

/**
 * Forwarder bugs the drills found and that are not fixed yet (the forwarder is not this test's to
 * change): the checks named here are expected to fail, and only those. Each entry must still
 * fail, so the list cannot outlive the fix: when a fix lands, this test says to drop the entry.
 * Every other loss, and every other duplicate beyond its bound, fails the test.
 */
const KNOWN_FORWARDER_BUGS: Record<string, { readonly checks: RegExp; readonly bug: string }> = {};

describeWithTool('moto_server', 'npm run drill -- --quick', () => {
  let rows: DrillRow[] = [];
  let seconds = 0;

  beforeAll(async () => {
    sharedDataPath('cloudtrail');
    const run = await runDrills({ quick: true });
    rows = [...run.rows];
    seconds = run.seconds;
  }, 600_000);

  test('every drill of the registry ran to its end', () => {
    expect(rows.map((r) => r.drill)).toEqual(DRILLS.map((d) => d.name));
    expect(rows.filter((r) => r.error).map((r) => `${r.drill}: ${r.error}`)).toEqual([]);
    expect(rows.every((r) => r.records > 0)).toBe(true);
  });

  test('no record lost and no duplicate beyond its bound, but for the known forwarder bugs', () => {
    const unexpected = findings(rows.filter((r) => !KNOWN_FORWARDER_BUGS[r.drill]));
    for (const row of rows.filter((r) => KNOWN_FORWARDER_BUGS[r.drill])) {
      const known = KNOWN_FORWARDER_BUGS[row.drill].checks;
      for (const failed of row.checks.filter((c) => !c.ok && !known.test(c.name))) unexpected.push(`${row.drill}: FAILED ${failed.name} - ${failed.detail ?? ''}`);
    }
    expect(unexpected).toEqual([]);
    for (const row of rows.filter((r) => !KNOWN_FORWARDER_BUGS[r.drill])) {
      expect({ drill: row.drill, lost: row.lost }).toEqual({ drill: row.drill, lost: 0 });
      expect(row.duplicated).toBeLessThanOrEqual(row.duplicateBound?.records ?? 0);
    }
  });

  // Only while an entry is listed: with none, there is nothing that could still show.
  const knownBugs = Object.keys(KNOWN_FORWARDER_BUGS);
  (knownBugs.length > 0 ? test : test.skip)('the known forwarder bugs still show (drop an entry once its bug is fixed)', () => {
    const names = knownBugs;
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const row = rows.find((r) => r.drill === name);
      const failing = row?.checks.filter((c) => !c.ok && KNOWN_FORWARDER_BUGS[name].checks.test(c.name)) ?? [];
      expect({ drill: name, stillFailing: failing.length > 0 }).toEqual({ drill: name, stillFailing: true });
    }
  });

  test('the quick run stays short', () => {
    // The target is < 60 s on 2 idle cores; the limit leaves room for a loaded machine.
    expect(seconds).toBeLessThan(240);
  });
});
