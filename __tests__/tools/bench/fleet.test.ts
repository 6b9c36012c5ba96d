import { caseOrder } from '../../../tools/bench/fleet';

describe('caseOrder', () => {
  const cases = ['on', 'off', '256', '512'];

  it('starts each run one case later, keeping every case once and the cycle intact', () => {
    expect(caseOrder(cases, 1)).toEqual(['on', 'off', '256', '512']);
    expect(caseOrder(cases, 2)).toEqual(['off', '256', '512', 'on']);
    expect(caseOrder(cases, 4)).toEqual(['512', 'on', 'off', '256']);
    expect(caseOrder(cases, 5)).toEqual(cases);
  });

  it('puts a different case first in each of as many runs as there are cases', () => {
    const firsts = [1, 2, 3, 4].map((run) => caseOrder(cases, run)[0]);
    expect(new Set(firsts).size).toBe(cases.length);
    expect(cases).toEqual(['on', 'off', '256', '512']);
  });
});
