import { MAX_OUS_PER_CALL } from '../../config/sections/stack-sets';
import { TopologyInput } from '../../config/schema';
import { Synthesized, synthesize, topologyWith } from '../support/synth';
import { organizationForwardingNotes } from '../../stacks/organization-forwarding-stack';

function organization(edit: (t: TopologyInput) => void = () => undefined) {
  return topologyWith((t) => {
    t.organization = { id: 'o-a1b2c3d4e5', managementAccount: 'test' };
    t.accounts[1].source = { ...t.accounts[1].source!, forwardingDeployment: 'stackset' };
    t.organizationForwarding = { organizationalUnits: [{ id: 'ou-ab12-cd34ef56' }, { id: 'ou-ab12-ef56gh78' }] };
    edit(t);
  });
}

describe('forwardingDeployment "stackset": a self-managed StackSet of the source account', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(organization());
  });

  test('the stack has one provider and no regional resource of its own; one stack instance per region', () => {
    const stack = synth.stack('source-prod');
    expect(stack.json.provider.aws).toHaveLength(1);
    expect(stack.resources('aws_cloudwatch_event_rule')).toEqual([]);
    const [[, stackSet]] = stack.resources('aws_cloudformation_stack_set');
    expect(stackSet).toMatchObject({ permission_model: 'SELF_MANAGED', execution_role_name: expect.stringMatching(/^\$\{aws_iam_role\.event-forwarding-stack-set_execution-role_\w+\.name\}$/) });
    // CloudFormation's ${AWS::...} reach it as written: Terraform would read them as its own interpolation.
    expect(stackSet.template_body).toContain('$${AWS::AccountId}');
    expect(stackSet.template_body).not.toMatch(/(^|[^$])\$\{AWS::/);
    const [[, instances]] = stack.resources('aws_cloudformation_stack_instances');
    expect(instances).toMatchObject({ accounts: ['222222222222'], regions: ['us-east-1', 'us-east-2', 'eu-west-1'] });
    // The providers-mode source of the same topology keeps a provider per region.
    expect(synth.stack('source-test').json.provider.aws).toHaveLength(3);
  });

  test('the execution role may create only the template\'s rules, queues, alarms and ops topic and pass only the forwarding role', () => {
    const stack = synth.stack('source-prod');
    const [[, policy]] = stack.resources('aws_iam_role_policy').filter(([, p]) => p.name === 'regional-forwarding-resources');
    const statements = stack.policyDocument(policy.policy).statement;
    const bySid = (sid: string) => statements.find((s: any) => s.sid === sid);
    expect(statements.map((s: any) => s.sid)).toEqual(['StackSetStacks', 'ForwardingRules', 'DeadLetterQueues', 'ForwardingAlarms', 'OpsTopics', 'CreateOpsTopicKeys', 'OpsTopicKeys', 'OpsTopicKeyAliases', 'PassForwardingRoleToEventBridge']);
    // kms:CreateKey alone takes "*": a key has no ARN before it exists.
    const unscoped = statements.filter((s: any) => s.resources.includes('*'));
    expect(unscoped).toEqual([expect.objectContaining({ sid: 'CreateOpsTopicKeys', actions: ['kms:CreateKey'], resources: ['*'] })]);
    for (const s of statements) if (s !== unscoped[0]) for (const r of s.resources) expect(r).toMatch(/^arn:aws:[a-z]+:[*]?:?222222222222:|^arn:aws:iam::222222222222:role\//);
    expect(bySid('ForwardingAlarms').resources.sort()).toEqual(['dlq-depth', 'failed-deliveries'].map((k) => `arn:aws:cloudwatch:*:222222222222:alarm:trailbridge-events-to-central-${k}`));
    expect(bySid('OpsTopics').resources).toEqual(['arn:aws:sns:*:222222222222:trailbridge-events-ops']);
    expect(bySid('OpsTopicKeyAliases').resources).toEqual(['arn:aws:kms:*:222222222222:alias/trailbridge-events-ops']);
    expect(bySid('PassForwardingRoleToEventBridge')).toMatchObject({ resources: ['arn:aws:iam::222222222222:role/trailbridge-events-to-central'], condition: [{ variable: 'iam:PassedToService', values: ['events.amazonaws.com'] }] });
  });
});

describe('organizationForwarding: a service-managed StackSet for the OUs', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(organization());
  });

  test('lives in the security account as delegated administrator, with auto-deployment and safe operation preferences', () => {
    const stack = synth.stack('organization-forwarding');
    expect(stack.json.provider.aws).toEqual([expect.objectContaining({ allowed_account_ids: ['333333333333'] })]);
    const [[, stackSet]] = stack.resources('aws_cloudformation_stack_set');
    expect(stackSet).toMatchObject({
      permission_model: 'SERVICE_MANAGED',
      call_as: 'DELEGATED_ADMIN',
      auto_deployment: { enabled: true, retain_stacks_on_account_removal: false },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      operation_preferences: { region_concurrency_type: 'PARALLEL', max_concurrent_percentage: 25, failure_tolerance_percentage: 0, region_order: ['us-east-1', 'us-east-2', 'eu-west-1'] },
    });
    const [[, instances]] = stack.resources('aws_cloudformation_stack_instances');
    expect(instances).toMatchObject({ call_as: 'DELEGATED_ADMIN', deployment_targets: { organizational_unit_ids: ['ou-ab12-cd34ef56', 'ou-ab12-ef56gh78'] } });
  });

  test('from the management account when the topology says so (call_as SELF)', () => {
    const stack = synthesize(organization((t) => (t.organizationForwarding!.deployFrom = 'management'))).stack('organization-forwarding');
    expect(stack.json.provider.aws).toEqual([expect.objectContaining({ allowed_account_ids: ['111111111111'] })]);
    expect(stack.resources('aws_cloudformation_stack_set')[0][1].call_as).toBe('SELF');
  });

  test(`OUs go in calls of at most ${MAX_OUS_PER_CALL}`, () => {
    const ous = Array.from({ length: MAX_OUS_PER_CALL + 1 }, (_, i) => ({ id: `ou-ab12-${String(i).padStart(8, '0')}` }));
    const stack = synthesize(organization((t) => (t.organizationForwarding!.organizationalUnits = ous))).stack('organization-forwarding');
    const calls = stack.resources('aws_cloudformation_stack_instances').map(([, r]) => r.deployment_targets.organizational_unit_ids);
    expect(calls.map((c) => c.length).sort()).toEqual([1, MAX_OUS_PER_CALL]);
    expect(calls.flat().sort()).toEqual(ous.map((o) => o.id).sort());
  });

  test('the central bus admits the forwarding role of any account of the organization', () => {
    const stack = synth.stack('security-events');
    const [[, policy]] = stack.resources('aws_cloudwatch_event_bus_policy');
    expect(stack.policyDocument(policy.policy).statement[0].condition).toEqual(
      expect.arrayContaining([
        { test: 'StringEquals', variable: 'aws:PrincipalOrgID', values: ['o-a1b2c3d4e5'] },
        { test: 'ArnLike', variable: 'aws:PrincipalArn', values: ['arn:aws:iam::*:role/trailbridge-events-to-central'] },
      ]),
    );
  });

  test('synth says the management account keeps its own source stack, or is not covered', () => {
    expect(organizationForwardingNotes(organization())).toEqual([expect.stringMatching(/management account test \(111111111111\) is never reached.*keeps its own stack source-test/)]);
    const uncovered = organization((t) => {
      t.accounts.push({ name: 'root', id: '999999999999', roles: ['observability'] } as never);
      t.accounts[3].roles = ['incident-response'];
      t.organization!.managementAccount = 'root';
    });
    expect(organizationForwardingNotes(uncovered)).toEqual([expect.stringMatching(/management account root is never reached.*not a source account/)]);
    expect(synth.stacks.organizationForwarding).toBeDefined();
    expect(synth.stack('source-test').resources('aws_cloudwatch_event_rule')).toHaveLength(3);
  });
});
