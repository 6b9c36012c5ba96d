import { Naming } from '../../config/naming';
import { Topology } from '../../config/schema';
import type { ResponseId, ResponsesOptions } from '../../config/sections/responses';
import { sourceAccounts } from '../../config/accounts';
import { CentralRule, centralRules } from './central-rules';
import { RuleState, ruleState } from './forwarding';
import { EventPattern, apiCalls } from './use-case';

/**
 * The responses of a topology as the stacks build them: which are on, the rules of the action
 * responses on the central bus, and the use-case rules whose events the responder also receives.
 * The triggers mirror functions/responder/responses/*, which check them again.
 */

/** The responses that act in a source account (through its responder role). */
export const ACTION_RESPONSES = ['block-public-bucket', 'require-mfa-for-new-users', 'tag-instance-owner'] as const;
export type ActionResponseId = (typeof ACTION_RESPONSES)[number];

/** The use case the responder's database-deleted alert rides on. */
export const DATABASE_DELETED_USE_CASE = 'database-deleted';

/** The enabled responses with their options; a response listed with `enabled: false` is left out. */
export type EnabledResponses = { readonly [K in ResponseId]?: NonNullable<ResponsesOptions[K]> };

export function enabledResponses(topology: Topology): EnabledResponses {
  return Object.fromEntries(Object.entries(topology.responses).filter(([, options]) => options?.enabled)) as EnabledResponses;
}

/** Whether the topology needs the responder function at all. */
export function responderEnabled(topology: Topology): boolean {
  return Object.keys(enabledResponses(topology)).length > 0;
}

/** Whether source accounts need the responder role: some response acts (or reads) there. */
export function sourceRoleNeeded(topology: Topology): boolean {
  const on = enabledResponses(topology);
  return ACTION_RESPONSES.some((id) => on[id] !== undefined);
}

/** A rule of an action response on the central bus: its triggers, minus the responder's own calls. */
export interface ResponseRule {
  readonly response: ActionResponseId;
  readonly name: string;
  readonly pattern: EventPattern;
  readonly path: string;
  readonly needsGlobalEvents: boolean;
  readonly state: RuleState;
}

const TRIGGERS: Record<ActionResponseId, { service: string; eventNames: string[]; global: boolean }> = {
  'block-public-bucket': { service: 's3', eventNames: ['PutBucketPolicy', 'PutBucketAcl', 'DeleteBucketPublicAccessBlock', 'PutBucketPublicAccessBlock'], global: false },
  'require-mfa-for-new-users': { service: 'iam', eventNames: ['CreateUser', 'CreateLoginProfile'], global: true },
  'tag-instance-owner': { service: 'ec2', eventNames: ['RunInstances', 'StartInstances'], global: false },
};

export function responseRules(topology: Topology): ResponseRule[] {
  const naming = new Naming(topology);
  const on = enabledResponses(topology);
  const state = ruleState(sourceAccounts(topology).some((s) => s.source.forwarding.enabled && s.source.forwarding.readOnlyEvents));
  // One wildcard covers the responder's session in every source account. An anything-but on
  // sessionContext.sessionIssuer.arn would also drop events without it (IAM users, root).
  const notTheResponder = { userIdentity: { arn: [{ 'anything-but': { wildcard: naming.responderSessionArnPattern() } }] } };
  return ACTION_RESPONSES.filter((id) => on[id] !== undefined).map((response) => {
    const trigger = TRIGGERS[response];
    return {
      response,
      name: naming.responseRuleName(response),
      // A failed call changed nothing: the responder would only say so.
      pattern: apiCalls(trigger.service, trigger.eventNames, { errorCode: [{ exists: false }], ...notTheResponder }),
      path: `responses[${JSON.stringify(response)}]`,
      needsGlobalEvents: trigger.global,
      state,
    };
  });
}

/**
 * The sensitive rules, whose events get an audit report: the topology's use cases, else every
 * enabled catalog use case whose target is sns. Empty when audit-evidence is off.
 */
export function evidenceRules(topology: Topology): CentralRule[] {
  const options = enabledResponses(topology)['audit-evidence'];
  if (!options) return [];
  const catalog = centralRules(topology).filter((r) => r.origin === 'catalog');
  return options.useCases ? catalog.filter((r) => options.useCases!.includes(r.id)) : catalog.filter((r) => r.target === 'sns');
}

/** The use-case rules that deliver to the responder besides their own target: the sensitive ones and database-deleted. */
export function responderTargetRules(topology: Topology): CentralRule[] {
  const wanted = new Set(evidenceRules(topology).map((r) => r.id));
  if (enabledResponses(topology)['database-deleted']) wanted.add(DATABASE_DELETED_USE_CASE);
  return centralRules(topology).filter((r) => wanted.has(r.id));
}
