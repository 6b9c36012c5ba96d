import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Construct } from 'constructs';
import type { CentralRule } from '../../catalog';
import { EVENTS_SERVICE, RuleTarget, RuleTargetConfig } from './rule-target';

/** What the responder expects (functions/responder/README.md, "Input"): EventBridge's predefined variables need no paths. */
export const RESPONDER_INPUT_TEMPLATE = '{"rule": "<aws.events.rule-name>", "event": <aws.events.event.json>}';

/** The rule a responder target binds to: a use-case rule, or an action response's rule. */
export type ResponderBoundRule = Pick<CentralRule, 'id'>;

/**
 * The responder as a rule target, an extra one beside a use case's own target: the rule name and
 * the event through the input transformer, and an invoke permission for that rule alone.
 */
export class ResponderTarget implements RuleTarget {
  constructor(private readonly scope: Construct, private readonly fn: { readonly arn: string; readonly functionName: string }) {}

  bind(rule: ResponderBoundRule, ruleArn: string): RuleTargetConfig {
    new LambdaPermission(this.scope, `invoke-${rule.id}`, {
      statementId: `events-${rule.id}`,
      action: 'lambda:InvokeFunction',
      functionName: this.fn.functionName,
      principal: EVENTS_SERVICE,
      sourceArn: ruleArn,
    });
    return { arn: this.fn.arn, inputTransformer: { inputPaths: {}, inputTemplate: RESPONDER_INPUT_TEMPLATE } };
  }
}
