import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget, CloudwatchEventTargetRetryPolicy } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { Construct } from 'constructs';
import type { TargetKind } from '../../config/sections/events';
import { CentralRule } from '../catalog';
import { EventDeadLetterQueue } from './event-dead-letter-queue';
import { RuleTarget, RuleTargetFactory } from './rule-targets';

export interface CentralEventRulesProps {
  /** Name of the central bus (a reference, so rules follow the bus). */
  readonly busName: string;
  /** The rules, as the catalog plans them (`centralRules(topology)`). */
  readonly rules: readonly CentralRule[];
  /** The target kinds, each created only when a rule uses it. A rule's kind must be here. */
  readonly targets: Readonly<Partial<Record<TargetKind, RuleTargetFactory>>>;
  /** The retry policy of every target, unless its kind gives its own. */
  readonly retryPolicy: CloudwatchEventTargetRetryPolicy;
  /** The dead-letter queue of every target, unless its kind gives its own. */
  readonly deadLetterQueueName: string;
}

/**
 * The use-case rules of the central bus and their targets. A target kind is created only when an
 * enabled rule uses it, and binds itself to each such rule (see rule-targets/); every target gets
 * the common retry policy and dead-letter queue, and every resource policy admits exactly the
 * rules that target it.
 */
export class CentralEventRules extends Construct {
  readonly rules: ReadonlyMap<string, CloudwatchEventRule>;
  readonly deadLetterQueue?: EventDeadLetterQueue;
  /** The target kinds the rules use. */
  readonly targets: ReadonlyMap<TargetKind, RuleTarget>;

  constructor(scope: Construct, id: string, props: CentralEventRulesProps) {
    super(scope, id);
    const factories = targetFactories(props.rules, props.targets);
    const bound = props.rules.map((rule) => ({ rule, resource: this.ruleOf(rule, props.busName) }));
    this.rules = new Map(bound.map(({ rule, resource }) => [rule.id, resource]));
    const targets = new Map<TargetKind, RuleTarget>();
    this.targets = targets;
    if (bound.length === 0) return;

    const dlq = new EventDeadLetterQueue(this, 'dlq', { queueName: props.deadLetterQueueName, ruleArns: bound.map((b) => b.resource.arn) });
    this.deadLetterQueue = dlq;
    for (const [kind, factory] of factories) {
      const using = bound.filter((b) => b.rule.target === kind);
      const target = factory(this, using.map((b) => b.resource.arn), using.map((b) => b.rule));
      targets.set(kind, target);
      for (const { rule, resource } of using) {
        const { arn, roleArn, inputTransformer, retryPolicy, deadLetterConfig } = target.bind(rule, resource.arn);
        new CloudwatchEventTarget(this, `target-${rule.id}`, {
          rule: resource.name,
          eventBusName: props.busName,
          targetId: rule.target,
          retryPolicy: retryPolicy ?? props.retryPolicy,
          deadLetterConfig: deadLetterConfig ?? { arn: dlq.queue.arn },
          arn,
          roleArn,
          inputTransformer,
        });
      }
    }
  }

  private ruleOf(rule: CentralRule, busName: string): CloudwatchEventRule {
    return new CloudwatchEventRule(this, `rule-${rule.id}`, {
      name: rule.name,
      eventBusName: busName,
      description: `trailbridge ${ORIGIN_WORDS[rule.origin]}: ${rule.description || rule.title}`.slice(0, 512),
      eventPattern: JSON.stringify(rule.pattern),
      state: rule.state,
      tags: rule.tags,
    });
  }
}

const ORIGIN_WORDS: Readonly<Record<CentralRule['origin'], string>> = { catalog: 'use case', custom: 'custom rule', sigma: 'Sigma rule' };

/** The factory of every kind the rules use, in first-use order; fails naming each rule whose kind has none. */
function targetFactories(
  rules: readonly CentralRule[],
  targets: CentralEventRulesProps['targets'],
): [TargetKind, RuleTargetFactory][] {
  const kinds = [...new Set(rules.map((r) => r.target))];
  const found = kinds.flatMap((kind): [TargetKind, RuleTargetFactory][] => {
    const factory = targets[kind];
    return factory ? [[kind, factory]] : [];
  });
  const missing = rules.filter((r) => targets[r.target] === undefined).map((r) => `${r.path} (target ${r.target})`);
  if (missing.length > 0) {
    throw new Error(`central rules: no target kind given for ${missing.join(', ')}; pass a factory for each kind the rules use in targets`);
  }
  return found;
}
