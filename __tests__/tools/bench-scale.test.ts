import { parseTopology } from '../../config/load';
import { MAX_OUS_PER_CALL } from '../../config/sections/stack-sets';
import { PLAN_REGION_COUNTS, SCALE_MODES, SYNTH_ACCOUNT_COUNTS, plannedStack, regionsFor, scaleTopology } from '../../tools/bench/scale';

describe('the scale bench topologies', () => {
  test.each(SCALE_MODES.flatMap((mode) => PLAN_REGION_COUNTS.map((regions) => [mode, regions] as const)))('%s with %i regions is a valid topology', (mode, regions) => {
    const topology = parseTopology(scaleTopology(mode, regions, 1), `${mode} ${regions}`);
    expect(topology.regions).toHaveLength(regions);
    expect(topology.regions[0]).toBe(topology.homeRegion);
  });

  test.each(SYNTH_ACCOUNT_COUNTS.map((n) => [n]))('the organization mode with %i accounts puts them in OUs of at most 50, with one listed source', (accounts) => {
    const topology = parseTopology(scaleTopology('organization', 17, accounts), 'organization');
    const ous = topology.organizationForwarding!.organizationalUnits;
    expect(ous.flatMap((o) => o.accounts)).toHaveLength(accounts);
    for (const ou of ous) expect(ou.accounts.length).toBeLessThanOrEqual(MAX_OUS_PER_CALL);
    expect(topology.accounts.filter((a) => a.roles.includes('source'))).toHaveLength(1);
    expect(plannedStack('organization')).toBe('organization-forwarding');
  });

  test('listed-source modes have as many sources as accounts, in the mode asked', () => {
    const topology = parseTopology(scaleTopology('stackset', 3, 20), 'stackset');
    const sources = topology.accounts.filter((a) => a.roles.includes('source'));
    expect(sources).toHaveLength(20);
    for (const s of sources) expect(s.source!.forwardingDeployment).toBe('stackset');
  });

  test('33 regions are known; more are refused', () => {
    expect(regionsFor(33)).toHaveLength(33);
    expect(() => regionsFor(1000)).toThrow(/1000 regions asked/);
  });
});
