import { describeWithTool } from '../support/required-tools';
import { sharedDataPath } from '../support/shared-data';
import { DrillRow } from '../../tools/drill/drill';
import { DRILLS } from '../../tools/drill/registry';
import { findings } from '../../tools/drill/report';
import { runDrills } from '../../tools/drill';

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

  test('every check holds: no record lost and no duplicate beyond its bound', () => {
    expect(rows.length).toBe(DRILLS.length);
    expect(findings(rows)).toEqual([]);
    for (const row of rows) {
      expect({ drill: row.drill, lost: row.lost }).toEqual({ drill: row.drill, lost: 0 });
      expect(row.duplicated).toBeLessThanOrEqual(row.duplicateBound?.records ?? 0);
    }
  });

  test('the quick run stays short', () => {
    // The target is < 60 s on 2 idle cores; the limit leaves room for a loaded machine.
    expect(seconds).toBeLessThan(240);
  });
});
