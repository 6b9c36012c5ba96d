import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetHostedConfigurationVersionCommand, AppConfigClient } from '@aws-sdk/client-appconfig';
import { DeleteLayerVersionCommand, LambdaClient, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App } from 'cdktf';
import { zipSync } from 'fflate';
import { Naming } from '../../config/naming';
import { FakeIngestServer } from '../lib/fake-ingest-server';
import { buildAndSynth, stackDirectories } from '../lib/synth';
import { Account, Topology } from '../../config/schema';
import { Accounts, ClientConfig, Target } from './accounts';
import { AppConfigExtensionStandIn } from './appconfig-stand-in';
import { cloudTrailObjects, CloudTrailObject } from './cloudtrail-files';
import { fetchDeployedFunction, startMotoRecorder, stopMotoRecorder } from './deployed-forwarder';
import { Flow2Context, runFlow2 } from './flow2-check';
import { forwardAll, ForwardingRun, ForwardingSetup, forwardWithFailures } from './forwarding-check';
import { deleteTrailLeftByArnDelete, leftovers } from './inventory';
import { liftBucketPolicies, NotificationProbe, putObjects, snsLambdaEvent } from './notifications';
import { PlanQuirk, toleratedChange } from './quirks';
import { Report, StepTimer } from './report';
import { deployWaves, stacksLeftOut, PlannedChange, StackFailure, TerraformStacks } from './terraform-stacks';
import { E2E_API_DESTINATIONS, E2E_HOME_REGION, E2E_REGIONS, E2E_RESPONSES, e2eBootstrapTopology, e2eTopology, STAND_IN_LAYER_NAME } from './topology';
import { accountWithRole, sourceAccounts } from '../../config/accounts';

export interface E2eOptions {
  readonly target: Target;
  /** Where progress lines go. */
  readonly log: (line: string) => void;
  /** Files to put into the test account's bucket. @default 6 */
  readonly files?: number;
  /** Keep the work directory (synth output, state, unpacked function). @default false */
  readonly keepWorkDir?: boolean;
  /** Interrupts the run: running terraform commands stop, no step starts. */
  readonly signal?: AbortSignal;
  /** Apply only these stacks (with the stacks they depend on): a debugging aid. @default - every stack */
  readonly only?: readonly string[];
}

/** Notifications are asynchronous in AWS; the emulator delivers at once. */
const NOTIFICATION_TIMEOUT_MS = 20_000;

/**
 * The whole e2e run against a target that already listens (the caller starts and stops it):
 * synth, apply every stack, drive real CloudTrail files through bucket -> SNS -> the deployed
 * forwarder -> a local Ingest API, plan again, destroy, and check nothing is left.
 * Returns the report; `report.failures` is empty when everything held.
 */
export async function runE2e(options: E2eOptions): Promise<Report> {
  const { log } = options;
  const work = mkdtempSync(join(tmpdir(), 'trailbridge-e2e-'));
  const report = new Report((f) => log(`  FAILED [${f.step}] ${f.message.split('\n').slice(0, 6).join('\n    ')}`));
  const timer = new StepTimer(report, log, options.signal);
  try {
    await steps(options, work, report, timer);
  } catch (err) {
    report.fail('run', describeError(err));
  } finally {
    if (!options.keepWorkDir) rmSync(work, { recursive: true, force: true });
    else log(`work directory kept: ${work}`);
  }
  return report;
}

async function steps(options: E2eOptions, work: string, report: Report, timer: StepTimer): Promise<void> {
  const run = await synthAndFixtures(options, work, report, timer);
  const applied = await applyStacks(run);
  const probe = await flow1(run, applied);
  await flow2(run, applied);
  await planClean(run, applied);
  await destroyAll(run, applied, probe);
  await emptyCheck(run, applied);
}

/** What the step groups share: the synthesized topology, the stacks' Terraform, the accounts. */
interface Run {
  readonly options: E2eOptions;
  readonly work: string;
  readonly report: Report;
  readonly timer: StepTimer;
  readonly log: (line: string) => void;
  readonly topology: Topology;
  readonly naming: Naming;
  readonly stackDirs: ReadonlyMap<string, string>;
  readonly waves: string[][];
  /** Stacks an `--only` run does not apply; flow 2 needs them all. */
  readonly leftOut: readonly string[];
  readonly accounts: Accounts;
  readonly terraform: TerraformStacks;
  /** The observability account in the home region. */
  readonly obsHome: ClientConfig;
  readonly logArchive: Account;
}

/** What applying left: the stacks that failed, whether the target is moto, the AppConfig applications made. */
interface Applied {
  readonly failed: ReadonlySet<string>;
  readonly moto: boolean;
  readonly appConfigApplicationIds: readonly string[];
}

/** Synth, the Terraform runner for the stacks, and the fixtures the emulator switches name. */
async function synthAndFixtures(options: E2eOptions, work: string, report: Report, timer: StepTimer): Promise<Run> {
  const { target, log } = options;

  // ---- synth -----------------------------------------------------------------------------
  const { topology, switches } = e2eTopology('state');
  const naming = new Naming(topology);
  report.switches = switches;
  log('emulator switches (left out of this run, and why):');
  for (const s of switches) log(`  - ${s.option} = ${JSON.stringify(s.value)}: leaves out ${s.leavesOut}; ${s.why}`);
  log(`responses (every one in enforce mode, checked in flow 2): ${JSON.stringify(E2E_RESPONSES)}`);
  log(`API destinations (a connection under its customer managed key, applied and planned, never called): ${JSON.stringify(E2E_API_DESTINATIONS)}`);
  const { stacks, stackDirs, bootstrap } = await timer.step('synth', async () => {
    const app = new App({ outdir: join(work, 'out') });
    const built = buildAndSynth(app, topology);
    const bootstrapStacks = synthBootstrap(join(work, 'bootstrap-out'));
    return { stacks: built, stackDirs: new Map([...bootstrapStacks, ...stackDirectories(join(work, 'out'))]), bootstrap: [...bootstrapStacks.keys()] };
  });
  // The bootstrap runs first and alone, as an operator runs it before any workspace.
  const waves = [bootstrap, ...deployWaves(stacks.all, options.only)];
  const leftOut = stacksLeftOut(stacks.all, waves);
  report.stacks = waves.flat();
  log(`deploy order: ${waves.map((w) => w.join(' + ')).join(' -> ')}`);

  const accounts = new Accounts(target, naming);
  const observability = accountWithRole(naming.topology, 'observability');
  const logArchive = accountWithRole(naming.topology, 'log-archive');
  const terraform = new TerraformStacks(
    stackDirs,
    {
      AWS_ENDPOINT_URL: target.endpoint,
      AWS_ACCESS_KEY_ID: target.baseCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: target.baseCredentials.secretAccessKey,
      AWS_SESSION_TOKEN: target.baseCredentials.sessionToken ?? '',
      AWS_REGION: E2E_HOME_REGION,
      // An emulator error should fail the step, not be retried for the create timeout.
      AWS_MAX_ATTEMPTS: '3',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    Math.max(1, Math.min(2, availableParallelism())),
  );
  options.signal?.addEventListener('abort', () => terraform.abort(), { once: true });

  // ---- fixtures the switches name ---------------------------------------------------------------
  const obsHome = await accounts.config(observability);
  await timer.step('fixtures', async () => {
    const layer = await new LambdaClient(obsHome).send(
      new PublishLayerVersionCommand({
        LayerName: STAND_IN_LAYER_NAME,
        Description: 'trailbridge e2e: stands in for the AWS AppConfig extension layer',
        Content: { ZipFile: zipSync({ 'extensions/README': new TextEncoder().encode('stand-in; the e2e run serves AppConfig locally\n') }) },
        CompatibleArchitectures: ['arm64'],
      }),
    );
    if (layer.Version !== 1) throw new Error(`the stand-in layer got version ${layer.Version}, expected 1: is the target empty?`);
  });
  return { options, work, report, timer, log, topology, naming, stackDirs, waves, leftOut, accounts, terraform, obsHome, logArchive };
}

/** The bootstrap stacks of the same accounts with dynamic credentials on: name -> synthesized directory. */
function synthBootstrap(outdir: string): Map<string, string> {
  const app = new App({ outdir });
  const built = buildAndSynth(app, e2eBootstrapTopology('state'));
  const names = new Set(built.bootstrap.map((s) => s.stackName));
  return new Map([...stackDirectories(outdir)].filter(([name]) => names.has(name)));
}

async function applyStacks(run: Run): Promise<Applied> {
  const { terraform, waves, report, timer, log } = run;
  const { target } = run.options;
  // ---- 2. apply ---------------------------------------------------------------------------
  const failed = new Set<string>();
  const moto = await isMoto(target.endpoint);
  // moto returns no downloadable code location: its recorder keeps the upload Terraform sends.
  if (moto) await startMotoRecorder(target.endpoint);
  await timer.step('terraform init', () => terraform.eachInWaves([waves.flat()], (s) => terraform.init(s)));
  await timer.step('terraform apply', () =>
    terraform.eachInWaves(waves, async (stack) => {
      const started = Date.now();
      try {
        await terraform.apply(stack);
        report.applied.set(stack, { resources: await terraform.resourceCount(stack), seconds: (Date.now() - started) / 1000 });
        log(`  applied ${stack} (${report.applied.get(stack)!.resources} resources, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
      } catch (err) {
        failed.add(stack);
        report.fail(`apply ${stack}`, (err as Error).message);
      }
    }),
  );

  if (moto) await stopMotoRecorder(target.endpoint);
  const appConfigApplicationIds = (await terraform.state('observability').catch(() => []))
    .filter((r) => r.type === 'aws_appconfig_application')
    .map((r) => r.values.id as string);
  return { failed, moto, appConfigApplicationIds };
}

/** Flow 1: real CloudTrail files through bucket, SNS and the deployed forwarder. Returns the notification probe (removed before destroy). */
async function flow1(run: Run, applied: Applied): Promise<NotificationProbe> {
  const { options, naming, accounts, logArchive, report, timer, terraform, work, log } = run;
  const { target } = options;
  const { moto } = applied;
  // ---- 3. a real CloudTrail file into the bucket, its notification through SNS ------------------
  const testSource = sourceAccounts(naming.topology).find((s) => s.name === 'test') ?? sourceAccounts(naming.topology)[0];
  const objects = cloudTrailObjects({
    bucket: naming.trailBucketName(testSource),
    keyPrefix: naming.trailKeyPrefix(testSource),
    accountId: testSource.id,
    regions: E2E_REGIONS,
    files: options.files ?? 6,
  });
  const recordCount = objects.reduce((n, o) => n + o.records.length, 0);
  report.records = recordCount;
  const archiveHome = await accounts.config(logArchive);
  const probe = new NotificationProbe(archiveHome, naming.notificationTopicArn());
  let restoreBucketPolicies: (() => Promise<void>) | undefined;
  try {
    if (moto) {
      restoreBucketPolicies = await liftBucketPolicies(archiveHome, [...new Set(objects.map((o) => o.bucket))]);
      report.workarounds.push({
        name: 'moto-conditional-deny',
        why: 'moto 5.2 treats a Deny whose condition does not hold as a denial, so DenyInsecureTransport refuses every object request; the trail bucket policies are lifted while objects are put and read, and put back byte for byte before the plan step',
      });
    }
    const notifications = await timer.step('notifications', async () => {
      // Go on after a failed apply: what did apply may still carry the file, and says more.
      await probe.subscribe();
      await putObjects(archiveHome, objects);
      const found = await probe.collect(objects.map((o) => o.key), NOTIFICATION_TIMEOUT_MS);
      const missing = objects.filter((o) => !found.has(o.key));
      if (missing.length > 0) throw new Error(`no notification reached ${naming.notificationTopicArn()} for ${missing.map((o) => o.key).join(', ')}`);
      log(`  ${objects.length} objects (${recordCount} records) put into ${objects[0].bucket}; ${found.size} notifications reached the topic`);
      return found;
    });

    // ---- 4./5. the deployed forwarder --------------------------------------------------------
    await timer.step('forwarder', async () => {
      const runs = await runForwarder(terraform, accounts, naming, target, moto, work, objects, notifications, log);
      report.forwarding = runs;
      for (const run of runs) {
        log(`  ${run.label}: ${run.invocations} invocations, ${run.requests} requests (${run.failedRequests} failed), ${run.accepted} events accepted, ${run.tickets} tickets, ${run.replayed} replayed`);
        for (const p of run.problems) report.fail(`forwarder: ${run.label}`, p);
      }
    });
  } catch (err) {
    report.fail('notifications/forwarder', describeError(err));
  } finally {
    await restoreBucketPolicies?.().catch((err) => report.fail('cleanup', `putting the bucket policies back: ${describeError(err)}`));
  }
  return probe;
}

async function flow2(run: Run, applied: Applied): Promise<void> {
  const { accounts, naming, stackDirs, report, timer, log } = run;
  const { moto } = applied;
  // ---- flow 2: default buses -> central bus -> targets; the Dynatrace problem -> the IDR bus ----
  // Its sections span the sources, the central bus and the IDR bus: an --only run that left one
  // out would report their absence as failures.
  if (run.leftOut.length > 0) {
    log(`flow 2: not checked, --only left out ${run.leftOut.join(', ')}`);
    return;
  }
  await timer.step('flow 2', async () => {
    const context: Flow2Context = { accounts, naming, stackDirs, notes: [], moto };
    const { lines, seconds } = await runFlow2(context);
    report.flow2 = lines;
    report.flow2Notes = context.notes;
    report.flow2Seconds = seconds;
    for (const line of lines) {
      log(`  ${line.ok ? 'ok  ' : 'FAIL'} ${line.text}`);
      if (!line.ok) report.fail('flow 2', line.text);
    }
    log(`  sections: ${[...seconds].map(([name, s]) => `${name} ${s.toFixed(1)}s`).join(', ')}`);
  });
}

async function planClean(run: Run, applied: Applied): Promise<void> {
  const { terraform, waves, report, timer } = run;
  const { failed } = applied;
  // ---- 6. plan: no changes ------------------------------------------------------------------
  await timer.step('terraform plan', () =>
    terraform.eachInWaves([waves.flat().filter((s) => !failed.has(s))], async (stack) => {
      let changes: PlannedChange[];
      try {
        changes = await terraform.plan(stack);
      } catch (err) {
        report.fail(`plan ${stack}`, (err as Error).message);
        return;
      }
      for (const change of changes) {
        const quirk: PlanQuirk | undefined = toleratedChange(change, changes);
        if (quirk) report.tolerated.push({ stack, change, quirk });
        else report.fail(`plan ${stack}`, `${change.action} ${change.address}${change.details.length ? `\n${change.details.join('\n')}` : ''}`);
      }
    }),
  );
}

async function destroyAll(run: Run, applied: Applied, probe: NotificationProbe): Promise<void> {
  const { terraform, waves, report, timer, naming, accounts, obsHome } = run;
  const { moto } = applied;
  // ---- 7. destroy; the target is empty ------------------------------------------------------
  await timer.step('terraform destroy', async () => {
    await probe.remove().catch((err) => report.fail('cleanup', `notification probe: ${(err as Error).message}`));
    const destroyed = new Set<string>();
    await terraform.eachInWaves([...waves].reverse(), async (stack) => {
      try {
        await terraform.destroy(stack);
        destroyed.add(stack);
      } catch (err) {
        report.fail(`destroy ${stack}`, err instanceof StackFailure ? err.output : (err as Error).message);
      }
    });
    if (moto) {
      // Only trails whose stack Terraform destroyed without error: Terraform did delete them.
      let needed = false;
      for (const source of sourceAccounts(naming.topology).filter((s) => destroyed.has(naming.sourceStackName(s)))) {
        needed = (await deleteTrailLeftByArnDelete(await accounts.config(source), naming.trailName(source))) || needed;
      }
      if (needed) {
        report.workarounds.push({
          name: 'moto-delete-trail-by-arn',
          why: 'moto 5.2 ignores DeleteTrail given an ARN, which is how the provider deletes a trail; after a clean destroy of a source stack its trail is deleted by name',
        });
      }
    }
    await new LambdaClient(obsHome).send(new DeleteLayerVersionCommand({ LayerName: STAND_IN_LAYER_NAME, VersionNumber: 1 }));
  });
}

async function emptyCheck(run: Run, applied: Applied): Promise<void> {
  const { topology, accounts, report, timer } = run;
  const { appConfigApplicationIds } = applied;
  await timer.step('empty check', async () => {
    const configs = [];
    for (const account of topology.accounts) {
      for (const region of E2E_REGIONS) configs.push({ account: account.name, global: region === E2E_HOME_REGION, config: await accounts.config(account, region) });
    }
    const left = await leftovers(configs, { appConfigApplicationIds });
    report.leftovers = left;
    for (const l of left) report.fail('empty check', `${l.account} ${l.region}: ${l.service} ${l.kind} ${l.name} is left`);
  });
}

async function runForwarder(
  terraform: TerraformStacks,
  accounts: Accounts,
  naming: Naming,
  target: Target,
  moto: boolean,
  work: string,
  objects: readonly CloudTrailObject[],
  notifications: ReadonlyMap<string, import('./notifications').SnsEnvelope>,
  log: (line: string) => void,
): Promise<ForwardingRun[]> {
  const observability = accountWithRole(naming.topology, 'observability');
  const obsHome = await accounts.config(observability);
  const fn = await fetchDeployedFunction(obsHome, naming.forwarderFunctionName(), moto);
  log(`  function ${fn.arn}: code from ${fn.codeSource} (${fn.zip.byteLength} bytes)`);

  // The rules Terraform wrote: the hosted version named in the stack's state, read from AppConfig.
  const state = await terraform.state('observability');
  const version = state.find((r) => r.type === 'aws_appconfig_hosted_configuration_version');
  const subscription = state.find((r) => r.type === 'aws_sns_topic_subscription');
  if (!version || !subscription) throw new Error('the observability state holds no hosted configuration version or no subscription');
  const hosted = await new AppConfigClient(obsHome).send(
    new GetHostedConfigurationVersionCommand({
      ApplicationId: version.values.application_id,
      ConfigurationProfileId: version.values.configuration_profile_id,
      VersionNumber: version.values.version_number,
    }),
  );
  const standIn = await AppConfigExtensionStandIn.start({
    application: fn.environment.APPCONFIG_APPLICATION,
    environment: fn.environment.APPCONFIG_ENVIRONMENT,
    profile: fn.environment.APPCONFIG_PROFILE,
    content: hosted.Content ?? new Uint8Array(),
    contentType: hosted.ContentType ?? 'application/json',
    version: String(version.values.version_number),
  });
  const fake = await FakeIngestServer.start();
  try {
    // The operator's step (docs/flow-1-forwarder.md): the real token replaces the placeholder.
    await new SSMClient(obsHome).send(
      new PutParameterCommand({
        Name: fn.environment.DT_API_TOKEN_PARAM,
        Value: fake.token,
        Type: 'SecureString',
        KeyId: naming.topology.dynatrace.tokenKmsKeyArn ?? naming.dynatraceTokenKeyAlias(),
        Overwrite: true,
      }),
    );
    log(`  replaced for this machine: DT_ENV_URL -> ${fake.url} (local Ingest API), AWS_APPCONFIG_EXTENSION_HTTP_PORT -> ${standIn.port} (AppConfig stand-in serving hosted version ${version.values.version_number})`);
    const setup: ForwardingSetup = {
      fn,
      events: objects.map((o) => snsLambdaEvent(notifications.get(o.key)!, subscription.values.arn)),
      objects,
      credentials: await accounts.assume(naming.forwarderRoleArn(), 'trailbridge-forwarder'),
      endpoint: target.endpoint,
      region: naming.homeRegion,
      appConfigPort: standIn.port,
      queueConfig: obsHome,
      workDir: join(work, 'function'),
    };
    const healthy = await forwardAll(setup, fake);
    if (standIn.requests === 0) healthy.problems.push('the function never asked the AppConfig extension for its rules');
    const faulty = await forwardWithFailures(setup);
    return [healthy, faulty];
  } finally {
    await fake.close();
    await standIn.close();
  }
}

/** An error with what an SDK error carries besides its message (name, HTTP status, stack top). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const meta = (err as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const status = meta?.httpStatusCode ? ` (HTTP ${meta.httpStatusCode})` : '';
  const where = err.stack?.split('\n').slice(1, 3).map((l) => l.trim()).join(' < ') ?? '';
  return `${err.name}: ${err.message}${status}${err.name === 'UnknownError' || !err.message ? ` at ${where}` : ''}`;
}

/** moto answers on /moto-api/; LocalStack and AWS do not. */
async function isMoto(endpoint: string): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(3000) })).ok;
  } catch {
    return false;
  }
}
