import { Construct } from 'constructs';
import { Naming } from '../config/naming';
import { SourceAccount, Topology } from '../config/schema';
import { ForwardingRule, enabledResponses, forwardingRegions, forwardingRules, sourceRoleNeeded } from './catalog';
import { sourceForwardingDefinition } from './catalog/forwarding-definition';
import { AccountTrail, trailPropsFrom } from './constructs/account-trail';
import { RegionalEventForwarding } from './constructs/regional-event-forwarding';
import { FORWARDING_ALARM_KINDS, ForwardingAlarmInput, SourceForwardingAlarms } from './constructs/source-forwarding-alarms';
import { SourceResponderRole } from './constructs/source-responder-role';
import { SourceForwardingStackSet } from './constructs/source-forwarding-stack-set';
import { sourceStackSetTemplate } from './cloudformation/stack-set-templates';
import { accountWithRole } from '../config/accounts';
import { TrailbridgeStack } from './trailbridge-stack';

/** `source-<name>`: a source account's trail, its regional forwarding rules and their role, and the responder's role. */
export class SourceStack extends TrailbridgeStack {
  constructor(scope: Construct, topology: Topology, naming: Naming, readonly source: SourceAccount) {
    super(scope, naming.sourceStackName(source), {
      topology,
      naming,
      account: source,
      // A rule fires only in the region of the API call: every enabled region needs one (and
      // us-east-1 for the global services' events, also when it is not enabled).
      // A StackSet reaches the regions instead, from the one provider (docs/scale.md).
      extraRegions: source.source.forwardingDeployment === 'stackset' ? [] : [...topology.regions, ...forwardingRegions(topology, source)],
    });

    // Flow 1: the account's trail, delivering to its bucket in the log-archive account (in
    // organization mode the organization-trail stack logs this account instead).
    if (topology.trails.mode === 'account') {
      const trail = { name: naming.trailName(source), arn: naming.trailArn(source), bucketName: naming.trailBucketName(source), options: source.source, organizationTrail: false };
      new AccountTrail(this, 'trail', trailPropsFrom(naming, trail));
    }

    // Flow 2: API calls and console sign-ins of every region to the central bus.
    const definition = sourceForwardingDefinition(topology, naming, source);
    if (source.source.forwardingDeployment === 'stackset' && definition.rules.length > 0) {
      new SourceForwardingStackSet(this, 'event-forwarding-stack-set', {
        partition: topology.partition,
        accountId: source.id,
        definition,
        template: sourceStackSetTemplate(topology, naming, source),
        stackSetName: naming.sourceForwardingStackSetName(),
        administrationRoleName: naming.stackSetAdministrationRoleName(),
        executionRoleName: naming.stackSetExecutionRoleName(),
        alarms: {
          alarmNames: FORWARDING_ALARM_KINDS.map((kind) => naming.eventForwardingAlarmName(kind)),
          opsTopicName: naming.eventsOpsTopicName(),
          opsKeyAlias: naming.eventsOpsKeyAlias(),
        },
      });
    } else {
      new RegionalEventForwarding(this, 'event-forwarding', { definition, providerFor: (region) => this.providerFor(region) });
      // Watched in the rule's own region, where its metrics are and its alarms may notify.
      for (const rule of forwardingRules(topology).filter((r) => r.account.id === source.id)) {
        new SourceForwardingAlarms(this, `forwarding-alarms-${rule.region}`, {
          ...forwardingAlarmInput(naming, rule),
          partition: topology.partition,
          accountId: source.id,
          opsTopicName: naming.eventsOpsTopicName(),
          opsKeyAlias: naming.eventsOpsKeyAlias(),
          alarmNamePrefix: naming.eventForwardingAlarmNamePrefix(),
          opsEmails: topology.events.opsEmails,
          provider: this.providerFor(rule.region),
        });
      }
    }

    // Responses: the role the responder acts through here, only when a response needs the account.
    if (sourceRoleNeeded(topology)) {
      new SourceResponderRole(this, 'responder', {
        partition: topology.partition,
        accountId: source.id,
        roleName: naming.responderRoleName(),
        functionRoleArn: naming.responderFunctionRoleArn(),
        functionAccountId: accountWithRole(topology, 'security').id,
        sessionName: naming.responderSessionName,
        responses: enabledResponses(topology),
        mfaPolicyName: naming.mfaPolicyName(),
        mfaPolicyArn: naming.mfaPolicyArn(source),
      });
    }
  }
}

/** What the alarms of one forwarding rule watch (a StackSet template and the docs use it too). */
export function forwardingAlarmInput(naming: Naming, rule: ForwardingRule): ForwardingAlarmInput {
  const forwarding = rule.account.source.forwarding;
  return {
    accountName: rule.account.name,
    region: rule.region,
    ruleName: rule.name,
    deadLetterQueueName: naming.eventForwardingDlqName(),
    centralBusName: naming.centralBusName(),
    roleName: naming.eventForwardingRoleName(),
    retryAttempts: forwarding.retryAttempts,
    maxEventAgeInSeconds: forwarding.maxEventAgeInSeconds,
    alarmName: (kind) => naming.eventForwardingAlarmName(kind),
  };
}
