import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sigmaRuleFiles } from '../../../config/sigma';

describe('sigmaRuleFiles', () => {
  const root = mkdtempSync(join(tmpdir(), 'sigma-files-'));
  for (const dir of ['b', 'a', '.github/workflows', 'a/.hidden']) mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['b/r2.yml', 'a/r1.yaml', 'a/notes.txt', '.github/workflows/ci.yml', 'a/.hidden/r3.yml', 'a/.draft.yml']) writeFileSync(join(root, file), '');

  test('searches folders recursively for .yml and .yaml files, in sorted order, leaving out hidden files and folders', () => {
    // A checkout of a rules repository holds .github workflows: YAML, and not Sigma rules.
    expect(sigmaRuleFiles([root]).map((f) => f.slice(root.length + 1))).toEqual(['a/r1.yaml', 'b/r2.yml']);
  });

  test('takes a file given by name as it is, whatever its name', () => {
    expect(sigmaRuleFiles([join(root, 'a', '.draft.yml'), join(root, 'a', 'notes.txt')])).toEqual([join(root, 'a', '.draft.yml'), join(root, 'a', 'notes.txt')]);
  });
});
