import type { Topology } from '../config/schema';
import { sigmaTagRules } from './catalog/sigma-rules';

/**
 * The first hosted version of the forwarder's rules: the generated defaults as they are, or, with
 * forwarder.sigmaTags, the defaults plus the compiled Sigma rules (so each record is tagged with the rules it
 * matches). The defaults are passed in as text, as the observability stack reads them from the generated file.
 */
export function forwarderRulesContent(topology: Topology, defaultRules: string): string {
  const sigma = sigmaTagRules(topology);
  if (sigma.length === 0) return defaultRules;
  return `${JSON.stringify({ ...(JSON.parse(defaultRules) as Record<string, unknown>), sigma }, null, 2)}\n`;
}
