/**
 * The drills, in table order. A new drill is one module in ./drills exporting a {@link Drill},
 * added here.
 */
import { Drill } from './drill';
import { dynatraceDown } from './drills/dynatrace-down';
import { dynatraceSlow } from './drills/dynatrace-slow';
import { killedMidFile } from './drills/killed-mid-file';
import { poisonInput } from './drills/poison-input';
import { responderThrottled } from './drills/responder-throttled';
import { rulesTrouble } from './drills/rules-trouble';
import { s3Breaks } from './drills/s3-breaks';
import { tokenTrouble } from './drills/token-trouble';

export const DRILLS: readonly Drill[] = [killedMidFile, dynatraceDown, dynatraceSlow, s3Breaks, tokenTrouble, rulesTrouble, poisonInput, responderThrottled];

/** The drills `--only` names (comma-separated), or all; an unknown name is an error listing the known ones. */
export function selectDrills(only: string | undefined, drills: readonly Drill[] = DRILLS): Drill[] {
  if (!only) return [...drills];
  const names = only.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !drills.some((d) => d.name === n));
  if (unknown.length > 0) throw new Error(`--only ${unknown.join(', ')}: no such drill; the drills are ${drills.map((d) => d.name).join(', ')}`);
  return drills.filter((d) => names.includes(d.name));
}
