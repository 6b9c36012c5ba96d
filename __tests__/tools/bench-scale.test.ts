import { parseTopology } from '../../config/load';
import { MAX_OUS_PER_CALL } from '../../config/sections/stack-sets';
import { PLAN_REGION_COUNTS, SCALE_MODES, SYNTH_ACCOUNT_COUNTS, plannedStack, regionsFor, scaleRows, scaleTopology } from '../../tools/bench/scale';

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

describe('the rows of a scale run', () => {
  test('the full set plans every mode at every region count and synthesizes every mode at every account count', () => {
    const { plans, synth } = scaleRows(false);
    expect(plans).toHaveLength(SCALE_MODES.length * PLAN_REGION_COUNTS.length + 2);
    expect(synth).toHaveLength(SCALE_MODES.length * SYNTH_ACCOUNT_COUNTS.length);
    expect(new Set(synth.map((s) => `${s.mode}:${s.accounts}`)).size).toBe(synth.length);
  });

  test('the quick set is smaller and still holds every row a target is read from', () => {
    const full = scaleRows(false);
    const quick = scaleRows(true);
    expect(quick.plans.length + quick.synth.length).toBeLessThan(full.plans.length + full.synth.length);
    const plan = (mode: string, regions: number, accounts: number) => quick.plans.some((p) => p.mode === mode && p.regions === regions && p.accounts === accounts);
    expect(plan('stackset', 33, 1)).toBe(true);
    expect(plan('organization', 33, 20)).toBe(true);
    expect(plan('organization', 33, 500)).toBe(true);
    expect(quick.synth.filter((s) => s.accounts === 500).map((s) => s.mode)).toEqual(['stackset', 'organization']);
  });
});
