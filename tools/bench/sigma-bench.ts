import { convertSigmaRule, readSigmaRules } from '../../config/sigma';
import { compileRules, type CompiledRules } from '../../functions/forwarder/rules';
import { builtInRulesDocument } from '../../functions/forwarder/rules-constants';
import type { SigmaTagRule } from '../../functions/forwarder/rules-schema';
import { SHARED_SIGMA_RULES } from '../sigma';

/** Every shared rule that has a pattern (exact or approximate; an unsupported one has none), as forwarder tags. */
export function sharedSigmaTagRules(): SigmaTagRule[] {
  return readSigmaRules([SHARED_SIGMA_RULES])
    .map(convertSigmaRule)
    .filter((c) => c.pattern !== undefined)
    .map((c) => ({ id: c.rule.id ?? c.rule.title, name: c.rule.title, level: c.rule.level ?? 'medium', pattern: c.pattern!.detail as Record<string, unknown> }));
}

/** The built-in rules plus the shared Sigma rules: the forwarder with every record matched against them. */
export function sigmaBenchRules(): CompiledRules {
  return compileRules({ ...builtInRulesDocument(), sigma: sharedSigmaTagRules() }, 'bench-sigma');
}
