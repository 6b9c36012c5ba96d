import type { ResponderConfig } from '../config';
import { readProblem, decision, failedCall, type Decision, type Observed, type ReadCall, type Response } from '../decision';
import { isObject, requestParameters, responseElements, text, type ResponderEvent } from '../event';

/**
 * require-mfa-for-new-users: when an IAM user is created or given a console password, attach the
 * account's MFA policy (`mfaPolicyArn`; its document is stacks/constructs/mfa-policy-document.ts) unless it is attached already or the user
 * is exempt by path or name prefix (service users).
 */

const TRIGGERS: ReadonlySet<string> = new Set(['CreateUser', 'CreateLoginProfile']);

const userNameOf = (event: ResponderEvent): string | undefined => text(requestParameters(event).userName);

function readsFor(event: ResponderEvent): ReadCall[] {
  const UserName = userNameOf(event);
  if (!UserName) return [];
  return [
    { key: 'user', service: 'iam', api: 'GetUser', params: { UserName }, target: 'source' },
    { key: 'attachedPolicies', service: 'iam', api: 'ListAttachedUserPolicies', params: { UserName }, target: 'source' },
  ];
}

/** The user as the event shows it (CreateUser answers with it), with no policy attached yet. */
function assumeFromEvent(event: ResponderEvent): Observed {
  const UserName = userNameOf(event);
  const created = responseElements(event).user;
  const path = (isObject(created) ? text(created.path) : undefined) ?? text(requestParameters(event).path) ?? '/';
  return { user: { output: { User: { UserName, Path: path } } }, attachedPolicies: { output: { AttachedPolicies: [] } } };
}

function decide(event: ResponderEvent, observed: Observed, config: ResponderConfig): Decision {
  const options = config.responses['require-mfa-for-new-users'];
  const base = (fields: Partial<Decision>) => decision('require-mfa-for-new-users', config, fields);
  const userName = userNameOf(event);
  if (!userName) return base({ problem: { kind: 'bad-event', reason: 'requestParameters.userName is missing' } });
  const failed = failedCall(event);
  if (failed) return base({ nothingToDo: [failed] });
  const policyArn = config.accounts[event.account]?.mfaPolicyArn;
  if (!policyArn) return base({ problem: { kind: 'bad-event', reason: `account ${event.account} is not in the responder's accounts; it has no MFA policy to attach` } });
  // The user may be deleted between the two reads as well.
  if ([observed.user, observed.attachedPolicies].some((read) => read?.errorCode === 'NoSuchEntity')) return base({ problem: { kind: 'gone', reason: `IAM user ${userName} no longer exists (NoSuchEntity); not retried` } });
  const denied = readProblem(observed);
  if (denied) return base({ problem: denied });
  const prefix = options?.exemptNamePrefixes.find((p) => userName.startsWith(p));
  if (prefix) return base({ nothingToDo: [`user ${userName} is exempt (name prefix ${prefix})`] });
  const user = observed.user?.output as { User?: { Path?: string } } | undefined;
  const path = user?.User?.Path ?? '/';
  const exemptPath = options?.exemptPaths.find((p) => path.startsWith(p));
  if (exemptPath) return base({ nothingToDo: [`user ${userName} is exempt (path ${path} is under ${exemptPath})`] });
  // The role's Deny for a name prefix (user/<prefix>*, user/*/<prefix>*) covers a path segment with it too.
  const covered = options?.exemptNamePrefixes.find((p) => path.split('/').some((segment) => segment.startsWith(p)));
  if (covered) {
    const reason = `user ${userName} is not exempt, but its path ${path} has a segment that begins with the exempt name prefix ${covered}: the responder role's Deny for that prefix (user/${covered}*, user/*/${covered}*) covers it as well, since an IAM ARN pattern cannot tell a path from a name; not attached. Rename the path or the prefix, or attach the policy by hand`;
    return base({ problem: { kind: 'access-denied', reason } });
  }
  const attached = observed.attachedPolicies?.output as { AttachedPolicies?: { PolicyArn?: string }[] } | undefined;
  if (attached?.AttachedPolicies?.some((p) => p.PolicyArn === policyArn)) {
    return base({ nothingToDo: [`user ${userName} already has ${policyArn} attached: nothing to change`] });
  }
  return base({
    actions: [{ service: 'iam', api: 'AttachUserPolicy', params: { UserName: userName, PolicyArn: policyArn }, target: 'source', why: `new user ${userName} (${event.record.eventName}) must sign in with MFA before doing anything else` }],
  });
}

export const requireMfaForNewUsers: Response = {
  id: 'require-mfa-for-new-users',
  triggers: (event) => event.record.eventSource === 'iam.amazonaws.com' && TRIGGERS.has(event.record.eventName),
  readsFor,
  assumeFromEvent,
  decide,
};
