import { PRICED_MEMORY_MB } from '../../../tools/bench/cost';
import { caseOrder, fleetFigures } from '../../../tools/bench/fleet';

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

describe('fleetFigures', () => {
  type Input = Parameters<typeof fleetFigures>[0];
  type Run = Input['byMode']['on'][number];
  /** A run of `invocations` alike invocations: each waits `idleMs`, `settleMs` of it after its last record. */
  const run = (invocations: number, wallMs: number, idleMs: number, settleMs: number): Run => ({
    warmup: { wallMs, cpuMs: wallMs - idleMs, idleMs, result: {} },
    invocations: Array.from({ length: invocations }, () => ({ wallMs, cpuMs: wallMs - idleMs, idleMs, result: {} })),
    counts: Array.from({ length: invocations }, () => ({ sent: 100, failed: 0, tickets: 0, requests: 1, bytesBatched: 1_000_000, objectsRead: 10, settleMs })),
    peakRssMB: 150,
    eventsAtSink: invocations * 100,
  });
  const figures = (on: Run[], off: Run[]) =>
    fleetFigures({
      count: 30,
      records: 300,
      inputBytes: 30 * 1024 ** 2,
      byMode: { on, off },
      byMemory: Object.fromEntries(PRICED_MEMORY_MB.map((m) => [m, on])),
      largeFile: { sizeMB: 100, cpuSecondsPerGB: 50 },
      memoryInMb: 256,
      timeoutInSeconds: 300,
    });

  it('splits the waiting: the seconds after each last record, summed over the invocations, as the median of the runs', () => {
    const f = figures([run(3, 200, 60, 40), run(3, 210, 70, 50), run(3, 190, 50, 30)], [run(3, 500, 400, 30), run(3, 520, 420, 45), run(3, 480, 380, 25)]);
    expect(f.settleS).toBe(0.12); // the median run: 3 x 40 ms
    expect(f.settleSNoReadAhead).toBe(0.09);
    expect(f.mainThreadWaitingS).toBe(0.18);
    expect(f.mainThreadBusyS).toBe(0.42);
    expect(f.objectsPerS).toBe(50);
    expect(f.objectsPerSNoReadAhead).toBe(20);
  });
});
