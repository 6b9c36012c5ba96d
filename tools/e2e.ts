import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, runCli, USAGE_EXIT_CODE, UsageError } from './lib/cli';
import { MotoServer, startMoto } from './lib/moto';
import { providerMirrorHint, terraformBinary } from './lib/terraform';
import { EMULATOR_BASE_CREDENTIALS } from './e2e/accounts';
import { runE2e } from './e2e/run';
import { INTERRUPT_GRACE_MS } from './e2e/terraform-stacks';
import { childProcessGroups, signalExitCode } from './lib/process-groups';
import { ORGANIZATION_REPORT_HEADING, runOrganizationE2e } from './e2e/organization';

/**
 * `npm run e2e [-- --endpoint URL] [--keep]`: deploys every stack of an e2e topology to a local
 * AWS emulator and drives real CloudTrail files through the whole chain (see docs/e2e.md).
 * Without --endpoint it starts moto_server on a free loopback port and stops exactly that process
 * at the end, also on failure or Ctrl-C. Exit code 1 when any check failed, 2 for a usage error; interrupted (SIGINT,
 * SIGTERM), 130 or 143, with no terraform, provider or emulator process left running. Beside it, on a
 * second emulator, runs the StackSet modes' e2e (tools/e2e/organization.ts); --organization-only runs
 * that alone (a debugging aid).
 */

const USAGE = 'usage: npm run e2e [-- --endpoint http://127.0.0.1:4566] [--keep] [--only STACK,...] [--organization-only]';

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseCommandLine(
    argv,
    { endpoint: { type: 'string' }, only: { type: 'string' }, keep: { type: 'boolean', default: false }, 'organization-only': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    USAGE,
  );
  if (!args) return 0;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}\n${USAGE}`, USAGE_EXIT_CODE);
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  terraformBinary();
  const hint = providerMirrorHint();
  if (hint) log(hint);

  let moto: MotoServer | undefined;
  let organizationMoto: MotoServer | undefined;
  let recordingDir: string | undefined;
  const interrupted = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted.signal.aborted) {
      log(`${signal} again: killing terraform and its providers now`);
      childProcessGroups.killAll();
      return;
    }
    log(`${signal}: interrupting terraform, then stopping its providers and the emulator`);
    interrupted.abort();
    void stopChildren([moto, organizationMoto]).finally(() => process.exit(signalExitCode(signal)));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const organizationOnly = args.values['organization-only'];
    let endpoint = args.values.endpoint;
    if (!endpoint && !organizationOnly) {
      // The recorder (used to read the uploaded function code back) writes here, not into the project.
      recordingDir = mkdtempSync(join(tmpdir(), 'trailbridge-e2e-moto-'));
      process.env.MOTO_RECORDER_FILEPATH = join(recordingDir, 'recording');
      moto = await startMoto();
      endpoint = moto.endpoint;
      log(`moto_server pid ${moto.pid} on ${endpoint}`);
    } else if (endpoint) {
      log(`using the emulator at ${endpoint} (not started or stopped by this run)`);
    }
    // The StackSet modes' run creates an organization, so it has an emulator of its own.
    if (organizationOnly || (!args.values.endpoint && !args.values.only)) {
      organizationMoto = await startMoto();
      log(`moto_server pid ${organizationMoto.pid} on ${organizationMoto.endpoint} (organization run)`);
    }
    const [report, organizationReport] = await Promise.all([
      endpoint && !organizationOnly
        ? runE2e({
            target: { endpoint, baseCredentials: EMULATOR_BASE_CREDENTIALS },
            log,
            keepWorkDir: args.values.keep,
            signal: interrupted.signal,
            only: args.values.only?.split(',').map((s) => s.trim()).filter(Boolean),
          })
        : undefined,
      organizationMoto
        ? runOrganizationE2e({ target: { endpoint: organizationMoto.endpoint, baseCredentials: EMULATOR_BASE_CREDENTIALS }, log, keepWorkDir: args.values.keep, signal: interrupted.signal })
        : undefined,
    ]);
    const seconds = (Date.now() - started) / 1000;
    if (organizationReport) log(organizationReport.render(seconds).replace('== trailbridge e2e report ==', ORGANIZATION_REPORT_HEADING));
    if (report) log(report.render(seconds));
    return (report?.ok ?? true) && (organizationReport?.ok ?? true) ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (moto) {
      await moto.stop();
      log(`moto_server pid ${moto.pid} stopped`);
    }
    if (organizationMoto) {
      await organizationMoto.stop();
      log(`moto_server pid ${organizationMoto.pid} stopped`);
    }
    if (recordingDir) rmSync(recordingDir, { recursive: true, force: true });
  }
}

/**
 * After a signal: terraform gets its SIGINT (it saves the state of what it applied) and the
 * grace to finish, then every process group the run started is killed, and only then the
 * emulators stop, so terraform never spends its grace retrying a closed endpoint.
 */
async function stopChildren(emulators: readonly (MotoServer | undefined)[]): Promise<void> {
  await childProcessGroups.stopAll(INTERRUPT_GRACE_MS);
  await Promise.all(emulators.map((moto) => moto?.stop()));
}

if (require.main === module) {
  runCli(async () => {
    process.exitCode = await main(process.argv.slice(2));
  });
}
