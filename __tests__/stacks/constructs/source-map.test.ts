import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { decodeVlq, encodeVlq, trimSourceMap } from '../../../stacks/constructs/source-map';

const ROOT = join(__dirname, '..', '..', '..');

describe('VLQ', () => {
  test.each([[[0]], [[1, -1, 15, 16, -16]], [[123456, -98765, 0, 31, 32]]])('round-trips %j', (values) => {
    expect(decodeVlq(encodeVlq(values))).toEqual(values);
  });

  test('rejects a character outside base64', () => {
    expect(() => decodeVlq('A!')).toThrow(/invalid base64 VLQ character "!"/);
  });
});

describe('trimSourceMap', () => {
  // Line 1: col 0 -> own.ts 0:0, col 5 -> lib.ts 3:1, col 9 -> lib.ts 3:4, col 12 -> own.ts 1:2
  const map = {
    version: 3,
    sources: ['own.ts', 'node_modules/lib/lib.js'],
    names: [],
    mappings: [
      encodeVlq([0, 0, 0, 0]),
      encodeVlq([5, 1, 3, 1]),
      encodeVlq([4, 0, 0, 3]),
      encodeVlq([3, -1, -2, -2]),
    ].join(','),
  };

  function absolute(mappings: string) {
    let col = 0, src = 0, line = 0, c = 0;
    return mappings.split(',').map((seg) => {
      const f = decodeVlq(seg);
      col += f[0];
      if (f.length === 1) return { col };
      src += f[1]; line += f[2]; c += f[3];
      return { col, src, line, c };
    });
  }

  test('keeps own mappings at their positions and marks library code unmapped once per run', () => {
    const trimmed = trimSourceMap(map, (s) => !s.includes('node_modules/'));
    expect(absolute(trimmed.mappings)).toEqual([
      { col: 0, src: 0, line: 0, c: 0 },
      { col: 5 },
      { col: 12, src: 0, line: 1, c: 2 },
    ]);
    expect(trimmed.sources).toEqual(['own.ts', '']);
  });

  test('keeping everything leaves the mappings equivalent', () => {
    expect(absolute(trimSourceMap(map, () => true).mappings)).toEqual(absolute(map.mappings));
  });

  test('a stack trace through a trimmed map still names the project file and line', () => {
    const dir = mkdtempSync(join(ROOT, '.gen', 'source-map-test-'));
    mkdirSync(dir, { recursive: true });
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, ["import { gzipSync } from 'fflate';", 'export function fail(): never {', '  gzipSync(new Uint8Array(1));', "  throw new Error('boom');", '}', 'fail();', ''].join('\n'));
    const out = buildSync({ entryPoints: [entry], outfile: join(dir, 'out.js'), bundle: true, platform: 'node', minify: true, sourcemap: 'linked', sourcesContent: false, write: false, absWorkingDir: ROOT });
    for (const file of out.outputFiles) {
      const contents = file.path.endsWith('.map')
        ? JSON.stringify(trimSourceMap(JSON.parse(file.text), (s) => !s.includes('node_modules/')))
        : file.text;
      writeFileSync(file.path, contents);
    }
    const run = spawnSync(process.execPath, ['--enable-source-maps', join(dir, 'out.js')], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/entry\.ts:4/);
  });
});
