import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { coverageTable, withCoverageTable } from '../../tools/sigma/coverage';
import { convertPaths } from '../../tools/sigma';
import { sharedDataPath } from '../support/shared-data';

const ROOT = resolve(__dirname, '..', '..');

/** Runs `npm run sigma -- ...args` the way a user does, through tsx. */
function sigmaCli(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'tools', 'sigma.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run sigma -- convert', () => {
  const rules = sharedDataPath('sigma', 'rules');

  test('--json prints one object per rule with file, id, title, author and status, and exits 0', () => {
    const run = sigmaCli('convert', '--json', rules);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(34);
    for (const line of lines) {
      expect(line).toEqual(expect.objectContaining({ file: expect.stringMatching(/\.yml$/), id: expect.any(String), title: expect.any(String), author: expect.any(String) }));
      expect(['exact', 'approximate', 'unsupported']).toContain(line.status);
      // A reason exactly when not exact; a pattern exactly when convertible.
      expect('reason' in line).toBe(line.status !== 'exact');
      expect('pattern' in line).toBe(line.status !== 'unsupported');
    }
    expect(lines.find((l) => l.id === '055fb148-60f8-462d-ad16-26926ce050f1')).toMatchObject({ status: 'unsupported', reason: expect.stringMatching(/\|fieldref/) });
  });

  test('exits 2 naming the file, the YAML path and what is wrong, and still converts the valid files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-cli-'));
    writeFileSync(join(dir, 'bad.yml'), 'title: Bad\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n    sel:\n        eventName|contians: x\n    condition: sel\n');
    // A value |cidr or |gt cannot take is a mistake in the rule too, not an EventBridge limit (unsupported).
    writeFileSync(join(dir, 'bad-cidr.yml'), 'title: Bad CIDR\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n    sel:\n        sourceIPAddress|cidr: 10.0.0.0/33\n    condition: sel\n');
    writeFileSync(join(dir, 'good.yml'), readFileSync(join(rules, 'aws_enum_buckets.yml')));
    const run = sigmaCli('convert', dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(dir, 'bad.yml')}: detection.sel.eventName|contians: "contians" is not a Sigma value modifier`);
    expect(run.stderr).toContain(`${join(dir, 'bad-cidr.yml')}: detection.sel.sourceIPAddress|cidr: "10.0.0.0/33" is not a CIDR network`);
    expect(run.stdout).not.toMatch(/bad-cidr/);
    expect(run.stdout).toMatch(/^exact good\.yml: Potential Bucket Enumeration on AWS \(f305fd62-beca-47da-ad95-7690a0620084, by Christopher Peacock/);
  });

  test('exits 2 for a path that does not exist', () => {
    const run = sigmaCli('convert', join(ROOT, 'no-such-rules'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no-such-rules: no such file or folder/);
  });
});

describe('docs/sigma.md coverage table', () => {
  test('equals what npm run sigma -- coverage generates from ../shared/data/sigma/rules', () => {
    const { conversions, errors } = convertPaths([sharedDataPath('sigma', 'rules')]);
    expect(errors).toEqual([]);
    const doc = readFileSync(join(ROOT, 'docs', 'sigma.md'), 'utf8');
    expect(doc).toBe(withCoverageTable(doc, coverageTable(conversions)));
    expect(doc).toMatch(/34 rules: \d+ exact, \d+ approximate, \d+ unsupported\./);
  });
});
