import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseKey } from '../functions/lib/key-layout';
import { parseInvocation } from '../functions/forwarder/notifications';
import { chooseMemory, costPerGB, GB, LAMBDA_PRICES, modelledMs } from '../tools/bench/cost';
import { FLEET_SIZE_CLASSES, fleetEvents, lambdaHeapFlags, planFleet } from '../tools/bench/fleet';
import { wellFormed } from '../tools/bench/report';
import { describeWithTool } from './support/required-tools';
import { sharedDataPath } from './support/shared-data';

const ROOT = join(__dirname, '..');

describeWithTool('moto_server', 'npm run bench -- --quick (smoke test)', () => {
  test('completes and writes well-formed figures', () => {
    sharedDataPath('cloudtrail');
    const results = join(ROOT, 'bench-results.json');
    rmSync(results, { force: true });
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'tools/bench.ts', '--quick'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 5 * 60_000,
    });
    if (run.status !== 0) throw new Error(`bench --quick failed (${run.status}):\n${run.stderr}`);
    expect(run.stdout).toMatch(/\| file \(MB\) \| records \| MB\/s/);
    const figures = JSON.parse(readFileSync(results, 'utf8'));
    expect(wellFormed(figures)).toEqual([]);
    expect(figures.quick).toBe(true);
    expect(figures.runs).toBeGreaterThanOrEqual(3);
    // Nothing lost or duplicated on the fleet: the sink counted each record once.
    expect(figures.fleet.records).toBeGreaterThan(1000);
    expect(figures.fleet.eventsAtSink).toBe(figures.fleet.records);
    expect(figures.fleet.requests).toBeGreaterThanOrEqual(figures.fleet.minRequests);
    // Read-ahead takes from the time the function waits on S3, not from its work.
    expect(figures.fleet.mainThreadWaitingS).toBeLessThan(figures.fleet.mainThreadWaitingSNoReadAhead);
    // The wait after each invocation's last record reaches the figures (from the function's own
    // 'invocation done' lines), in seconds: more than nothing, less than the invocations took.
    expect(figures.fleet.settleS).toBeGreaterThan(0);
    expect(figures.fleet.settleS).toBeLessThan(figures.fleet.mainThreadBusyS + figures.fleet.mainThreadWaitingS);
    expect(figures.fleet.settleSNoReadAhead).toBeGreaterThan(0);
    expect(figures.fleet.cost.map((c: { memoryMB: number }) => c.memoryMB)).toEqual([256, 512, 1024, 1769]);
    expect(run.stdout).toMatch(/\| read-ahead \| objects\/s \|/);
  });
});

describe('wellFormed', () => {
  test('names each missing or mistyped figure', () => {
    expect(wellFormed({ forwarder: [{ sizeMB: 10 }], fleet: { objects: 60, cost: [{ memoryMB: 256 }] }, synth: [], validateSeconds: 'x', functions: [] })).toEqual(
      expect.arrayContaining([
        'forwarder[0].mbPerS: a finite number >= 0',
        'fleet.objectsPerSNoReadAhead: a finite number > 0',
        'fleet.cost[0].usdPerGB: a finite number > 0',
        'synth: a non-empty array',
        'validateSeconds: a number or null',
        'functions: a non-empty array',
      ]),
    );
    expect(wellFormed({ forwarder: [] })).toContain('fleet: an object');
  });
});

describe('the fleet workload', () => {
  const NOW = Date.UTC(2026, 0, 15, 12, 0);

  test("runs the function with the heap Lambda's Node.js runtime gives the configured memory", () => {
    expect(lambdaHeapFlags(256)).toEqual(['--max-semi-space-size=12', '--max-old-space-size=231']);
    expect(lambdaHeapFlags(1769)).toEqual(['--max-semi-space-size=88', '--max-old-space-size=1593']);
  });

  test('plans the documented size mix, one CloudTrail key per object, the same each time', () => {
    const plan = planFleet(300, NOW);
    expect(planFleet(300, NOW)).toEqual(plan);
    const inClass = FLEET_SIZE_CLASSES.map((c) => plan.filter((p) => p.targetBytes >= c.minBytes && p.targetBytes <= c.maxBytes).length);
    expect(inClass).toEqual([240, 51, 9]);
    expect(new Set(plan.map((p) => p.key)).size).toBe(300);
    for (const p of plan) expect(parseKey(p.key).kind).toBe('log');
    // Shuffled: the large objects are not all at the end.
    expect(plan.slice(0, 150).some((p) => p.targetBytes > FLEET_SIZE_CLASSES[2].minBytes)).toBe(true);
    expect(planFleet(60, NOW).filter((p) => p.targetBytes >= FLEET_SIZE_CLASSES[2].minBytes)).toHaveLength(2);
    expect(() => planFleet(2, NOW)).toThrow(/at least 3 objects/);
  });

  test('delivers the objects as SQS events of up to 10 notifications the forwarder reads in order', () => {
    const keys = planFleet(25, NOW).map((p) => p.key);
    const events = fleetEvents(keys);
    expect(events).toHaveLength(3);
    const parsed = events.map((e) => parseInvocation(e));
    expect(parsed.map((p) => p.objects.length)).toEqual([10, 10, 5]);
    expect(parsed.flatMap((p) => p.objects.map((o) => o.key))).toEqual(keys);
    expect(parsed.flatMap((p) => p.ignored)).toEqual([]);
    expect(parsed[2].sqsMessageIds).toEqual(['fleet-20', 'fleet-21', 'fleet-22', 'fleet-23', 'fleet-24']);
  });
});

describe('the Lambda cost model', () => {
  test('stretches CPU time by the vCPU share below 1,769 MB and keeps the waits', () => {
    const invocation = { wallMs: 1000, cpuMs: 400 };
    expect(modelledMs(invocation, 1769)).toBe(1000);
    expect(modelledMs(invocation, 3538)).toBe(1000);
    expect(modelledMs(invocation, 1769 / 4)).toBeCloseTo(600 + 1600);
    // Two threads' CPU in less wall time: one vCPU needs at least the CPU time.
    expect(modelledMs({ wallMs: 300, cpuMs: 500 }, 1769)).toBe(500);
  });

  test('prices GB-seconds per started ms and each request, per GB of input', () => {
    const invocations = [{ wallMs: 999.2, cpuMs: 0 }, { wallMs: 999.2, cpuMs: 0 }];
    const { usdPerGB } = costPerGB(invocations, GB / 2, 1024);
    expect(usdPerGB).toBeCloseTo(2 * 2 * (1 * LAMBDA_PRICES.usdPerGBSecond + LAMBDA_PRICES.usdPerRequest), 12);
  });

  test('chooses the cheapest memory that holds the peak RSS and keeps p99 under a quarter of the timeout', () => {
    const costs = [
      { memoryMB: 256, usdPerGB: 0.001, p99Ms: 80_000 },
      { memoryMB: 512, usdPerGB: 0.002, p99Ms: 40_000 },
      { memoryMB: 1024, usdPerGB: 0.0015, p99Ms: 20_000 },
    ];
    expect(chooseMemory(costs, 300, 150)).toBe(1024);
    expect(chooseMemory(costs, 400, 150)).toBe(256);
    expect(chooseMemory(costs, 400, 300)).toBe(1024);
    expect(chooseMemory(costs, 60, 150)).toBeUndefined();
    // A peak RSS measured under a memory's own heap is held against that memory.
    expect(chooseMemory(costs.map((c) => ({ ...c, peakRssMB: c.memoryMB === 256 ? 260 : 150 })), 400, 150)).toBe(1024);
  });
});
