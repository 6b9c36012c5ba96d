import type { Statement } from '../constructs/iam';
import { ACTIONS, denyInsecureTransport, serviceTrust } from '../constructs/iam';
import { Partition, arn } from '../../config/arn';
import { Naming } from '../../config/naming';
import { SourceAccount, Topology } from '../../config/schema';
import { ALL_GLOBAL_EVENTS_REGIONS } from '../../config/regions';
import { RuleState, regionalForwardingRules } from './forwarding';
import { EventPattern } from './use-case';

/**
 * A source account's regional forwarding as data: the rule in each region, its target's retry
 * policy, its dead-letter queue and that queue's policy, and the one global role. Two renderings
 * read it: the Terraform construct (stacks/constructs/regional-event-forwarding.ts, one aliased
 * provider per region) and the CloudFormation template of the StackSet modes
 * (stacks/cloudformation/forwarding-template.ts), so both modes forward the same events alike.
 *
 * Values that only exist once deployed (the queue's and the rule's ARNs) come in as strings from
 * the rendering: Terraform references or CloudFormation `${...}` substitutions.
 */

/** How long a dead-letter queue keeps an event that could not be delivered: SQS's maximum. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/** The one target id of a forwarding rule. */
export const CENTRAL_BUS_TARGET_ID = 'central-bus';

export interface RetryPolicy {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeInSeconds: number;
}

/** A forwarding rule in one region, as the rendering creates it. */
export interface RegionalRuleDefinition {
  readonly region: string;
  /** all: every API call and sign-in of the region; global: only the global services' events. */
  readonly scope: 'all' | 'global';
  readonly name: string;
  readonly description: string;
  readonly pattern: EventPattern;
  readonly state: RuleState;
}

export interface RoleDefinition {
  readonly name: string;
  readonly description: string;
  readonly trust: readonly Statement[];
  /** Inline policies by name. */
  readonly policies: readonly { readonly name: string; readonly statements: readonly Statement[] }[];
}

export interface DeadLetterQueueDefinition {
  readonly name: string;
  readonly messageRetentionSeconds: number;
  /** SSE-SQS, so EventBridge needs no key grant. */
  readonly sqsManagedSse: true;
  /** The queue policy, given the queue's ARN and the ARNs of the rules that may send to it. */
  readonly statements: (queueArn: string, ruleArns: readonly string[]) => Statement[];
}

export interface ForwardingDefinition {
  readonly rules: readonly RegionalRuleDefinition[];
  readonly role: RoleDefinition;
  readonly target: { readonly id: string; readonly arn: string; readonly retryPolicy: RetryPolicy };
  readonly deadLetterQueue: DeadLetterQueueDefinition;
}

export interface ForwardingDefinitionProps {
  /** The topology's partition, which begins the rule ARNs the role trusts. */
  readonly partition: Partition;
  /** Each region's rule: region, scope, name, pattern, state (the catalog's ForwardingRule fits). */
  readonly rules: readonly Pick<RegionalRuleDefinition, 'region' | 'scope' | 'name' | 'pattern' | 'state'>[];
  /** The source account (its EventBridge alone may assume the role); `${AWS::AccountId}` in a template. */
  readonly accountId: string;
  /** The source account's name, for the role's description. */
  readonly accountName: string;
  readonly centralBusName: string;
  readonly centralBusArn: string;
  readonly roleName: string;
  readonly deadLetterQueueName: string;
  readonly retryPolicy: RetryPolicy;
}

/** The queue policy of an event dead-letter queue: only the given rules may send, over TLS only. */
export function deadLetterQueueStatements(queueArn: string, ruleArns: readonly string[]): Statement[] {
  return [
    {
      sid: 'EventBridgeDeadLetters',
      actions: ACTIONS.sqsSend,
      resources: [queueArn],
      principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
      conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: ruleArns }],
    },
    denyInsecureTransport([queueArn]),
  ];
}

/**
 * Who may assume the forwarding role: EventBridge, for this account's forwarding rules only
 * (confused deputy). When EventBridge assumes a target's role, aws:SourceArn is the ARN of the rule
 * that sends the event (AWS, "Using IAM policy conditions in Amazon EventBridge").
 *
 * The one role serves the rules of every region, so the rule ARN's region is a wildcard: the
 * account and the rule names stay exact. A pattern per region would grow with `regions` and,
 * near 25 of them, push the trust policy past IAM's default 2,048-character limit; a rule of that
 * name in another region of this account could only pass the role with this account's
 * iam:PassRole, which the region segment would not stop anyway.
 */
export function forwardingRoleTrust(props: Pick<ForwardingDefinitionProps, 'partition' | 'accountId' | 'rules'>): Statement {
  const ruleNames = [...new Set(props.rules.map((r) => r.name))];
  const ruleArns = ruleNames.map((name) => arn({ partition: props.partition, service: 'events', region: '*', account: props.accountId, resource: `rule/${name}` }));
  return serviceTrust('events.amazonaws.com', [
    { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] },
    { test: 'ArnLike', variable: 'aws:SourceArn', values: ruleArns },
  ]);
}

export function ruleDescription(scope: RegionalRuleDefinition['scope']): string {
  const what = scope === 'global' ? 'events of global services (IAM, STS, sign-in, ...), which arrive in this region only' : 'API calls and console sign-ins of this region';
  return `trailbridge: forwards ${what} to the central bus`;
}

export function forwardingDefinition(props: ForwardingDefinitionProps): ForwardingDefinition {
  return {
    rules: props.rules.map((r) => ({ region: r.region, scope: r.scope, name: r.name, pattern: r.pattern, state: r.state, description: ruleDescription(r.scope) })),
    role: {
      name: props.roleName,
      description: `Lets the EventBridge rules of ${props.accountName} put events on the central bus ${props.centralBusName}`,
      trust: [forwardingRoleTrust(props)],
      policies: [{ name: 'put-events-on-central-bus', statements: [{ sid: 'PutEventsOnCentralBus', actions: ACTIONS.eventsPut, resources: [props.centralBusArn] }] }],
    },
    target: { id: CENTRAL_BUS_TARGET_ID, arn: props.centralBusArn, retryPolicy: props.retryPolicy },
    deadLetterQueue: {
      name: props.deadLetterQueueName,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      sqsManagedSse: true,
      statements: deadLetterQueueStatements,
    },
  };
}

/**
 * The region whose stack instance holds an account's global (IAM) resources in a template: IAM's own
 * region (us-east-1; us-gov-west-1, cn-north-1) when the rules reach it, else the first region of the rules.
 */
export function globalResourceRegion(regions: readonly string[]): string {
  if (regions.length === 0) throw new Error('globalResourceRegion: no region');
  return regions.find((region) => ALL_GLOBAL_EVENTS_REGIONS.includes(region)) ?? regions[0];
}

/** A listed source account's forwarding, as its source stack (either mode) deploys it. */
export function sourceForwardingDefinition(topology: Topology, naming: Naming, source: SourceAccount): ForwardingDefinition {
  const options = source.source.forwarding;
  return forwardingDefinition({
    partition: topology.partition,
    rules: regionalForwardingRules(topology, options),
    accountId: source.id,
    accountName: source.name,
    centralBusName: naming.centralBusName(),
    centralBusArn: naming.centralBusArn(),
    roleName: naming.eventForwardingRoleName(),
    deadLetterQueueName: naming.eventForwardingDlqName(),
    retryPolicy: { maximumRetryAttempts: options.retryAttempts, maximumEventAgeInSeconds: options.maxEventAgeInSeconds },
  });
}
