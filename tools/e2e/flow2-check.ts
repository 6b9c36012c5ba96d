import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Naming } from '../../config/naming';
import { accountWithRole, sourceAccounts } from '../../config/accounts';
import type { TargetKind } from '../../config/sections/events';
import { CentralRule, centralRules, forwardingRules, responseRules } from '../../stacks/catalog';
import type { Topology } from '../../config/schema';
import type { PutEventsEntry } from '../../stacks/constructs/idr-event-format';
import { buildTestEvent } from '../idr/test-event';
import { Accounts, ClientConfig } from './accounts';
import { RESPONSES_IN_ENFORCE_MODE } from './responses-check';
import { WATCHED } from './watched-check';
import { jsonCall } from './aws-probe';
import { chooseSamples, CheckLine, countEventIds, deliveryChecks, Flow2Event, flow2Events, sharedCandidates, slotsOf, unsignedWebIdentityToken, wireEntry } from './flow2-events';

/**
 * Flow 2 against the deployed stacks: events put on the source accounts' default buses reach the
 * central bus and, through the use-case rules, the targets the emulator delivers to; the Dynatrace
 * problem reaches the IDR bus through the Dynatrace role. Each section returns its printed lines.
 *
 * The responses' e2e (enforce mode) is one more section in FLOW2_SECTIONS: it gets the same
 * context (the events put, the accounts, the synth output) and returns its lines, one per
 * response checked; run.ts and the report need no change.
 */

export interface Flow2Context {
  readonly accounts: Accounts;
  readonly naming: Naming;
  /** The synthesized stacks' directories (cdk.tf.json), by stack name. */
  readonly stackDirs: ReadonlyMap<string, string>;
  /** Notes for the report: emulator limits the checks ran into. */
  readonly notes: string[];
  /** Whether the target is moto (its workarounds apply). @default false */
  readonly moto?: boolean;
  /** Filled by the central-bus section: the events put on the default buses. */
  events?: readonly Flow2Event[];
}

export interface Flow2Section {
  readonly name: string;
  run(context: Flow2Context): Promise<CheckLine[]>;
}

/** Emulator delivery is synchronous; against AWS the targets get events within seconds. */
const ARRIVAL_TIMEOUT_MS = 15_000;

/** PutEvents with `config`'s credentials; throws naming each refused entry. */
export async function putEvents(config: ClientConfig, entries: readonly PutEventsEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 10) {
    const batch = entries.slice(i, i + 10);
    const out = await jsonCall(probeTarget(config), 'events', 'AWSEvents', 'PutEvents', { Entries: batch.map(wireEntry) });
    const failed = (out.Entries ?? []).map((e: any, j: number) => (e.ErrorCode ? `${batch[j].DetailType} (${e.ErrorCode}: ${e.ErrorMessage})` : undefined)).filter(Boolean);
    if (out.FailedEntryCount || failed.length > 0) throw new Error(`PutEvents in ${config.region} refused ${failed.join(', ') || `${out.FailedEntryCount} entries`}`);
  }
}

const probeTarget = (c: ClientConfig) => ({ endpoint: c.endpoint, region: c.region, credentials: c.credentials });

/**
 * A rule of the run's own on a deployed bus, with an SQS queue of its own as target (as the
 * notification probe is for the topic): it shows what reached the bus. Removed before destroy.
 */
export class BusProbe {
  private queueUrl?: string;
  private ruleCreated = false;

  constructor(
    private readonly config: ClientConfig,
    private readonly busName: string,
    private readonly name: string,
  ) {}

  async start(pattern: Record<string, unknown>): Promise<void> {
    const sqs = new SQSClient(this.config);
    const account = await this.accountId();
    const ruleArn = `arn:aws:events:${this.config.region}:${account}:rule/${this.busName}/${this.name}`;
    const queueArn = `arn:aws:sqs:${this.config.region}:${account}:${this.name}`;
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn, Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } } }],
    };
    this.queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: this.name, Attributes: { Policy: JSON.stringify(policy) } }))).QueueUrl!;
    const t = probeTarget(this.config);
    await jsonCall(t, 'events', 'AWSEvents', 'PutRule', { Name: this.name, EventBusName: this.busName, EventPattern: JSON.stringify(pattern), State: 'ENABLED', Description: 'trailbridge e2e probe (not part of any stack)' });
    this.ruleCreated = true;
    await jsonCall(t, 'events', 'AWSEvents', 'PutTargets', { Rule: this.name, EventBusName: this.busName, Targets: [{ Id: 'probe', Arn: queueArn }] });
  }

  /** Every message body until `done` says enough arrived, or the time is up. */
  async collect(done: (bodies: readonly string[]) => boolean): Promise<string[]> {
    return drainQueue(this.config, this.queueUrl!, done);
  }

  async remove(): Promise<void> {
    const t = probeTarget(this.config);
    if (this.ruleCreated) {
      await jsonCall(t, 'events', 'AWSEvents', 'RemoveTargets', { Rule: this.name, EventBusName: this.busName, Ids: ['probe'] });
      await jsonCall(t, 'events', 'AWSEvents', 'DeleteRule', { Name: this.name, EventBusName: this.busName });
      this.ruleCreated = false;
    }
    if (this.queueUrl) await new SQSClient(this.config).send(new DeleteQueueCommand({ QueueUrl: this.queueUrl }));
    this.queueUrl = undefined;
  }

  private async accountId(): Promise<string> {
    return (await new STSClient(this.config).send(new GetCallerIdentityCommand({}))).Account!;
  }
}

/** Takes messages off a queue until `done` holds for what was taken, or the time is up. */
async function drainQueue(config: ClientConfig, queueUrl: string, done: (bodies: readonly string[]) => boolean): Promise<string[]> {
  const sqs = new SQSClient(config);
  const bodies: string[] = [];
  const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const batch = out.Messages ?? [];
    bodies.push(...batch.map((m) => m.Body ?? ''));
    if (batch.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    if (batch.length === 0 && (done(bodies) || Date.now() > deadline)) return bodies;
    if (batch.length === 0) await new Promise((r) => setTimeout(r, 500));
  }
}

/** Every message of a log group (the emulator writes one stream per delivered event). */
async function logGroupMessages(config: ClientConfig, logGroupName: string): Promise<string[]> {
  const messages: string[] = [];
  let nextToken: string | undefined;
  do {
    const out = await jsonCall(probeTarget(config), 'logs', 'Logs_20140328', 'FilterLogEvents', { logGroupName, ...(nextToken ? { nextToken } : {}) });
    messages.push(...(out.events ?? []).map((e: { message: string }) => e.message));
    nextToken = out.nextToken;
  } while (nextToken);
  return messages;
}

/** Events the deployed archive of a bus holds (it archives every event on the bus). */
async function archivedCount(config: ClientConfig, archiveName: string): Promise<number> {
  return Number((await jsonCall(probeTarget(config), 'events', 'AWSEvents', 'DescribeArchive', { ArchiveName: archiveName })).EventCount ?? 0);
}

/**
 * The central-bus half: each source account and region puts an event on its default bus (one
 * PutEvents each, so the central bus's archive count says whether that event arrived); then the
 * SQS buffer and the log group must hold what the use-case rules route there.
 */
export const CENTRAL_BUS_DELIVERY: Flow2Section = {
  name: 'central bus',
  async run(context) {
    const { accounts, naming } = context;
    const topology = naming.topology;
    const rules = centralRules(topology);
    const readOnly = sourceAccounts(topology).some((s) => s.source.forwarding.enabled && s.source.forwarding.readOnlyEvents);
    // The responses' rules target the responder function, which moto cannot deliver to: a sample
    // they match would fail PutEvents, so they count among the rules a sample must avoid.
    const samples = chooseSamples(sharedCandidates(), [...rules, ...responseRulesAsTargets(topology)], readOnly);
    const events = flow2Events(slotsOf(forwardingRules(topology)), samples, rules);
    context.events = events;
    const ids = new Set(events.map((e) => e.id));
    const security = await accounts.config(accountWithRole(topology, 'security'));
    const archive = naming.centralArchiveName();
    const centralBus = new Map<string, number>();
    for (const event of events) {
      const before = await archivedCount(security, archive);
      const source = sourceAccounts(topology).find((s) => s.id === event.slot.accountId)!;
      await putEvents(await accounts.config(source, event.slot.region), [event.entry]);
      centralBus.set(event.id, (await archivedCount(security, archive)) - before);
    }
    const byKind = new Map<TargetKind, Map<string, number>>();
    const targets = new Map<TargetKind, string>();
    const uses = (kind: TargetKind) => rules.some((r) => r.target === kind);
    if (uses('sqs')) {
      const queueName = naming.eventBufferQueueName();
      targets.set('sqs', `the SQS buffer ${queueName}`);
      const queueUrl = (await new SQSClient(security).send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl!;
      const want = events.filter((e) => e.deliveries.some((d) => d.target === 'sqs')).length;
      byKind.set('sqs', countEventIds(await drainQueue(security, queueUrl, (b) => countEventIds(b, ids).size >= want), ids));
    }
    if (uses('logs')) {
      const logGroup = naming.centralLogGroupName();
      targets.set('logs', `the log group ${logGroup}`);
      byKind.set('logs', countEventIds(await logGroupMessages(security, logGroup), ids));
    }
    context.notes.push(
      'moto gives an event forwarded to another bus the receiving bus\'s account, region, id and time (AWS keeps the source\'s), so arrivals at the targets are told apart by detail.eventID, which the run makes unique per account and region',
      'moto spends about a second per delivery to a target (it builds a JSONPath parser each time), so each account and region gets one event and the samples take turns',
    );
    return deliveryChecks(events, { centralBus, byKind }, { centralBus: `${naming.centralBusName()} (its archive ${archive} counted it)`, targets });
  },
};

/** The responses' rules on the central bus, shaped as central rules with their lambda target. */
function responseRulesAsTargets(topology: Topology): CentralRule[] {
  return responseRules(topology).map((r) => ({ id: r.response, name: r.name, title: r.response, description: '', pattern: r.pattern, target: 'lambda', origin: 'catalog', path: r.path, needsGlobalEvents: r.needsGlobalEvents, state: r.state }));
}

/** Whether the SDK reached the emulator's AssumeRoleWithWebIdentity (and the role's account came back). */
async function assumeWithWebIdentity(accounts: Accounts, naming: Naming, roleArn: string): Promise<{ credentials: ClientConfig['credentials']; how: string }> {
  const token = unsignedWebIdentityToken(
    { iss: `https://${naming.dynatraceTokenHost}`, aud: naming.dynatraceAudience(), sub: naming.dynatraceSubject() ?? 'dtid:connection/trailbridge-e2e' },
    new Date(),
  );
  const sts = new STSClient({ endpoint: accounts.target.endpoint, region: naming.idrRegion(), credentials: accounts.target.baseCredentials });
  const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'trailbridge-e2e-dynatrace', WebIdentityToken: token, DurationSeconds: 900 }));
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRoleWithWebIdentity ${roleArn} returned no credentials`);
  const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  const who = await new STSClient({ endpoint: accounts.target.endpoint, region: naming.idrRegion(), credentials }).send(new GetCallerIdentityCommand({}));
  const expected = `assumed-role/${roleArn.split('/').at(-1)}/`;
  if (!who.Arn?.includes(expected)) throw new Error(`after AssumeRoleWithWebIdentity ${roleArn} the caller is ${who.Arn}, not a session of that role`);
  return { credentials, how: `AssumeRoleWithWebIdentity (${who.Arn})` };
}

/** The IDR bus: the simulated Dynatrace problem (`npm run idr -- test-event`), put through the Dynatrace role, matches the test rule. */
export const IDR_PROBLEM: Flow2Section = {
  name: 'IDR bus',
  async run(context) {
    const { accounts, naming } = context;
    const topology = naming.topology;
    const stackDir = context.stackDirs.get('incident-response');
    if (!stackDir) return [{ ok: false, text: 'IDR bus: the synth output has no incident-response stack' }];
    const stack = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
    const test = buildTestEvent(stack, naming);
    const idr = await accounts.config(accountWithRole(topology, 'incident-response'), naming.idrRegion());
    const t = probeTarget(idr);
    const busName = naming.idrBusName();
    const testRule = naming.idrTestRuleName();
    const deployed = await jsonCall(t, 'events', 'AWSEvents', 'DescribeRule', { Name: testRule, EventBusName: busName });
    const ruleTargets: { Arn: string }[] = (await jsonCall(t, 'events', 'AWSEvents', 'ListTargetsByRule', { Rule: testRule, EventBusName: busName })).Targets ?? [];
    const { credentials, how } = await assumeWithWebIdentity(accounts, naming, naming.dynatraceRoleArn());
    context.notes.push(
      'moto accepts any web identity token and does not evaluate the Dynatrace role\'s trust (OIDC provider, aud and sub conditions) or its permissions: the run proves the role is assumed by web identity and its session puts the event; the trust itself is covered by the stack tests',
    );
    // The test rule has no target (IDR's own managed rule reads the bus): a probe rule with the
    // test rule's deployed pattern shows what the test rule matched.
    const probe = new BusProbe(idr, busName, 'trailbridge-e2e-idr-test-rule-probe');
    try {
      await probe.start(JSON.parse(deployed.EventPattern));
      await putEvents({ ...idr, credentials }, test.entries);
      const bodies = await probe.collect((b) => b.length >= test.entries.length);
      const identifiers = test.delivered.map((e) => JSON.stringify(e.detail));
      const arrived = bodies.filter((b) => identifiers.includes(JSON.stringify(JSON.parse(b).detail))).length;
      return [
        { ok: true, text: `IDR bus ${busName}: the Dynatrace role ${naming.dynatraceRoleName()} assumed with ${how}` },
        {
          ok: arrived === test.entries.length,
          text: `IDR bus ${busName}: ${arrived}/${test.entries.length} simulated Dynatrace problem events put with that session matched the test rule ${testRule} (its deployed pattern, on a probe rule: the test rule has ${ruleTargets.length === 0 ? 'no target' : `targets ${ruleTargets.map((r) => r.Arn).join(', ')}`})`,
        },
      ];
    } finally {
      await probe.remove();
    }
  },
};

/** The sections in the order they run. */
export const FLOW2_SECTIONS: readonly Flow2Section[] = [CENTRAL_BUS_DELIVERY, IDR_PROBLEM, RESPONSES_IN_ENFORCE_MODE, WATCHED];

export interface Flow2Result {
  readonly lines: CheckLine[];
  /** Seconds each section took, by name. */
  readonly seconds: Map<string, number>;
}

/** Runs every section; a section that throws becomes one failed line, and the next still runs. */
export async function runFlow2(context: Flow2Context, sections: readonly Flow2Section[] = FLOW2_SECTIONS): Promise<Flow2Result> {
  const lines: CheckLine[] = [];
  const seconds = new Map<string, number>();
  for (const section of sections) {
    const started = Date.now();
    try {
      lines.push(...(await section.run(context)));
    } catch (err) {
      lines.push({ ok: false, text: `${section.name}: ${(err as Error).name}: ${(err as Error).message}` });
    }
    seconds.set(section.name, (Date.now() - started) / 1000);
  }
  return { lines, seconds };
}
