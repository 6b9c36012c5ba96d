import { loadTopology } from '../config/load';
import { parseCommandLine, runCli, USAGE_EXIT_CODE, UsageError } from './lib/cli';
import { formatWorkspacePlan, workspacePlan } from './tfc/workspaces';

/**
 * `npm run tfc -- workspaces [--json]`: every stack's HCP Terraform workspace, project, working
 * directory, environment variables (dynamic credentials) and run triggers. `--json` is the input
 * of the API script in docs/terraform-cloud.md.
 * Exit code: 0 the plan printed, 1 the topology is invalid or has no cloud backend, 2 usage error.
 */

const USAGE = [
  'usage: npm run tfc -- workspaces [--json]',
  'exit codes: 0 the plan printed, 1 the topology is invalid or has no cloud backend, 2 usage error',
].join('\n');

export function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): void {
  const parsed = parseCommandLine(argv, { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, USAGE);
  if (!parsed) return;
  const [command, ...rest] = parsed.positionals;
  if (command === undefined) throw new UsageError(`npm run tfc: name the command (workspaces)\n${USAGE}`, USAGE_EXIT_CODE);
  if (command !== 'workspaces') throw new UsageError(`npm run tfc: ${JSON.stringify(command)} is not a command; the one command is workspaces\n${USAGE}`, USAGE_EXIT_CODE);
  if (rest.length > 0) throw new UsageError(`npm run tfc -- workspaces takes no argument (${JSON.stringify(rest[0])})\n${USAGE}`, USAGE_EXIT_CODE);
  const plan = workspacePlan(loadTopology());
  out.write(parsed.values.json ? `${JSON.stringify(plan, null, 2)}\n` : `${formatWorkspacePlan(plan)}\n`);
}

if (require.main === module) void runCli(() => main(process.argv.slice(2)));
