import { availableParallelism } from 'node:os';
import { loadTopology } from '../config/load';
import { parseNoArguments, runCli, UsageError } from './lib/cli';
import { synthTopology } from './lib/synth';
import { mapLimit, providerMirrorHint, runTerraform } from './lib/terraform';

/**
 * `npm run validate`: synthesizes the topology, then `terraform init -backend=false` and
 * `terraform validate -json` in every stack. Any error or warning fails the run (exit code 1; 2
 * for a usage error: it takes no argument).
 */

const USAGE = 'usage: npm run validate\n  synthesizes the topology and runs terraform init -backend=false and terraform validate in every stack; an error or a warning fails it';

interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail?: string;
  range?: { filename: string; start: { line: number } };
}

export interface StackValidation {
  readonly stack: string;
  readonly diagnostics: readonly string[];
}

export async function validateStacks(stackDirs: ReadonlyMap<string, string>): Promise<StackValidation[]> {
  const entries = [...stackDirs];
  return mapLimit(entries, Math.max(1, Math.min(2, availableParallelism())), async ([stack, dir]) => {
    const init = await runTerraform(dir, ['init', '-backend=false', '-input=false', '-no-color']);
    if (init.code !== 0) return { stack, diagnostics: [`terraform init failed:\n${init.stderr || init.stdout}`] };
    const diagnostics: string[] = [];
    for (const warning of initWarnings(init.stdout + init.stderr)) diagnostics.push(`terraform init warned: ${warning}`);
    const validate = await runTerraform(dir, ['validate', '-json', '-no-color']);
    let report: { valid: boolean; diagnostics: Diagnostic[] };
    try {
      report = JSON.parse(validate.stdout);
    } catch {
      return { stack, diagnostics: [`terraform validate gave no JSON report:\n${validate.stderr}`] };
    }
    for (const d of report.diagnostics) {
      const where = d.range ? ` (${d.range.filename}:${d.range.start.line})` : '';
      diagnostics.push(`${d.severity}: ${d.summary}${where}${d.detail ? `: ${d.detail}` : ''}`);
    }
    if (!report.valid && diagnostics.length === 0) diagnostics.push('terraform validate reported the module invalid');
    return { stack, diagnostics };
  });
}

/**
 * A filesystem mirror makes init compute lock-file checksums for this platform only and say so;
 * that notice is about the machine, not the generated Terraform. Every other warning counts.
 */
const MIRROR_LOCK_NOTICE = 'Incomplete lock file information for providers';

export function initWarnings(output: string): string[] {
  return [...output.matchAll(/Warning: (.+)/g)].map((m) => m[1].trim()).filter((w) => w !== MIRROR_LOCK_NOTICE);
}

if (require.main === module) {
  runCli(async () => {
    if (!parseNoArguments(process.argv.slice(2), USAGE)) return;
    const started = Date.now();
    const { stackDirs } = synthTopology({ topology: loadTopology() });
    const results = await validateStacks(stackDirs);
    for (const r of results) {
      process.stdout.write(`${r.diagnostics.length === 0 ? 'ok  ' : 'FAIL'} ${r.stack}\n`);
      for (const d of r.diagnostics) process.stdout.write(`     ${d.replace(/\n/g, '\n     ')}\n`);
    }
    const hint = providerMirrorHint();
    if (hint) process.stdout.write(`${hint}\n`);
    const failed = results.filter((r) => r.diagnostics.length > 0);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (failed.length > 0) throw new UsageError(`validate: ${failed.length} of ${results.length} stacks have errors or warnings (${seconds}s)`);
    process.stdout.write(`validate: ${results.length} stacks valid, no warnings (${seconds}s)\n`);
  });
}
