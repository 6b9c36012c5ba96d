import { CloudwatchEventApiDestination } from '@cdktf/provider-aws/lib/cloudwatch-event-api-destination';
import { CloudwatchEventConnection, CloudwatchEventConnectionAuthParameters } from '@cdktf/provider-aws/lib/cloudwatch-event-connection';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Construct } from 'constructs';
import type { ApiDestinationOptions } from '../../../config/sections/destinations';
import { CentralRule, InputTransformer, jiraIssueTransformer, resolveDestination, serviceNowIncidentTransformer } from '../../catalog';
import { invokeRole } from './invoke-role';
import { RuleTarget, RuleTargetConfig } from './rule-target';

/**
 * What Terraform writes as the connection's credential until an operator sets the real one. Not a
 * secret: it says what to do instead.
 */
export const PLACEHOLDER_CREDENTIAL = 'PLACEHOLDER: set the real credential with aws events update-connection (see docs/flow-2-events.md)';

export interface ApiDestinationTargetProps {
  /** The API destinations of one kind (servicenow, jira or webhook) the rules may name. */
  readonly destinations: readonly ApiDestinationOptions[];
  /** The rules that use the kind, in the order of their ARNs. */
  readonly rules: readonly CentralRule[];
  readonly ruleArns: readonly string[];
  /** The account of the rules (each role trusts EventBridge of this account only). */
  readonly accountId: string;
  /** Physical names of a destination's connection and API destination, and of its role. */
  readonly nameOf: (destination: string) => string;
  readonly roleNameOf: (destination: string) => string;
  /** The customer managed key EventBridge encrypts each connection's credential with (a ConnectionKey). */
  readonly keyArn: string;
}

interface Bound {
  readonly options: ApiDestinationOptions;
  readonly apiDestination: CloudwatchEventApiDestination;
  readonly role: IamRole;
}

/**
 * The servicenow, jira and webhook targets: per destination some rule uses, a connection whose
 * credential an operator sets out of band (Terraform keeps a placeholder and ignores changes),
 * encrypted with the given customer managed key (not EventBridge's AWS owned one), an
 * API destination with its rate limit, and a role that may only invoke it, trusted by exactly the
 * rules that target it. Each rule sends the body its tool's REST API expects.
 */
export class ApiDestinationTarget implements RuleTarget {
  /** Rule id -> the destination it delivers to. */
  private readonly byRule = new Map<string, Bound>();

  constructor(scope: Construct, props: ApiDestinationTargetProps) {
    const used = new Map<string, { options: ApiDestinationOptions; rules: CentralRule[]; ruleArns: string[] }>();
    props.rules.forEach((rule, i) => {
      const options = destinationOf(rule, props.destinations);
      const entry = used.get(options.name) ?? { options, rules: [], ruleArns: [] };
      entry.rules.push(rule);
      entry.ruleArns.push(props.ruleArns[i]);
      used.set(options.name, entry);
    });
    for (const { options, rules, ruleArns } of used.values()) {
      const id = `destination-${options.name}`;
      const name = props.nameOf(options.name);
      const connection = new CloudwatchEventConnection(scope, `${id}-connection`, {
        name,
        description: `trailbridge: credential of ${options.kind} destination ${options.name}, set by an operator`,
        authorizationType: options.kind === 'webhook' ? 'API_KEY' : 'BASIC',
        authParameters: placeholderAuth(options),
        kmsKeyIdentifier: props.keyArn,
        // The real credential is set with aws events update-connection and never read back; an
        // apply must neither see it nor reset it.
        lifecycle: { ignoreChanges: ['auth_parameters'] },
      });
      const apiDestination = new CloudwatchEventApiDestination(scope, id, {
        name,
        description: `trailbridge: ${options.kind} destination ${options.name}`,
        invocationEndpoint: invocationEndpoint(options),
        httpMethod: 'POST',
        invocationRateLimitPerSecond: options.rateLimitPerSecond,
        connectionArn: connection.arn,
      });
      const role = invokeRole(scope, `${id}-role`, {
        roleName: props.roleNameOf(options.name),
        description: `Lets the central EventBridge rules invoke the ${options.kind} API destination ${name}`,
        accountId: props.accountId,
        ruleArns,
        action: 'events:InvokeApiDestination',
        resource: apiDestination.arn,
      });
      for (const rule of rules) this.byRule.set(rule.id, { options, apiDestination, role });
    }
  }

  bind(rule: CentralRule): RuleTargetConfig {
    const bound = this.byRule.get(rule.id);
    if (bound === undefined) throw new Error(`${rule.path}: the rule was not given to this target's constructor; pass every rule of the kind in rules`);
    return { arn: bound.apiDestination.arn, roleArn: bound.role.arn, inputTransformer: bodyOf(rule, bound.options) };
  }
}

function destinationOf(rule: CentralRule, destinations: readonly ApiDestinationOptions[]): ApiDestinationOptions {
  const resolved = resolveDestination(rule, destinations.filter((d) => d.kind === rule.target));
  if ('problem' in resolved) throw new Error(`${resolved.problem.path}: ${resolved.problem.message}`);
  return resolved.destination;
}

/** The REST endpoint each kind posts to. */
export function invocationEndpoint(options: ApiDestinationOptions): string {
  switch (options.kind) {
    case 'servicenow':
      return new URL('/api/now/table/incident', options.instanceUrl).href;
    case 'jira':
      return new URL('/rest/api/3/issue', options.siteUrl).href;
    case 'webhook':
      return options.endpoint;
  }
}

function placeholderAuth(options: ApiDestinationOptions): CloudwatchEventConnectionAuthParameters {
  return options.kind === 'webhook'
    ? { apiKey: { key: options.headerName, value: PLACEHOLDER_CREDENTIAL } }
    : { basic: { username: options.username, password: PLACEHOLDER_CREDENTIAL } };
}

/** The webhook gets the event unchanged. */
function bodyOf(rule: CentralRule, options: ApiDestinationOptions): InputTransformer | undefined {
  if (options.kind === 'servicenow') return serviceNowIncidentTransformer(rule, options);
  if (options.kind === 'jira') return jiraIssueTransformer(rule, options);
  return undefined;
}
