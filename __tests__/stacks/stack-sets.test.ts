import { MAX_OUS_PER_CALL } from '../../config/sections/stack-sets';
import { TopologyInput } from '../../config/schema';
import { Synthesized, SynthesizedStack, synthesize, topologyWith } from '../support/synth';
import { HANDLER_NAMES, HANDLER_PERMISSIONS, checkHandlerPermissions, templateResources } from '../../stacks/cloudformation/handler-permissions';
import type { Statement } from '../../stacks/constructs/iam';
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
    // CloudFormation's default goes one region after another: 33 regions of a few minutes each
    // outlast the provider's 30-minute create and update timeouts.
    const parallel = { region_concurrency_type: 'PARALLEL', max_concurrent_count: 1, failure_tolerance_count: 0 };
    expect(instances.operation_preferences).toEqual(parallel);
    expect(stackSet.operation_preferences).toEqual(parallel);
    // The providers-mode source of the same topology keeps a provider per region.
    expect(synth.stack('source-test').json.provider.aws).toHaveLength(3);
  });

  test('the execution role may create only the template\'s rules, queues, alarms and ops topic and pass only the forwarding role', () => {
    const statements = executionStatements(synth.stack('source-prod'));
    const bySid = (sid: string) => statements.find((s: any) => s.sid === sid);
    expect(statements.map((s: any) => s.sid)).toEqual([
      'StackSetStacks',
      'ForwardingRules',
      'DeadLetterQueues',
      'ForwardingAlarms',
      'OpsTopics',
      'OpsTopicSubscriptions',
      'CreateOpsTopicKeys',
      'OpsTopicKeys',
      'OpsTopicKeyAliases',
      'ListForwardingResources',
      'PassForwardingRoleToEventBridge',
    ]);
    // "*" only for what takes no resource: a key before it exists, subscriptions, and listing.
    const unscoped = statements.filter((s: any) => s.resources.includes('*'));
    expect(unscoped).toEqual([
      expect.objectContaining({ sid: 'OpsTopicSubscriptions', actions: ['sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes', 'sns:Unsubscribe'], resources: ['*'] }),
      expect.objectContaining({ sid: 'CreateOpsTopicKeys', actions: ['kms:CreateKey'], resources: ['*'] }),
      expect.objectContaining({ sid: 'ListForwardingResources', actions: ['events:ListRules', 'sqs:ListQueues', 'sns:ListTopics', 'kms:ListKeys', 'kms:ListAliases'], resources: ['*'] }),
    ]);
    const scoped = statements.filter((s: any) => !unscoped.includes(s));
    for (const s of scoped) for (const r of s.resources) expect(r).toMatch(/^arn:aws:[a-z]+:[*]?:?222222222222:|^arn:aws:iam::222222222222:role\//);
    // No service-wide wildcard but CloudFormation's on the StackSet's own stacks.
    expect(statements.flatMap((s: any) => s.actions).filter((a: string) => a.includes('*'))).toEqual(['cloudformation:*']);
    expect(bySid('ForwardingAlarms').resources.sort()).toEqual(['dlq-depth', 'failed-deliveries'].map((k) => `arn:aws:cloudwatch:*:222222222222:alarm:trailbridge-events-to-central-${k}`));
    expect(bySid('OpsTopics').resources).toEqual(['arn:aws:sns:*:222222222222:trailbridge-events-ops']);
    expect(bySid('OpsTopicKeyAliases').resources).toEqual(['arn:aws:kms:*:222222222222:alias/trailbridge-events-ops']);
    expect(bySid('PassForwardingRoleToEventBridge')).toMatchObject({ resources: ['arn:aws:iam::222222222222:role/trailbridge-events-to-central'], condition: [{ variable: 'iam:PassedToService', values: ['events.amazonaws.com'] }] });
  });

  test('the execution role has every action CloudFormation\'s handlers call for each resource type of the template, email subscriptions included', () => {
    const stack = synthesize(organization((t) => (t.events = { ...t.events, opsEmails: ['ops@example.com'] }))).stack('source-prod');
    const resources = templateResources(stackSetBody(stack));
    const types = [...new Set(resources.map((r) => r.type))];
    expect(types).toContain('AWS::SNS::Subscription');
    // A type the table lacks fails here: its handlers' actions are unknown, so not granted.
    expect(types.filter((type) => !HANDLER_PERMISSIONS[type])).toEqual([]);
    const granted = new Set(executionStatements(stack).flatMap((s: any) => s.actions));
    let checked = 0;
    for (const type of types) {
      const permissions = HANDLER_PERMISSIONS[type];
      const notNeeded = new Set((permissions.onlyWithProperty ?? []).flatMap((rule) => rule.actions));
      for (const handler of HANDLER_NAMES) {
        for (const action of permissions[handler].filter((a) => !notNeeded.has(a))) {
          expect({ type, handler, action, granted: granted.has(action) }).toEqual({ type, handler, action, granted: true });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(types.length * 2);
    // The same check the construct runs at synth, on the Terraform's statements.
    expect(checkHandlerPermissions(resources, fromTerraform(executionStatements(stack)))).toEqual([]);
  });

  test('a resource type without handler permissions, a missing action or a property needing a role fails the check with the fix', () => {
    const stack = synth.stack('source-prod');
    const resources = templateResources(stackSetBody(stack));
    const statements = fromTerraform(executionStatements(stack));
    expect(checkHandlerPermissions(resources, statements)).toEqual([]);
    const withLogGroup = [...resources, { logicalId: 'Logs', type: 'AWS::Logs::LogGroup', properties: {} }];
    expect(checkHandlerPermissions(withLogGroup, statements)).toEqual([expect.stringMatching(/^AWS::Logs::LogGroup: no handler permissions in HANDLER_PERMISSIONS .*add the handlers/)]);
    const withoutUntag = statements.map((s) => ({ ...s, actions: s.actions?.filter((a) => a !== 'cloudwatch:UntagResource') }));
    expect(checkHandlerPermissions(resources, withoutUntag)).toEqual(['AWS::CloudWatch::Alarm: the update handler calls cloudwatch:UntagResource, which no Allow statement grants']);
    const logged = resources.map((r) => (r.type === 'AWS::SNS::Topic' ? { ...r, properties: { ...r.properties, DeliveryStatusLogging: [] } } : r));
    expect(checkHandlerPermissions(logged, statements)).toEqual([expect.stringMatching(/^AWS::SNS::Topic OpsTopic: sets DeliveryStatusLogging, which needs iam:GetRole, iam:PassRole/)]);
  });

  test('every entry of the handler table names the schema it was copied from', () => {
    for (const [type, permissions] of Object.entries(HANDLER_PERMISSIONS)) {
      expect({ type, source: permissions.source }).toEqual({ type, source: expect.stringMatching(/^[\w-]+\/[\w-]+ [\w./-]+\.json/) });
      expect({ type, create: permissions.create.length > 0, delete: permissions.delete.length > 0 }).toEqual({ type, create: true, delete: true });
    }
  });
});

/** The execution role's policy statements as the synthesized aws_iam_policy_document holds them. */
function executionStatements(stack: SynthesizedStack): any[] {
  const [[, policy]] = stack.resources('aws_iam_role_policy').filter(([, p]) => p.name === 'regional-forwarding-resources');
  return stack.policyDocument(policy.policy).statement;
}

/** Terraform's statement blocks as Statements (effect, actions; resources as they are). */
function fromTerraform(statements: any[]): Statement[] {
  return statements.map((s) => ({ sid: s.sid, effect: s.effect, actions: s.actions, resources: s.resources }));
}

/** The StackSet's template body, with Terraform's literal escapes ($${, %%{) undone. */
function stackSetBody(stack: SynthesizedStack): string {
  const [[, stackSet]] = stack.resources('aws_cloudformation_stack_set');
  return String(stackSet.template_body).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

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
    // STRICT_FAILURE_TOLERANCE (CloudFormation's default) runs min(max concurrent, failure tolerance + 1)
    // accounts at once: with a tolerance of 0, one account at a time, however many the OUs hold.
    expect(instances.operation_preferences).toEqual({
      concurrency_mode: 'SOFT_FAILURE_TOLERANCE',
      region_concurrency_type: 'PARALLEL',
      max_concurrent_percentage: 25,
      failure_tolerance_percentage: 0,
      region_order: ['us-east-1', 'us-east-2', 'eu-west-1'],
    });
  });

  test('the topology\'s failure tolerance and concurrency reach CloudFormation as they are: a tolerance of N lets N accounts of a region fail, the next one stops it', () => {
    const stack = synthesize(
      organization((t) => (t.organizationForwarding!.operationPreferences = { regionConcurrency: 'SEQUENTIAL', maxConcurrentPercentage: 40, failureTolerancePercentage: 10 })),
    ).stack('organization-forwarding');
    const expected = { region_concurrency_type: 'SEQUENTIAL', max_concurrent_percentage: 40, failure_tolerance_percentage: 10, region_order: ['us-east-1', 'us-east-2', 'eu-west-1'] };
    expect(stack.resources('aws_cloudformation_stack_set')[0][1].operation_preferences).toEqual(expected);
    expect(stack.resources('aws_cloudformation_stack_instances')[0][1].operation_preferences).toEqual({ ...expected, concurrency_mode: 'SOFT_FAILURE_TOLERANCE' });
  });

  test('from the management account when the topology says so (call_as SELF)', () => {
    const stack = synthesize(organization((t) => (t.organizationForwarding!.deployFrom = 'management'))).stack('organization-forwarding');
    expect(stack.json.provider.aws).toEqual([expect.objectContaining({ allowed_account_ids: ['111111111111'] })]);
    expect(stack.resources('aws_cloudformation_stack_set')[0][1].call_as).toBe('SELF');
  });

  test('waits the operationTimeoutInMinutes for every StackSet operation; the provider\'s default without it', () => {
    const resources = (stack: SynthesizedStack) => [stack.resources('aws_cloudformation_stack_set')[0][1], stack.resources('aws_cloudformation_stack_instances')[0][1]];
    const [stackSet, instances] = resources(synthesize(organization((t) => (t.organizationForwarding!.operationTimeoutInMinutes = 240))).stack('organization-forwarding'));
    expect(stackSet.timeouts).toEqual({ update: '240m' });
    expect(instances.timeouts).toEqual({ create: '240m', update: '240m', delete: '240m' });
    for (const r of resources(synth.stack('organization-forwarding'))) expect(r.timeouts).toBeUndefined();
  });

  test('call_as SELF when the security account is the management account (it cannot be its own delegated administrator)', () => {
    const stack = synthesize(organization((t) => (t.organization!.managementAccount = 'infosec-mgmt'))).stack('organization-forwarding');
    expect(stack.json.provider.aws).toEqual([expect.objectContaining({ allowed_account_ids: ['333333333333'] })]);
    expect(stack.resources('aws_cloudformation_stack_set')[0][1].call_as).toBe('SELF');
    expect(stack.resources('aws_cloudformation_stack_instances')[0][1].call_as).toBe('SELF');
  });

  test(`all the OUs (up to ${MAX_OUS_PER_CALL}) go in one aws_cloudformation_stack_instances: the provider reads every instance of the StackSet into each`, () => {
    const ous = Array.from({ length: MAX_OUS_PER_CALL }, (_, i) => ({ id: `ou-ab12-${String(i).padStart(8, '0')}` }));
    const stack = synthesize(organization((t) => (t.organizationForwarding!.organizationalUnits = ous))).stack('organization-forwarding');
    const calls = stack.resources('aws_cloudformation_stack_instances').map(([, r]) => r.deployment_targets.organizational_unit_ids);
    expect(calls).toEqual([ous.map((o) => o.id)]);
    // A second resource for the 51st OU would read the first one's OUs as its own and delete them.
    const more = [...ous, { id: 'ou-ab12-zz999999' }];
    expect(() => synthesize(organization((t) => (t.organizationForwarding!.organizationalUnits = more)))).toThrow(/organizationForwarding\.organizationalUnits: 51 OUs; CloudFormation takes at most 50/);
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
