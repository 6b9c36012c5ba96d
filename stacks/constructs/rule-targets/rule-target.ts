import { CloudwatchEventTargetConfig } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { Construct } from 'constructs';
import type { CentralRule } from '../../catalog';
import type { Statement } from '../iam';

/** The service principal of EventBridge, which every target's resource policy or role trusts. */
export const EVENTS_SERVICE = 'events.amazonaws.com';

/**
 * What one rule's target needs: where its events go and, where the kind needs them, the role
 * EventBridge assumes and the input transformer. A target gives a retry policy or dead-letter
 * queue of its own only to override the rules' common ones.
 */
export type RuleTargetConfig = Pick<CloudwatchEventTargetConfig, 'arn'> &
  Partial<Pick<CloudwatchEventTargetConfig, 'roleArn' | 'inputTransformer' | 'retryPolicy' | 'deadLetterConfig'>>;

/**
 * One target kind of the central rules (the alert topic, the buffer queue, ...), as aws-cdk-lib's
 * IRuleTarget: it owns its resources and their resource policy, and `bind` tells each rule that
 * uses it what its target needs (adding a per-rule grant where the kind has one).
 *
 * A target is not a construct of its own: its resources live in the scope its factory is given
 * (the rules' construct), because construct ids are Terraform addresses and a scope of its own
 * would move every one of them.
 */
export interface RuleTarget {
  bind(rule: CentralRule, ruleArn: string): RuleTargetConfig;
}

/**
 * Creates a target kind in the rules' scope, given the ARNs of the rules that use it (its
 * resource policy admits exactly those) and those rules, in the same order. Called only for a
 * kind some rule uses.
 */
export type RuleTargetFactory = (scope: Construct, ruleArns: readonly string[], rules: readonly CentralRule[]) => RuleTarget;

/** Props of a target whose resource policy admits the rules that use it. */
export interface AdmitsRules {
  /** The rules that may deliver to it (aws:SourceArn). */
  readonly ruleArns: readonly string[];
}

/** Lets EventBridge do `actions` on `resource` for the given rules only. */
export function eventBridgeFor(sid: string, actions: readonly string[], resource: string, ruleArns: readonly string[]): Statement {
  return {
    sid,
    actions,
    resources: [resource],
    principals: [{ type: 'Service', identifiers: [EVENTS_SERVICE] }],
    conditions: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: ruleArns }],
  };
}
