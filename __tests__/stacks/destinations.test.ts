import { Testing } from 'cdktf';
import { Naming } from '../../config/naming';
import { TopologyError } from '../../config/problems';
import { TopologyInput } from '../../config/schema';
import { eventTopologyProblems } from '../../stacks/catalog';
import { PLACEHOLDER_CREDENTIAL } from '../../stacks/constructs/rule-targets';
import { SecurityEventsStack } from '../../stacks/security-events-stack';
import { SynthesizedStack, topologyWith } from '../support/synth';

const MACHINE_ARN = 'arn:aws:states:us-east-1:333333333333:stateMachine:quarantine';

/** One destination of each kind, two ServiceNow instances, and rules on each. */
const withDestinations = (t: TopologyInput) => {
  t.events = {
    apiDestinations: [
      { kind: 'servicenow', name: 'snow', instanceUrl: 'https://acme.service-now.com', username: 'trailbridge', urgency: '1' },
      { kind: 'servicenow', name: 'snow-dev', instanceUrl: 'https://acme-dev.service-now.com/', username: 'trailbridge' },
      { kind: 'jira', name: 'jira', siteUrl: 'https://acme.atlassian.net', projectKey: 'SEC', username: 'bot@example.com', rateLimitPerSecond: 5 },
      { kind: 'webhook', name: 'hook', endpoint: 'https://hooks.example.com/trailbridge', headerName: 'X-Api-Key' },
    ],
    stateMachines: [{ name: 'quarantine', stateMachineArn: MACHINE_ARN }],
    useCases: {
      'root-account-usage': { target: 'servicenow', destination: 'snow' },
      'cloudtrail-changed': { target: 'servicenow', destination: 'snow' },
      'iam-policy-changed': { target: 'jira' },
      'kms-key-disabled-or-deleted': { target: 'webhook' },
      'security-group-open-to-world': { target: 'stepfunctions' },
    },
  };
};

function synthSecurityEvents(edit: (t: TopologyInput) => void): SynthesizedStack {
  const topology = topologyWith(edit);
  const stack = new SecurityEventsStack(Testing.app(), topology, new Naming(topology));
  return new SynthesizedStack('security-events', JSON.parse(Testing.synth(stack)));
}

const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

describe('security-events: ticketing and workflow targets', () => {
  const stack = synthSecurityEvents(withDestinations);
  const ruleArn = (name: string) => ref('aws_cloudwatch_event_rule', stack.resources('aws_cloudwatch_event_rule').find(([, r]) => r.name === name)![0], 'arn');
  const targetOf = (ruleName: string) => {
    const [id] = stack.resources('aws_cloudwatch_event_rule').find(([, r]) => r.name === ruleName)!;
    const found = stack.resources('aws_cloudwatch_event_target').filter(([, t]) => t.rule === ref('aws_cloudwatch_event_rule', id, 'name'));
    expect(found).toHaveLength(1);
    return found[0][1];
  };
  const roleNamed = (name: string) => stack.resources('aws_iam_role').find(([, r]) => r.name === name)!;

  test('only the destinations some rule uses exist: a connection and an API destination each', () => {
    const connections = stack.resources('aws_cloudwatch_event_connection').map(([, c]) => c);
    expect(connections.map((c) => c.name).sort()).toEqual(['trailbridge-hook', 'trailbridge-jira', 'trailbridge-snow']);
    const endpoints = stack.resources('aws_cloudwatch_event_api_destination').map(([, d]) => [d.name, d.invocation_endpoint, d.http_method, d.invocation_rate_limit_per_second]);
    expect(endpoints.sort()).toEqual([
      ['trailbridge-hook', 'https://hooks.example.com/trailbridge', 'POST', 10],
      ['trailbridge-jira', 'https://acme.atlassian.net/rest/api/3/issue', 'POST', 5],
      ['trailbridge-snow', 'https://acme.service-now.com/api/now/table/incident', 'POST', 10],
    ]);
  });

  test('the credential is a placeholder Terraform never updates: basic auth for ServiceNow and Jira, an API key header for the webhook', () => {
    const byName = new Map(stack.resources('aws_cloudwatch_event_connection').map(([, c]) => [c.name, c]));
    expect(byName.size).toBe(3);
    for (const connection of byName.values()) expect(connection.lifecycle.ignore_changes).toEqual(['auth_parameters']);
    expect(byName.get('trailbridge-snow')).toMatchObject({ authorization_type: 'BASIC', auth_parameters: { basic: { username: 'trailbridge', password: PLACEHOLDER_CREDENTIAL } } });
    expect(byName.get('trailbridge-jira')).toMatchObject({ authorization_type: 'BASIC', auth_parameters: { basic: { username: 'bot@example.com', password: PLACEHOLDER_CREDENTIAL } } });
    expect(byName.get('trailbridge-hook')).toMatchObject({ authorization_type: 'API_KEY', auth_parameters: { api_key: { key: 'X-Api-Key', value: PLACEHOLDER_CREDENTIAL } } });
  });

  test('every connection keeps its credential under one customer managed key, rotated, tagged for EventBridge', () => {
    const keys = stack.resources('aws_kms_key').filter(([id]) => id.includes('connection-key'));
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0];
    for (const [, connection] of stack.resources('aws_cloudwatch_event_connection')) expect(connection.kms_key_identifier).toBe(ref('aws_kms_key', keyId, 'arn'));
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, tags: { EventBridgeApiDestinations: 'true' } });
    const alias = stack.resources('aws_kms_alias').find(([, a]) => a.target_key_id === ref('aws_kms_key', keyId, 'key_id'))![1];
    expect(alias.name).toBe('alias/trailbridge-event-connections');
  });

  test('the connection key is used only through Secrets Manager, for this account\'s connection secrets, and nobody else may encrypt or decrypt', () => {
    const [, key] = stack.resources('aws_kms_key').find(([id]) => id.includes('connection-key'))!;
    const statements: any[] = stack.policyDocument(key.policy).statement;
    const account = [{ type: 'AWS', identifiers: ['arn:aws:iam::333333333333:root'] }];
    expect(statements.map((s) => s.sid)).toEqual(['AccountAdministersKey', 'ConnectionSecretsUseKey']);
    const [admin, use] = statements;
    expect(admin.principals).toEqual(account);
    expect(admin.condition).toBeUndefined();
    for (const action of ['kms:*', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:Create*']) expect(admin.actions).not.toContain(action);
    expect(admin.actions).toEqual(expect.arrayContaining(['kms:Describe*', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']));
    expect(use).toMatchObject({ principals: account, actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['*'] });
    expect(use.condition).toEqual([
      { test: 'StringEquals', variable: 'kms:ViaService', values: ['secretsmanager.us-east-1.amazonaws.com'] },
      { test: 'StringLike', variable: 'kms:EncryptionContext:SecretARN', values: ['arn:aws:secretsmanager:us-east-1:333333333333:secret:events!connection/*'] },
      { test: 'StringEquals', variable: 'aws:ResourceTag/EventBridgeApiDestinations', values: ['true'] },
    ]);
    expect(statements.some((s) => s.principals?.some((p: any) => p.type === 'Service'))).toBe(false);
  });

  test('events.connectionKmsKeyArn brings an own key: the connections name it and the stack creates none', () => {
    const own = 'arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const withOwn = synthSecurityEvents((t) => {
      withDestinations(t);
      t.events!.connectionKmsKeyArn = own;
    });
    const connections = withOwn.resources('aws_cloudwatch_event_connection');
    expect(connections).toHaveLength(3);
    for (const [, connection] of connections) expect(connection.kms_key_identifier).toBe(own);
    expect(withOwn.resources('aws_kms_key').filter(([id]) => id.includes('connection-key'))).toEqual([]);
  });

  test('events.connectionKmsKeyArn must be a KMS key ARN', () => {
    expect(() =>
      topologyWith((t) => {
        withDestinations(t);
        t.events!.connectionKmsKeyArn = 'alias/mine';
      }),
    ).toThrow(/events\.connectionKmsKeyArn[\s\S]*write a key ARN as arn:aws:kms:<region>:<account>:key\/<key id>/);
  });

  test('no key for connections when no rule uses an API destination', () => {
    const plain = synthSecurityEvents(() => undefined);
    expect(plain.resources('aws_cloudwatch_event_connection')).toEqual([]);
    expect(plain.resources('aws_kms_key').filter(([id]) => id.includes('connection-key'))).toEqual([]);
  });

  test("each destination's role trusts EventBridge for exactly its rules and may only invoke that destination", () => {
    const [roleId, role] = roleNamed('trailbridge-events-to-snow');
    const trust = stack.policyDocument(role.assume_role_policy);
    expect(trust.statement[0].principals).toEqual([{ type: 'Service', identifiers: ['events.amazonaws.com'] }]);
    expect(trust.statement[0].condition).toEqual(
      expect.arrayContaining([
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['333333333333'] },
        { test: 'ArnEquals', variable: 'aws:SourceArn', values: [ruleArn('trailbridge-root-account-usage'), ruleArn('trailbridge-cloudtrail-changed')] },
      ]),
    );
    const [policy] = stack.resources('aws_iam_role_policy').filter(([, p]) => p.role === ref('aws_iam_role', roleId, 'id')).map(([, p]) => p);
    const [destinationId] = stack.resources('aws_cloudwatch_event_api_destination').find(([, d]) => d.name === 'trailbridge-snow')!;
    expect(stack.policyDocument(policy.policy).statement).toEqual([
      expect.objectContaining({ actions: ['events:InvokeApiDestination'], resources: [ref('aws_cloudwatch_event_api_destination', destinationId, 'arn')] }),
    ]);
  });

  test('the targets use their role, the body of their tool, the common retry policy and the central DLQ', () => {
    const dlq = stack.resources('aws_sqs_queue').find(([, q]) => q.name === 'trailbridge-central-dlq')!;
    const cases: [string, string, string | undefined][] = [
      ['trailbridge-root-account-usage', 'trailbridge-events-to-snow', 'short_description'],
      ['trailbridge-iam-policy-changed', 'trailbridge-events-to-jira', 'fields'],
      ['trailbridge-kms-key-disabled-or-deleted', 'trailbridge-events-to-hook', undefined],
      ['trailbridge-security-group-open-to-world', 'trailbridge-events-to-sfn-quarantine', undefined],
    ];
    for (const [ruleName, roleName, bodyKey] of cases) {
      const target = targetOf(ruleName);
      expect([ruleName, target.role_arn]).toEqual([ruleName, ref('aws_iam_role', roleNamed(roleName)[0], 'arn')]);
      expect(target.retry_policy).toEqual({ maximum_retry_attempts: 185, maximum_event_age_in_seconds: 86400 });
      expect(target.dead_letter_config.arn).toBe(ref('aws_sqs_queue', dlq[0], 'arn'));
      if (bodyKey === undefined) expect(target.input_transformer).toBeUndefined();
      else expect(Object.keys(JSON.parse(target.input_transformer.input_template))).toContain(bodyKey);
    }
    expect(targetOf('trailbridge-security-group-open-to-world').arn).toBe(MACHINE_ARN);
  });

  test('the state machine role may only start that machine', () => {
    const [roleId] = roleNamed('trailbridge-events-to-sfn-quarantine');
    const [policy] = stack.resources('aws_iam_role_policy').filter(([, p]) => p.role === ref('aws_iam_role', roleId, 'id')).map(([, p]) => p);
    expect(stack.policyDocument(policy.policy).statement).toEqual([expect.objectContaining({ actions: ['states:StartExecution'], resources: [MACHINE_ARN] })]);
  });
});

describe('destinations: topology errors name the JSON path', () => {
  const problemsOf = (edit: (t: TopologyInput) => void) =>
    eventTopologyProblems(
      topologyWith((t) => {
        withDestinations(t);
        edit(t);
      }),
    );

  test('a rule naming a destination that does not exist', () => {
    const problems = problemsOf((t) => (t.events!.useCases!['iam-policy-changed'] = { target: 'jira', destination: 'jira-prod' }));
    expect(problems).toEqual([
      { path: 'events.useCases["iam-policy-changed"].destination', message: expect.stringMatching(/"jira-prod" is not a destination of this target kind \(the events\.apiDestinations of kind "jira" are jira\)/) },
    ]);
  });

  test('a kind with several destinations and a rule that names none', () => {
    const problems = problemsOf((t) => (t.events!.useCases!['root-account-usage'] = { target: 'servicenow' }));
    expect(problems).toEqual([{ path: 'events.useCases["root-account-usage"]', message: expect.stringMatching(/has several \(snow, snow-dev\); set "destination"/) }]);
  });

  test('a custom rule whose kind has no destination, and a destination on a kind that takes none', () => {
    const problems = problemsOf((t) => {
      t.events!.stateMachines = [];
      t.events!.customRules = [{ name: 'x', pattern: { source: ['aws.s3'] }, target: 'sqs', destination: 'snow' }];
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['events.customRules[0].destination', 'events.useCases["security-group-open-to-world"]']);
    expect(problems.find((p) => p.path.startsWith('events.useCases'))!.message).toMatch(/none in events\.stateMachines; declare one there/);
  });

  test('a state machine outside the security account or home region, and a name used twice', () => {
    const problems = problemsOf((t) => {
      t.events!.stateMachines = [
        { name: 'quarantine', stateMachineArn: MACHINE_ARN },
        { name: 'quarantine', stateMachineArn: 'arn:aws:states:eu-west-1:333333333333:stateMachine:q' },
        { name: 'lambda', stateMachineArn: 'arn:aws:lambda:us-east-1:333333333333:function:f' },
      ];
      t.events!.useCases!['security-group-open-to-world'] = { target: 'stepfunctions', destination: 'quarantine' };
    });
    expect(problems.map((p) => p.path)).toEqual(['events.stateMachines[1].name', 'events.stateMachines[1].stateMachineArn', 'events.stateMachines[2].stateMachineArn']);
    expect(problems[1].message).toMatch(/not a state machine in the security account \(333333333333\) and the home region \(us-east-1\); write arn:aws:states:us-east-1:333333333333:stateMachine:<name>/);
  });

  test('synth stops on them', () => {
    expect(() =>
      synthSecurityEvents((t) => {
        withDestinations(t);
        t.events!.useCases!['iam-policy-changed'] = { target: 'jira', destination: 'nope' };
      }),
    ).toThrow(TopologyError);
  });

  test('the schema refuses a plain-http endpoint', () => {
    expect(() => topologyWith((t) => (t.events = { apiDestinations: [{ kind: 'webhook', name: 'h', endpoint: 'http://hooks.example.com' }] }))).toThrow(/https:\/\/ URL/);
  });
});
