/**
 * One error class per kind of failure that is thrown. Each keeps its `cause` and the context an
 * operator needs to find the object (bucket, key, record index).
 *
 * Not thrown, by design: delivery failures (the ingest client returns them as data, with the
 * records concerned, and they become replay tickets), notifications it cannot read (acknowledged
 * and logged, see notifications.ts), bad rules (the last good rules stay, see rules-source.ts).
 * A bad environment fails the cold start with lib/env's EnvironmentError.
 */
import type { ReplayTicket } from './tickets';

/** Where in the input a problem happened. */
export interface ObjectContext {
  readonly bucket?: string;
  readonly key?: string;
  /** Zero-based index of the record within the file. */
  readonly recordIndex?: number;
}

export abstract class ForwarderError extends Error {
  abstract readonly kind: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The object could not be read: missing, access denied, network failure while streaming. */
export class SourceError extends ForwarderError {
  readonly kind = 'source';
  constructor(
    message: string,
    readonly context: ObjectContext & { readonly code?: string },
    options?: { cause?: unknown },
  ) {
    super(`${describeObject(context)}: ${message}`, options);
  }
}

/** The object's bytes are not a CloudTrail log file: corrupt or truncated gzip, not JSON, no Records. */
export class ParseError extends ForwarderError {
  readonly kind = 'parse';
  /** Complete records read before the problem: the replay ticket starts there. */
  readonly recordsBefore?: number;
  constructor(
    message: string,
    readonly context: ObjectContext,
    options?: { cause?: unknown; recordsBefore?: number },
  ) {
    super(`${describeObject(context)}: ${message}`, options);
    this.recordsBefore = options?.recordsBefore;
  }
}

/** The Dynatrace API token could not be obtained, or Dynatrace rejects it. */
export class TokenError extends ForwarderError {
  readonly kind = 'token';
  constructor(
    message: string,
    readonly parameterName?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No rules document was ever loaded, and the built-in rules are refused (BUILT_IN_RULES=refused): nothing is forwarded. */
export class RulesUnavailableError extends ForwarderError {
  readonly kind = 'rules';
  constructor(problem: string) {
    super(
      `no forwarding rules loaded (${problem}), and the built-in rules, which redact nothing, are refused (BUILT_IN_RULES=refused, set because the rules document has redactions): ` +
        'failing the invocation so its objects are delivered again; fix the AppConfig extension or the deployed rules document',
    );
  }
}

/**
 * Replay tickets could not be written to the failure queue: the one failure that must fail the
 * invocation, or, for an SQS event when the sink names the tickets it could not store, the
 * messages those tickets belong to (./invocation.ts).
 */
export class TicketError extends ForwarderError {
  readonly kind = 'ticket';
  /** The tickets not stored, when the sink knows which; absent: any of them may not be. */
  readonly unstored?: readonly ReplayTicket[];

  constructor(message: string, options?: { cause?: unknown; unstored?: readonly ReplayTicket[] }) {
    super(message, options);
    this.unstored = options?.unstored;
  }
}

export function describeObject(ctx: ObjectContext): string {
  const where = ctx.bucket ? `s3://${ctx.bucket}/${ctx.key ?? ''}` : (ctx.key ?? '(unknown object)');
  return ctx.recordIndex === undefined ? where : `${where} record ${ctx.recordIndex}`;
}
