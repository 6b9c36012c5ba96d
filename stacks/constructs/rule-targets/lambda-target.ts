import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Construct } from 'constructs';
import type { CentralRule } from '../../catalog';
import { NodeFunction } from '../node-function';
import { EVENTS_SERVICE, RuleTarget, RuleTargetConfig } from './rule-target';

export interface LambdaTargetProps {
  /** The function of the rules that name none (the bucket-logger). @default - every rule names its function */
  readonly defaultFunction?: NodeFunction;
}

/**
 * The lambda target: a rule's own function (functionArn) or the default one, each invocable only
 * by the rules that target it (one permission per rule, in the scope given).
 */
export class LambdaTarget implements RuleTarget {
  constructor(private readonly scope: Construct, private readonly props: LambdaTargetProps) {}

  bind(rule: CentralRule, ruleArn: string): RuleTargetConfig {
    const fallback = this.props.defaultFunction?.function;
    // A function given by ARN is also named by it: lambda:AddPermission takes either.
    const fn = rule.functionArn !== undefined ? { arn: rule.functionArn, name: rule.functionArn } : fallback && { arn: fallback.arn, name: fallback.functionName };
    if (fn === undefined) {
      throw new Error(`${rule.path}: a lambda target without functionArn needs the target's defaultFunction (the bucket-logger); give the rule a functionArn or the LambdaTarget a defaultFunction`);
    }
    new LambdaPermission(this.scope, `invoke-${rule.id}`, {
      statementId: `events-${rule.id}`,
      action: 'lambda:InvokeFunction',
      functionName: fn.name,
      principal: EVENTS_SERVICE,
      sourceArn: ruleArn,
    });
    return { arn: fn.arn };
  }
}
