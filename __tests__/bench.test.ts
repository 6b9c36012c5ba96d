import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
  });
});

describe('wellFormed', () => {
  test('names each missing or mistyped figure', () => {
    expect(wellFormed({ forwarder: [{ sizeMB: 10 }], synth: [], validateSeconds: 'x', functions: [] })).toEqual(
      expect.arrayContaining(['forwarder[0].mbPerS: a finite number >= 0', 'synth: a non-empty array', 'validateSeconds: a number or null', 'functions: a non-empty array']),
    );
  });
});
