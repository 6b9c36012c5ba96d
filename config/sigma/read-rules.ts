import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseSigmaRule, type SigmaRule } from './rule';

/**
 * The `.yml`/`.yaml` files of the paths: files as given, folders searched recursively, each folder's files sorted.
 * A search leaves out hidden files and folders: a checkout of a rules repository holds `.github` workflows, which
 * are YAML and not Sigma rules.
 */
export function sigmaRuleFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const visit = (path: string, given: boolean): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!name.startsWith('.')) visit(join(path, name), false);
    } else if (given || /\.ya?ml$/.test(path)) {
      files.push(path);
    }
  };
  for (const path of paths) visit(path, true);
  return files;
}

/** Reads and parses every rule file of the paths; throws SigmaRuleError at the first invalid one. */
export function readSigmaRules(paths: readonly string[]): SigmaRule[] {
  return sigmaRuleFiles(paths).map((file) => parseSigmaRule(file, readFileSync(file, 'utf8')));
}
