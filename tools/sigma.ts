import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROJECT_ROOT } from '../config/paths';
import { convertSigmaRule, parseSigmaRule, sigmaRuleFiles, SigmaRuleError, type SigmaConversion } from '../config/sigma';
import { parseCommandLine, runCli, USAGE_EXIT_CODE, UsageError } from './lib/cli';
import { coverageTable, withCoverageTable } from './sigma/coverage';

const USAGE = `Usage:
  npm run sigma -- convert [--json] PATH...
      Converts Sigma rules (AWS CloudTrail; .yml files, folders searched) to EventBridge patterns, each
      exact, approximate or unsupported with the reason. --json prints one JSON object per rule and line.
      Exit code 0 when every file is a valid Sigma rule (whatever its status), 2 when one is not (or a path
      does not exist), and 2 for a usage error too.
  npm run sigma -- coverage [--write] [PATH...]
      The coverage table of docs/sigma.md (default PATH: ../shared/data/sigma/rules); --write updates the file.`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  write: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * Exit code of a file that is not a valid Sigma rule (or of a path that does not exist). It is the
 * usage error's code too (2 means either): both are a mistake in what the command was given.
 */
const INVALID_RULE_EXIT_CODE = USAGE_EXIT_CODE;

export const SHARED_SIGMA_RULES = join(PROJECT_ROOT, '..', 'shared', 'data', 'sigma', 'rules');
const SIGMA_DOC = join(PROJECT_ROOT, 'docs', 'sigma.md');

/** Converts every rule file of the paths; invalid files are returned as errors, not thrown. */
export function convertPaths(paths: readonly string[]): { conversions: SigmaConversion[]; errors: SigmaRuleError[] } {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new UsageError(`${missing.join(', ')}: no such file or folder`, INVALID_RULE_EXIT_CODE);
  const conversions: SigmaConversion[] = [];
  const errors: SigmaRuleError[] = [];
  for (const file of sigmaRuleFiles(paths)) {
    try {
      conversions.push(convertSigmaRule(parseSigmaRule(file, readFileSync(file, 'utf8'))));
    } catch (err) {
      if (!(err instanceof SigmaRuleError)) throw err;
      errors.push(err);
    }
  }
  return { conversions, errors };
}

/** The `--json` line of a conversion: file, id, title, author, status, reason when not exact, pattern when there is one. */
export function conversionJson({ rule, status, reasons, pattern }: SigmaConversion): Record<string, unknown> {
  return {
    file: rule.file,
    id: rule.id,
    title: rule.title,
    author: rule.author,
    status,
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
    ...(pattern !== undefined ? { pattern } : {}),
  };
}

function conversionText({ rule, status, reasons, pattern }: SigmaConversion): string {
  const lines = [`${status} ${basename(rule.file)}: ${rule.title} (${rule.id ?? 'no id'}, by ${rule.author ?? 'unknown author'})`];
  for (const reason of reasons) lines.push(`  reason: ${reason}`);
  if (pattern !== undefined) lines.push(`  pattern: ${JSON.stringify(pattern)}`);
  return lines.join('\n');
}

function main(argv: string[]): number | undefined {
  const parsed = parseCommandLine(argv, OPTIONS, USAGE);
  if (!parsed) return undefined;
  const [command, ...paths] = parsed.positionals;
  if (command === 'coverage') {
    const { conversions, errors } = convertPaths(paths.length > 0 ? paths : [SHARED_SIGMA_RULES]);
    if (errors.length > 0) throw new UsageError(errors.map((e) => e.message).join('\n'), INVALID_RULE_EXIT_CODE);
    const table = coverageTable(conversions);
    if (parsed.values.write) writeFileSync(SIGMA_DOC, withCoverageTable(readFileSync(SIGMA_DOC, 'utf8'), table));
    else process.stdout.write(`${table}\n`);
    return 0;
  }
  if (command !== 'convert' || paths.length === 0) throw new UsageError(USAGE, USAGE_EXIT_CODE);
  const { conversions, errors } = convertPaths(paths);
  for (const conversion of conversions) {
    process.stdout.write(`${parsed.values.json ? JSON.stringify(conversionJson(conversion)) : conversionText(conversion)}\n`);
  }
  for (const error of errors) process.stderr.write(`${error.message}\n`);
  return errors.length > 0 ? INVALID_RULE_EXIT_CODE : 0;
}

if (require.main === module) runCli(() => main(process.argv.slice(2)));
