import { parseArgs } from 'node:util';
import { loadTopology, topologySource } from '../config/load';
import { Naming } from '../config/naming';
import { runCli, USAGE_EXIT_CODE, UsageError } from './lib/cli';
import { synthIncidentResponse } from './idr/synth-stack';
import { IdrCheckError, buildTestEvent, putEventsCommand } from './idr/test-event';

/**
 * `npm run idr -- test-event [--identifier NAME] [--format command|entries]`
 *
 * Prints the `aws events put-events` command (or just its entries JSON) for a simulated Dynatrace
 * problem on this topology's IDR bus, after checking it with the shared pattern matcher against
 * the rules the incident-response stack synthesizes. The checks go to stderr, so stdout can be
 * piped or saved as is. Exit code 1 when the event would not reach IDR, 2 for a usage error.
 */

const USAGE = 'usage: npm run idr -- test-event [--identifier NAME] [--format command|entries]';
const FORMATS = ['command', 'entries'] as const;

export function main(
  argv: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): void {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        identifier: { type: 'string' },
        format: { type: 'string', default: 'command' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // node:util names the option and the fix (unknown option, missing value); the usage says the rest.
    throw new UsageError(`${(e as Error).message}\n${USAGE}`, USAGE_EXIT_CODE);
  }
  const { positionals, values } = parsed;
  if (values.help) {
    out.write(`${USAGE}\n`);
    return;
  }
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError(`npm run idr: name the command (test-event)\n${USAGE}`, USAGE_EXIT_CODE);
  if (command !== 'test-event') throw new UsageError(`npm run idr: ${JSON.stringify(command)} is not a command; the one command is test-event\n${USAGE}`, USAGE_EXIT_CODE);
  if (rest.length > 0) throw new UsageError(`npm run idr -- test-event takes no argument (${JSON.stringify(rest[0])})\n${USAGE}`, USAGE_EXIT_CODE);
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format ${JSON.stringify(values.format)} is not one of ${FORMATS.join(', ')}\n${USAGE}`, USAGE_EXIT_CODE);
  if (values.identifier !== undefined && values.identifier.trim() === '') throw new UsageError('--identifier must not be empty: IDR keys its runbooks on it', USAGE_EXIT_CODE);

  const topology = loadTopology(env);
  const naming = new Naming(topology);
  let event;
  try {
    event = buildTestEvent(synthIncidentResponse(topology), naming, { identifier: values.identifier });
  } catch (e) {
    if (e instanceof IdrCheckError) throw new UsageError(e.message);
    throw e;
  }
  for (const m of event.matches) err.write(`# ${m.matched ? 'matches' : 'does not match'} rule ${m.rule} on ${naming.idrBusName()} (${event.region})\n`);
  // The command still works with an operator's credentials; the Dynatrace workflow would not.
  if (naming.dynatraceSubject() === undefined) {
    err.write(
      `# note: ${topologySource(topology)}: incidentResponse.oidc.connectionId is empty, so the role ${naming.dynatraceRoleName()} trusts no Dynatrace token yet: ` +
        'the workflow cannot put this event; set it to the id of the Dynatrace connection and apply incident-response again\n',
    );
  }
  out.write(format === 'command' ? `${putEventsCommand(event)}\n` : `${JSON.stringify(event.entries, null, 2)}\n`);
}

if (require.main === module) runCli(() => main(process.argv.slice(2)));
