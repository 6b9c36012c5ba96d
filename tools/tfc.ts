import { loadTopology } from '../config/load';
import { parseCommandLine, runCli, UsageError } from './lib/cli';
import { formatWorkspacePlan, workspacePlan } from './tfc/workspaces';

/**
 * `npm run tfc -- workspaces [--json]`: every stack's HCP Terraform workspace, project, working
 * directory, environment variables (dynamic credentials) and run triggers. `--json` is the input
 * of the API script in docs/terraform-cloud.md.
 */

const USAGE = 'usage: npm run tfc -- workspaces [--json]';

export function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): void {
  const parsed = parseCommandLine(argv, { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, USAGE);
  if (!parsed) return;
  if (parsed.positionals.length !== 1 || parsed.positionals[0] !== 'workspaces') throw new UsageError(USAGE);
  const plan = workspacePlan(loadTopology());
  out.write(parsed.values.json ? `${JSON.stringify(plan, null, 2)}\n` : `${formatWorkspacePlan(plan)}\n`);
}

if (require.main === module) runCli(() => main(process.argv.slice(2)));
