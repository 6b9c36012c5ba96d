import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTarget } from '../../tools/lib/write-target';

describe('writeTarget (the file a write to a path replaces)', () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'write-target-')));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('is the path itself for a file, and for a path where nothing is yet', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(writeTarget(join(dir, 'file'))).toBe(join(dir, 'file'));
    expect(writeTarget(join(dir, 'new'))).toBe(join(dir, 'new'));
    expect(writeTarget(join(dir, 'no-such-dir', 'new'))).toBe(join(dir, 'no-such-dir', 'new'));
  });

  test('is the file at the end of a chain of symbolic links, relative links read from their own directory', () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'tickets.jsonl'), '');
    symlinkSync('real/tickets.jsonl', join(dir, 'first'));
    mkdirSync(join(dir, 'links'));
    symlinkSync('../first', join(dir, 'links', 'second'));
    expect(writeTarget(join(dir, 'links', 'second'))).toBe(join(dir, 'real', 'tickets.jsonl'));
  });

  test('is the target of a link to a file not yet created (a write through the link creates it there)', () => {
    symlinkSync(join(dir, 'later.jsonl'), join(dir, 'link'));
    expect(writeTarget(join(dir, 'link'))).toBe(join(dir, 'later.jsonl'));
  });

  test('fails with ELOOP on a loop of links, as the file system would', () => {
    symlinkSync(join(dir, 'b'), join(dir, 'a'));
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    expect(() => writeTarget(join(dir, 'a'))).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });
});
