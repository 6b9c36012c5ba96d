import { PublishCommand } from '@aws-sdk/client-sns';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import { alertFor, loggableParams } from './alert';
import { commandFor } from './commands';
import type { ResponderConfig } from './config';
import { ACCESS_DENIED_CODES, decision as emptyDecision, type Action, type Call, type Decision, type Observed, type ReadResult, type Response } from './decision';
import { errorCode, isRetryable } from './errors';
import { parseEvent, selfCaused, type ResponderEvent } from './event';
import { triggers } from './plan';

/**
 * The only part of the responder that does I/O: reads through the source account's responder role,
 * performs a decision's actions (enforce mode only; evidence in both modes), publishes the alert,
 * logs the decision. Every client is injected, so tests need no AWS.
 */

/** What the executor needs of an SDK v3 client. */
export interface SdkClient {
  send(command: unknown): Promise<unknown>;
}

export interface SourceClients {
  readonly s3: SdkClient;
  readonly iam: SdkClient;
  readonly ec2: SdkClient;
}

export interface ResponderDeps {
  readonly config: ResponderConfig;
  /** Clients acting as the source account's responder role in a region (see clients.ts). */
  readonly sourceClients: (account: string, region: string) => Promise<SourceClients>;
  /** S3 client with the responder's own credentials, for the evidence bucket. */
  readonly evidenceS3: SdkClient;
  readonly sns: SdkClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Milliseconds since the epoch, for problems that are retried for a while. @default Date.now */
  readonly clock?: () => number;
}

/** Thrown after logging when a retryable failure should send the event back through Lambda's asynchronous retries (then the DLQ). */
export class RetryableResponderError extends Error {
  constructor(message: string, readonly cause: unknown) {
    super(message);
    this.name = 'RetryableResponderError';
  }
}

export interface ResponseOutcome {
  readonly response: string;
  readonly mode: string;
  readonly done: readonly string[];
  readonly planned: readonly string[];
  readonly nothingToDo: readonly string[];
  readonly problem?: string;
}

export interface RespondResult {
  readonly eventId?: string;
  readonly status: 'refused' | 'own-event' | 'no-response' | 'responded';
  readonly reason?: string;
  readonly responses: readonly ResponseOutcome[];
}

const callName = (call: Call): string => `${call.service}:${call.api}`;

/** A planned call that was not made, and why (the decision line's `notDone`). */
interface NotDone {
  readonly call: string;
  readonly reason: string;
  /** The error code, for the call that failed. */
  readonly code?: string;
}

const REPORT_MODE = 'report mode: the response is not enforced, nothing is changed in the account';

/** The responses a sensitive rule's delivery runs: the action responses have rules of their own. */
const ON_SENSITIVE_RULES: ReadonlySet<string> = new Set(['audit-evidence', 'database-deleted']);

/**
 * The applicable responses this delivery runs. The action responses' own rules deliver the event
 * too, so running them on the sensitive rule's delivery as well acted and alerted twice, at once.
 */
function forDelivery(applicable: readonly Response[], event: ResponderEvent, config: ResponderConfig): Response[] {
  const sensitive = config.responses['audit-evidence'] !== undefined && event.rule !== undefined && (config.evidence?.rules.includes(event.rule) ?? false);
  return applicable.filter((response) => !sensitive || ON_SENSITIVE_RULES.has(response.id));
}

/** The EMF metric counting each kind of problem (the README lists them for the alarms). */
const PROBLEM_METRICS: Readonly<Record<NonNullable<Decision['problem']>['kind'], string>> = {
  gone: 'ResourcesGone',
  'access-denied': 'AccessDenied',
  unreadable: 'ReadsFailed',
  'bad-event': 'EventsUnusable',
};

/** Handles one delivered event end to end. Throws only {@link RetryableResponderError}. */
export async function respond(input: unknown, deps: ResponderDeps): Promise<RespondResult> {
  const parsed = parseEvent(input);
  if (!parsed.ok) {
    deps.logger.warn('event refused', { eventId: parsed.eventId, reason: parsed.reason });
    deps.metrics.add('EventsRefused', 'Count', 1);
    return { eventId: parsed.eventId, status: 'refused', reason: parsed.reason, responses: [] };
  }
  const event = parsed.event;
  const log = deps.logger.child({ eventId: event.id, rule: event.rule, account: event.account, region: event.region, eventName: event.record.eventName });
  const own = selfCaused(event, deps.config.selfRoleArns);
  if (own) {
    log.info('nothing done', { reason: own });
    deps.metrics.add('OwnEventsIgnored', 'Count', 1);
    return { eventId: event.id, status: 'own-event', reason: own, responses: [] };
  }
  const applicable = forDelivery(triggers(event, deps.config), event, deps.config);
  if (applicable.length === 0) {
    const reason = `no enabled response applies to ${event.record.eventSource} ${event.record.eventName}`;
    log.info('nothing done', { reason });
    return { eventId: event.id, status: 'no-response', reason, responses: [] };
  }
  // Evidence first: a retryable failure of another response ends the invocation, and Lambda's retry
  // then finds the report written; after them, a throttled evidence write would re-publish the
  // database-deleted alert (which no re-read can tell was sent) on every retry.
  const ordered = [...applicable.filter((r) => r.id === 'audit-evidence'), ...applicable.filter((r) => r.id !== 'audit-evidence')];
  const responses: ResponseOutcome[] = [];
  for (const response of ordered) responses.push(await runResponse(response, event, { ...deps, logger: log }));
  return { eventId: event.id, status: 'responded', responses };
}

/** Reads, decides, acts (or reports), alerts and logs for one response. */
async function runResponse(response: Response, event: ResponderEvent, deps: ResponderDeps): Promise<ResponseOutcome> {
  const { config, logger, metrics } = deps;
  const observed = await observe(response, event, deps);
  const decision = 'problem' in observed ? emptyDecision(response.id, config, { problem: observed.problem }) : response.decide(event, observed.results, config);
  const now = (deps.clock ?? Date.now)();
  if (decision.problem?.retryableUntil && now < Date.parse(decision.problem.retryableUntil)) {
    logger.warn('not visible yet, will be retried', { ...decisionFields(decision), done: [] });
    metrics.add('RetryableFailures', 'Count', 1);
    throw new RetryableResponderError(`${response.id}: ${decision.problem.reason}`, undefined);
  }
  if (decision.problem) {
    logger.warn('decision', { ...decisionFields(decision), done: [], notDone: decision.actions.map(callName) });
    metrics.add(PROBLEM_METRICS[decision.problem.kind], 'Count', 1);
    return outcome(decision, []);
  }
  // Calls whose target is not there; one that may still appear (a new instance) is retried for.
  const pending = (decision.notDone ?? []).filter((entry) => entry.retryable && now < Date.parse(entry.retryable.until));
  const unreachable: NotDone[] = (decision.notDone ?? []).map((entry) => ({ call: entry.call, reason: pending.includes(entry) ? entry.retryable!.reason : entry.reason }));
  const retryFor = pending.length > 0 ? new RetryableResponderError(`${response.id}: ${pending.map((entry) => entry.retryable!.reason).join('; ')}`, undefined) : undefined;
  if (retryFor && decision.mode !== 'enforce') {
    // Nothing is changed to make the retry idempotent: it would publish "would have done" again.
    logger.warn('not visible yet, will be retried', { ...decisionFields(decision), done: [], notDone: unreachable });
    metrics.add('RetryableFailures', 'Count', 1);
    throw retryFor;
  }
  const done: Action[] = [];
  const notDone = [...unreachable, ...(await perform(decision.evidence, event, deps, done, decision))];
  let stoppedBy: string | undefined;
  if (decision.mode === 'enforce') {
    const left = await performOrTellPartial(event, decision, done, deps);
    const failed = left.find((entry) => entry.code !== undefined);
    if (failed) stoppedBy = `${failed.call} failed (${failed.code})`;
    notDone.push(...left);
  } else notDone.push(...decision.actions.map((action) => ({ call: callName(action), reason: REPORT_MODE })));
  await publish(event, decision, done, deps, undefined, stoppedBy, unreachable);
  const changed = decision.actions.length > 0 || decision.evidence.length > 0;
  logger.info('decision', { ...decisionFields(decision), done: done.map(callName), notDone, summary: changed ? undefined : 'nothing to change' });
  metrics.add('Decisions', 'Count', 1);
  const doneInAccount = done.filter((action) => action.target === 'source').length;
  metrics.add(decision.mode === 'enforce' ? 'ActionsDone' : 'ActionsReported', 'Count', decision.mode === 'enforce' ? doneInAccount : decision.actions.length);
  metrics.add('EvidenceWritten', 'Count', done.length - doneInAccount);
  if (retryFor) {
    // What was there is done (and the retry finds it so); the retry reads again for the rest.
    logger.warn('not visible yet, will be retried', { response: response.id, notDone: unreachable });
    metrics.add('RetryableFailures', 'Count', 1);
    throw retryFor;
  }
  if (unreachable.length > 0) metrics.add('ResourcesGone', 'Count', 1);
  return outcome(decision, done);
}

function decisionFields(decision: Decision): Record<string, unknown> {
  return {
    response: decision.response,
    mode: decision.mode,
    actions: decision.actions.map((a) => ({ call: callName(a), params: loggableParams(a.params), why: a.why })),
    evidence: decision.evidence.map((a) => ({ call: callName(a), key: a.params.Key })),
    nothingToDo: decision.nothingToDo,
    alert: decision.alert,
    problem: decision.problem,
  };
}

const outcome = (decision: Decision, done: readonly Action[]): ResponseOutcome => ({
  response: decision.response,
  mode: decision.mode,
  planned: decision.actions.map(callName),
  done: done.map(callName),
  nothingToDo: decision.nothingToDo,
  problem: decision.problem?.reason,
});

/** Clients for a call's target; the source account must be configured. */
async function clientFor(call: Call, event: ResponderEvent, deps: ResponderDeps): Promise<SdkClient> {
  if (call.target === 'evidence') return deps.evidenceS3;
  return (await deps.sourceClients(event.account, event.region))[call.service];
}

type Observation = { readonly results: Observed } | { readonly problem: Decision['problem'] & object };

/** Performs a response's reads; an expected error is a result, a retryable one is thrown. */
async function observe(response: Response, event: ResponderEvent, deps: ResponderDeps): Promise<Observation> {
  const reads = response.readsFor(event, deps.config);
  if (reads.some((read) => read.target === 'source')) {
    const roleArn = deps.config.accounts[event.account]?.roleArn;
    if (!roleArn) return { problem: { kind: 'bad-event', reason: `account ${event.account} is not in the responder's accounts (no responder role to read through)` } };
    // Assumed apart from the reads: a role that is missing or does not trust the function (a source
    // stack not applied yet) is not a read the role may not make.
    try {
      await deps.sourceClients(event.account, event.region);
    } catch (err) {
      const code = errorCode(err);
      if (isRetryable(err)) {
        deps.logger.error('read failed, will be retried', { response: response.id, call: 'sts:AssumeRole', roleArn, error: err });
        deps.metrics.add('RetryableFailures', 'Count', 1);
        throw new RetryableResponderError(`${response.id}: sts:AssumeRole failed (${code})`, err);
      }
      const reason = `could not assume ${roleArn} (sts:AssumeRole answered ${code}): nothing read or done; check that the source stack is applied and the role trusts the responder function`;
      return { problem: { kind: ACCESS_DENIED_CODES.has(code) ? 'access-denied' : 'unreadable', reason } };
    }
  }
  const results: Record<string, ReadResult> = {};
  for (const read of reads) {
    try {
      const client = await clientFor(read, event, deps);
      results[read.key] = { output: await client.send(commandFor(read)) };
    } catch (err) {
      if (isRetryable(err)) {
        deps.logger.error('read failed, will be retried', { response: response.id, call: callName(read), error: err });
        deps.metrics.add('RetryableFailures', 'Count', 1);
        throw new RetryableResponderError(`${response.id}: ${callName(read)} failed (${errorCode(err)})`, err);
      }
      results[read.key] = { errorCode: errorCode(err) };
    }
  }
  return { results };
}

/**
 * Performs actions in order, appending each one done to `done`. A failure logs what was and was
 * not done; a retryable one is thrown (every action is idempotent, so a retry repeats none), any
 * other ends this response's actions, which are returned as not done, with why.
 */
async function perform(actions: readonly Action[], event: ResponderEvent, deps: ResponderDeps, done: Action[], decision: Decision): Promise<NotDone[]> {
  for (const [index, action] of actions.entries()) {
    try {
      const client = await clientFor(action, event, deps);
      await client.send(commandFor(action));
      done.push(action);
    } catch (err) {
      if (action.target === 'evidence' && errorCode(err) === 'PreconditionFailed') {
        deps.logger.info('evidence exists already, not rewritten', { response: decision.response, key: action.params.Key });
        continue;
      }
      const fields = { response: decision.response, mode: decision.mode, failed: callName(action), code: errorCode(err), done: done.map(callName), notDone: actions.slice(index).map(callName), error: err };
      deps.metrics.add('ActionFailures', 'Count', 1);
      if (isRetryable(err)) {
        deps.logger.error('action failed part way, will be retried', fields);
        throw new RetryableResponderError(`${decision.response}: ${callName(action)} failed (${errorCode(err)})`, err);
      }
      deps.logger.error('action failed part way, not retried', fields);
      const stopped = actions.slice(index + 1).map((later) => ({ call: callName(later), reason: `not attempted: ${callName(action)} failed before it` }));
      return [{ call: callName(action), reason: `failed (${errorCode(err)}), not retried`, code: errorCode(err) }, ...stopped];
    }
  }
  return [];
}

/**
 * The decision's actions; when a retryable failure stops them after some were done in the account,
 * the alert for those goes out before the retry. The retry re-reads the account and decides only
 * what is left, so without it no alert would ever name the actions this delivery took.
 */
async function performOrTellPartial(event: ResponderEvent, decision: Decision, done: Action[], deps: ResponderDeps): Promise<NotDone[]> {
  try {
    return await perform(decision.actions, event, deps, done, decision);
  } catch (err) {
    if (err instanceof RetryableResponderError && done.some((action) => action.target === 'source')) {
      // The retry's error is the one to throw; a failed publish is logged and counted in publish().
      await publish(event, decision, done, deps, `${errorCode(err.cause)}: the event will be delivered again, the account read again and only what is still needed done`).catch(() => undefined);
    }
    throw err;
  }
}

/** Publishes "did X" / "would have done X" (or the response's alert) to the alert topic, when one is configured. */
async function publish(event: ResponderEvent, decision: Decision, done: readonly Action[], deps: ResponderDeps, retrying?: string, stoppedBy?: string, unreachable: readonly NotDone[] = []): Promise<void> {
  const alert = alertFor(event, decision, { done: done.filter((action) => action.target === 'source'), retrying, stoppedBy, unreachable });
  const topic = deps.config.alertTopicArn;
  if (!alert || !topic) return;
  try {
    await deps.sns.send(new PublishCommand({ TopicArn: topic, Subject: alert.subject, Message: alert.message }));
    deps.metrics.add('AlertsPublished', 'Count', 1);
  } catch (err) {
    deps.metrics.add('AlertFailures', 'Count', 1);
    deps.logger.error('alert not published', { response: decision.response, code: errorCode(err), message: alert.message, error: err });
    if (isRetryable(err)) throw new RetryableResponderError(`${decision.response}: sns:Publish failed (${errorCode(err)})`, err);
  }
}
