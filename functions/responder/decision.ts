import type { Mode, ResponderConfig, ResponseId } from './config';
import type { ResponderEvent } from './event';

/**
 * The vocabulary shared by the pure response modules and the executor. A call is data: the
 * service, the API name as the SDK spells it (without "Command"), and its input.
 */

export type Service = 's3' | 'iam' | 'ec2';

/**
 * Where a call goes: `source` through the source account's responder role, `evidence` with the
 * responder's own credentials to the evidence bucket.
 */
export type CallTarget = 'source' | 'evidence';

export interface Call {
  readonly service: Service;
  readonly api: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly target: CallTarget;
}

/** A read-only call a response needs before it can decide; `key` names its result. */
export interface ReadCall extends Call {
  readonly key: string;
}

/** A call that changes something, and why. */
export interface Action extends Call {
  readonly why: string;
}

/** What a read returned: its output, or the error code AWS answered (NoSuchBucketPolicy, NoSuchEntity, ...). */
export type ReadResult = { readonly output: unknown; readonly errorCode?: undefined } | { readonly output?: undefined; readonly errorCode: string };

/** The results of a response's reads, by read key. */
export type Observed = Readonly<Record<string, ReadResult>>;

/** Why a response could not decide: the resource is gone, access was denied, the event lacks a field. */
export interface Problem {
  readonly kind: 'gone' | 'access-denied' | 'unreadable' | 'bad-event';
  readonly reason: string;
  /**
   * ISO time until which the problem may clear by itself (a resource not visible yet under eventual
   * consistency): until then the executor retries the event, after it the problem settles it.
   * @default - settled at once
   */
  readonly retryableUntil?: string;
}

/**
 * A call the response would make but cannot, because what it would act on is not there (an
 * instance of the event not found); the decision line's `notDone`.
 */
export interface Unreachable {
  /** `ec2:CreateTags` */
  readonly call: string;
  /** Why, once it is settled: `instance i-1 not found: terminated or never existed`. */
  readonly reason: string;
  /**
   * Until this ISO time the thing may still appear (EC2 not showing a new instance yet): the
   * executor does the rest, then has the event delivered again, with this reason.
   * @default - settled at once
   */
  readonly retryable?: { readonly until: string; readonly reason: string };
}

export interface Decision {
  readonly response: ResponseId;
  readonly mode: Mode;
  /** Calls on the customer's account: performed in `enforce` mode only. */
  readonly actions: readonly Action[];
  /** Evidence writes: performed in both modes (they change nothing in the customer's account). */
  readonly evidence: readonly Action[];
  /** Why nothing (or not everything) is to be done: exempt, already so, a second delivery, ... */
  readonly nothingToDo: readonly string[];
  /** Calls not planned because their target is not there. @default - none */
  readonly notDone?: readonly Unreachable[];
  /** A message for the alert topic that is not about an action (database-deleted). */
  readonly alert?: string;
  readonly problem?: Problem;
}

/** One response: when it applies, what it reads, and what it decides. All three are pure. */
export interface Response {
  readonly id: ResponseId;
  /** True when the event is one this response acts on (eventSource and eventName, maybe a setting). */
  readonly triggers: (event: ResponderEvent, config: ResponderConfig) => boolean;
  readonly readsFor: (event: ResponderEvent, config: ResponderConfig) => readonly ReadCall[];
  /** Observed state derived from the event alone, for the simulator (no AWS access). */
  readonly assumeFromEvent: (event: ResponderEvent, config: ResponderConfig) => Observed;
  readonly decide: (event: ResponderEvent, observed: Observed, config: ResponderConfig) => Decision;
}

/** The skeleton of a decision in the configured mode, to which a response adds. */
export function decision(response: ResponseId, config: ResponderConfig, fields: Partial<Omit<Decision, 'response' | 'mode'>> = {}): Decision {
  const mode = config.responses[response]?.mode ?? 'report';
  return { response, mode, actions: [], evidence: [], nothingToDo: [], ...fields };
}

/** Error codes that mean "access denied" in S3, IAM and EC2. */
export const ACCESS_DENIED_CODES: ReadonlySet<string> = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Client.UnauthorizedOperation']);

/**
 * The first read that failed with access denied, else the first that failed with a code the
 * response does not decide on (`expected`, by read key: the "there is none" answers), as a problem.
 * A read that failed otherwise tells nothing of the state, so deciding as if the thing were absent
 * could call a public bucket private or act on an exempt one.
 */
export function readProblem(observed: Observed, expected: Readonly<Record<string, ReadonlySet<string>>> = {}): Problem | undefined {
  const failed = Object.entries(observed).filter(([, result]) => result.errorCode !== undefined);
  const denied = failed.find(([, result]) => ACCESS_DENIED_CODES.has(result.errorCode!));
  if (denied) return { kind: 'access-denied', reason: `access denied reading ${denied[0]} (${denied[1].errorCode}); check the responder role's read permissions` };
  const unread = failed.find(([key, result]) => !expected[key]?.has(result.errorCode!));
  if (unread) return { kind: 'unreadable', reason: `reading ${unread[0]} failed (${unread[1].errorCode}): nothing decided on a state that could not be read` };
  return undefined;
}

/** A failed API call changed nothing: the responses that act skip it. */
export function failedCall(event: ResponderEvent): string | undefined {
  const code = event.record.errorCode;
  return typeof code === 'string' && code !== '' ? `the ${event.record.eventName} call failed (${code}); it changed nothing` : undefined;
}
