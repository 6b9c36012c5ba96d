import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadTopology } from '../config/load';
import { parseCommandLine, runCli, USAGE_EXIT_CODE, UsageError } from './lib/cli';
import { synthTopology } from './lib/synth';
import { changesReport, summarize } from './review/changes-report';
import { dashboardsReport } from './review/dashboards';
import { topologyReport } from './review/diagram';
import { inventoryReport } from './review/inventory';
import { permissionsReport } from './review/permissions-report';
import { scannerReport } from './review/scanner-report';
import { flattenSynth } from './review/policy-statements';
import { diffSynths } from './review/resource-diff';
import { ReviewInputError, Synth, findStacksDir, readSynth } from './review/stack-json';
import { diffStatements } from './review/statement-diff';

/**
 * `npm run review [-- --base DIR] [--fail-on-security-change]`
 *
 * Synthesizes the topology (cdktf.out/stacks), then writes review sheets to cdktf.out/review:
 * TOPOLOGY.md (Mermaid diagram), INVENTORY.md, PERMISSIONS.md, DASHBOARDS.md (console links and
 * widget layouts), SCANNER.md (scanner justifications; with --base, which were added or removed)
 * and, with --base, CHANGES.md
 * against an earlier synth. Exit code 3 with --fail-on-security-change when a statement change
 * broadens access, 2 for a usage error, 1 for a --base without synthesized stacks.
 */

const USAGE = 'usage: npm run review [-- --base DIR] [--fail-on-security-change] [--out DIR]';

/** Exit code of the CI gate: security-relevant changes found. */
export const SECURITY_CHANGE_EXIT_CODE = 3;

export interface ReviewResult {
  readonly files: readonly string[];
  readonly broadening: number;
  readonly securityChanges: number;
}

export interface ReviewOptions {
  readonly outdir?: string;
  /** A directory holding an earlier synth (…/cdktf.out/stacks). */
  readonly base?: string;
}

/** Synthesizes, writes the sheets, and returns what it wrote. */
export function review(options: ReviewOptions = {}): ReviewResult {
  const topology = loadTopology();
  // Read the base before synthesizing: --base may point at the very cdktf.out synth rewrites.
  const base: Synth | undefined = options.base ? readSynth(findStacksDir(options.base)) : undefined;
  // cdktf creates the output directory but not its parents.
  if (options.outdir) mkdirSync(options.outdir, { recursive: true });
  const { outdir } = synthTopology({ topology, outdir: options.outdir });
  const current = readSynth(join(outdir, 'stacks'));
  const reviewDir = join(outdir, 'review');
  mkdirSync(reviewDir, { recursive: true });

  const policies = flattenSynth(current);
  const sheets: [string, string][] = [
    ['TOPOLOGY.md', topologyReport(topology, current)],
    ['INVENTORY.md', inventoryReport(current)],
    ['PERMISSIONS.md', permissionsReport(policies, current)],
    ['DASHBOARDS.md', dashboardsReport(current)],
    ['SCANNER.md', scannerReport(current, base)],
  ];
  let broadening = 0;
  let securityChanges = 0;
  if (base) {
    const statementChanges = diffStatements(flattenSynth(base), policies);
    const stackDiffs = diffSynths(base, current);
    const summary = summarize(statementChanges, stackDiffs);
    broadening = summary.broadening;
    securityChanges = summary.securityChanges;
    sheets.push(['CHANGES.md', changesReport(statementChanges, stackDiffs, base, current, options.base!)]);
  }
  const files = sheets.map(([name, text]) => {
    const file = join(reviewDir, name);
    writeFileSync(file, text);
    return file;
  });
  return { files, broadening, securityChanges };
}

if (require.main === module) {
  runCli(() => {
    const args = parseCommandLine(
      process.argv.slice(2),
      {
        base: { type: 'string' },
        out: { type: 'string' },
        'fail-on-security-change': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      USAGE,
    );
    if (!args) return;
    const { values, positionals } = args;
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${USAGE}`, USAGE_EXIT_CODE);
    if (values['fail-on-security-change'] && !values.base) throw new UsageError(`--fail-on-security-change needs --base DIR\n${USAGE}`, USAGE_EXIT_CODE);
    let result: ReviewResult;
    try {
      result = review({ base: values.base, outdir: values.out });
    } catch (err) {
      if (err instanceof ReviewInputError) throw new UsageError(err.message);
      throw err;
    }
    for (const file of result.files) process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`);
    if (values.base) {
      process.stdout.write(`review: ${result.securityChanges} statement change(s), ${result.broadening} broadening access\n`);
      if (values['fail-on-security-change'] && result.broadening > 0) {
        throw new UsageError(`review: ${result.broadening} change(s) broaden access; see CHANGES.md`, SECURITY_CHANGE_EXIT_CODE);
      }
    }
  });
}
