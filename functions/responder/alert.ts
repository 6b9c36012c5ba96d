import type { Action, Decision } from './decision';
import { principalOf, type ResponderEvent } from './event';

/** SNS limits a subject to 100 characters. */
export const SNS_SUBJECT_MAX_LENGTH = 100;

/** An action as one line: `s3:PutPublicAccessBlock {"Bucket":"b"}: why`, without bulky bodies. */
export function describeAction(action: Action): string {
  return `${action.service}:${action.api} ${JSON.stringify(loggableParams(action.params))}: ${action.why}`;
}

/** Call parameters for logs and messages: an object body is replaced by its size. */
export function loggableParams(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  if (typeof out.Body === 'string') out.Body = `(${Buffer.byteLength(out.Body)} bytes)`;
  return out;
}

export interface AlertOutcome {
  /** Actions performed (enforce mode). */
  readonly done: readonly Action[];
  /** Why the actions stopped part way and what happens next, when they are to be retried. */
  readonly retrying?: string;
  /** The call that failed for good and its code (`s3:PutBucketPolicy failed (MalformedPolicy)`), when one stopped the actions. */
  readonly stoppedBy?: string;
  /** Calls not planned because their target is not there, and why (an instance not found). @default - none */
  readonly unreachable?: readonly { readonly call: string; readonly reason: string }[];
}

/**
 * The alert for a decision: "did X" in enforce mode, "would have done X" in report mode, or the
 * response's own message (database-deleted). Undefined when there is nothing to tell.
 */
export function alertFor(event: ResponderEvent, decision: Decision, outcome: AlertOutcome): { subject: string; message: string } | undefined {
  if (decision.actions.length === 0 && decision.alert === undefined) return undefined;
  const who = principalOf(event).arn ?? 'an unknown principal';
  const lines = [`${decision.response} (${decision.mode} mode): ${event.record.eventSource} ${event.record.eventName} by ${who} in account ${event.account}, ${event.region}, at ${event.time} (event ${event.id}).`];
  if (decision.alert !== undefined) lines.push('', decision.alert);
  const enforced = decision.mode === 'enforce';
  const notDone = enforced ? decision.actions.filter((action) => !outcome.done.includes(action)) : [];
  if (decision.actions.length > 0) {
    const listed = enforced ? outcome.done : decision.actions;
    if (listed.length > 0) lines.push('', enforced ? 'Did:' : 'Would have done (report mode: nothing was changed):', ...listed.map((action) => `- ${describeAction(action)}`));
    const unreachable = (outcome.unreachable ?? []).map((entry) => `- ${entry.call}: ${entry.reason}`);
    if (notDone.length > 0 || unreachable.length > 0) {
      lines.push('', outcome.retrying ? 'Not done yet:' : 'Not done:', ...notDone.map((action) => `- ${describeAction(action)}`), ...unreachable);
      if (outcome.retrying) lines.push(`Retrying: ${outcome.retrying}.`);
      else if (outcome.stoppedBy) lines.push(`Stopped: ${outcome.stoppedBy}, not retried; the rest was not attempted.`);
    }
  }
  for (const reason of decision.nothingToDo) lines.push(`Note: ${reason}`);
  const verb = decision.actions.length === 0 ? 'alert' : !enforced ? 'would act' : notDone.length === 0 ? 'did' : outcome.done.length === 0 ? 'failed' : 'did part';
  const subject = `trailbridge ${decision.response} ${verb}: ${event.record.eventName} in ${event.account}`;
  return { subject: subject.slice(0, SNS_SUBJECT_MAX_LENGTH), message: lines.join('\n') };
}
