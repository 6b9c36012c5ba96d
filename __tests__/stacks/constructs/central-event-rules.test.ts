import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { CentralRule, centralRules } from '../../../stacks/catalog';
import { CentralEventRules, CentralEventRulesProps } from '../../../stacks/constructs/central-event-rules';
import { LambdaTarget, RuleTargetFactory } from '../../../stacks/constructs/rule-targets';
import { topologyWith } from '../../support/synth';

const retryPolicy = { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 };

/** The default topology's rules of one kind (at least one). */
function rulesOfKind(kind: CentralRule['target']): CentralRule[] {
  const rules = centralRules(topologyWith()).filter((r) => r.target === kind);
  expect(rules.length).toBeGreaterThan(0);
  return rules;
}

function synthRules(props: Partial<CentralEventRulesProps> & Pick<CentralEventRulesProps, 'rules' | 'targets'>): Record<string, any> {
  return JSON.parse(
    Testing.synthScope((scope: Construct) => {
      new CentralEventRules(scope, 'rules', { busName: 'central', retryPolicy, deadLetterQueueName: 'central-dlq', ...props });
    }),
  );
}

describe('CentralEventRules', () => {
  test('a new target kind plugs in through its factory: bound to each of its rules, with the common retry policy and DLQ', () => {
    const rules = rulesOfKind('sqs');
    const seen: string[][] = [];
    const queue: RuleTargetFactory = (_scope, ruleArns) => {
      seen.push([...ruleArns]);
      return { bind: (rule) => ({ arn: `arn:aws:sqs:us-east-1:333333333333:${rule.id}` }) };
    };
    const json = synthRules({ rules, targets: { sqs: queue } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toHaveLength(rules.length);
    const targets = Object.values(json.resource.aws_cloudwatch_event_target) as Record<string, any>[];
    expect(targets.map((t) => t.arn).sort()).toEqual(rules.map((r) => `arn:aws:sqs:us-east-1:333333333333:${r.id}`).sort());
    for (const target of targets) {
      expect(target.retry_policy).toEqual({ maximum_retry_attempts: 3, maximum_event_age_in_seconds: 600 });
      expect(target.dead_letter_config.arn).toMatch(/^\$\{aws_sqs_queue\.rules_dlq_queue_\w+\.arn\}$/);
    }
  });

  test("a kind's own retry policy and DLQ override the common ones", () => {
    const rules = rulesOfKind('sqs');
    const own: RuleTargetFactory = () => ({
      bind: () => ({ arn: 'arn:aws:sqs:us-east-1:333333333333:q', retryPolicy: { maximumRetryAttempts: 0 }, deadLetterConfig: { arn: 'arn:aws:sqs:us-east-1:333333333333:own-dlq' } }),
    });
    const targets = Object.values(synthRules({ rules, targets: { sqs: own } }).resource.aws_cloudwatch_event_target) as Record<string, any>[];
    expect(targets).toHaveLength(rules.length);
    expect(targets.every((t) => t.retry_policy.maximum_retry_attempts === 0 && t.dead_letter_config.arn.endsWith(':own-dlq'))).toBe(true);
  });

  test('fails naming every rule whose target kind has no factory', () => {
    const rules = [...rulesOfKind('sns'), ...rulesOfKind('logs')];
    expect(() => synthRules({ rules, targets: {} })).toThrow(
      /central rules: no target kind given for events\.useCases\["[a-z-]+"\] \(target sns\), .*\(target logs\); pass a factory for each kind the rules use in targets/,
    );
  });

  test('creates nothing but the rules when there are none', () => {
    expect(synthRules({ rules: [], targets: {} }).resource).toBeUndefined();
  });
});

describe('LambdaTarget', () => {
  test('fails when a rule names no function and the target has no default function', () => {
    const rules = rulesOfKind('lambda').filter((r) => r.functionArn === undefined);
    expect(rules.length).toBeGreaterThan(0);
    expect(() => synthRules({ rules, targets: { lambda: (scope) => new LambdaTarget(scope, {}) } })).toThrow(
      /events\.useCases\["s3-bucket-created"\]: a lambda target without functionArn needs the target's defaultFunction/,
    );
  });
});
