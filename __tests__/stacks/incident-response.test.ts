import { Testing } from 'cdktf';
import { matchesPattern, validatePattern } from '../../functions/lib/event-pattern';
import { Naming } from '../../config/naming';
import { TopologyInput } from '../../config/schema';
import { UNSET_CONNECTION_SUBJECT } from '../../stacks/constructs/dynatrace-idr-access';
import {
  IDR_TEST_RULE_PATTERN,
  SEED_TEST_RULE_PATTERN,
  deliveredEvent,
  fillWorkflowTemplate,
} from '../../stacks/constructs/idr-event-format';
import { IncidentResponseStack } from '../../stacks/incident-response-stack';
import { SynthesizedStack, topologyWith } from '../support/synth';

/** Only this stack is built: its tests do not depend on the other stacks. */
function synthIdr(edit: (ir: NonNullable<TopologyInput['incidentResponse']>, t: TopologyInput) => void = () => undefined): SynthesizedStack {
  const topology = topologyWith((t) => {
    t.incidentResponse = t.incidentResponse ?? {};
    edit(t.incidentResponse, t);
  });
  const stack = new IncidentResponseStack(Testing.app(), topology, new Naming(topology));
  return new SynthesizedStack(stack.stackName, JSON.parse(Testing.synth(stack)));
}

const ACCOUNT = '444444444444';
const BUS_ARN = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/dynatrace-idr-bus`;
const AUDIENCE = 'abc12345.apps.dynatrace.com/app-id/dynatrace.aws.connector';

function only<T>(items: [string, T][]): T {
  expect(items).toHaveLength(1);
  return items[0][1];
}

function trustOf(stack: SynthesizedStack): any[] {
  return stack.policyDocument(only(stack.resources('aws_iam_role')).assume_role_policy).statement;
}

function permissionsOf(stack: SynthesizedStack): any[] {
  return stack.policyDocument(only(stack.resources('aws_iam_role_policy')).policy).statement;
}

/** What the seed article sends: a PutEvents entry, then the event as the bus delivers it. */
const SEED_TEST_EVENT = deliveredEvent(
  {
    EventBusName: 'dynatrace-idr-bus',
    Source: 'GenericAPMEvent',
    DetailType: 'ams.monitoring/generic-apm',
    Detail: JSON.stringify({ 'incident-detection-response-identifier': 'Test Alarm from Dynatrace' }),
  },
  { account: ACCOUNT, region: 'us-east-1', id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718', time: '2025-01-01T00:00:00Z' },
);

describe('incident-response stack', () => {
  const stack = synthIdr();

  test('creates the bus in the IDR region with the default name, encrypted with its own key', () => {
    expect(stack.json.provider.aws[0].region).toBe('us-east-1');
    const bus = only(stack.resources('aws_cloudwatch_event_bus'));
    expect(bus.name).toBe('dynatrace-idr-bus');
    expect(bus.kms_key_identifier).toBe('${aws_kms_key.bus-key.arn}');
    const key = stack.json.resource.aws_kms_key['bus-key'];
    expect(key.enable_key_rotation).toBe(true);
    expect(key.deletion_window_in_days).toBe(30);
  });

  test('lets only EventBridge use the bus key, and only for this bus', () => {
    const key = stack.json.resource.aws_kms_key['bus-key'];
    const statements: any[] = stack.policyDocument(key.policy).statement;
    const forEvents = statements.filter((s) => s.principals?.[0].identifiers.includes('events.amazonaws.com'));
    const dataKeys = forEvents.find((s) => s.actions.includes('kms:GenerateDataKey'));
    expect(dataKeys.actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(dataKeys.condition).toEqual(
      expect.arrayContaining([
        { test: 'StringEquals', variable: 'kms:EncryptionContext:aws:events:event-bus:arn', values: [BUS_ARN] },
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: [ACCOUNT] },
      ]),
    );
    expect(forEvents.flatMap((s) => s.actions).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey']);
  });

  test('every EventBridge grant of the bus key names this account and this bus (confused deputy)', () => {
    const key = stack.json.resource.aws_kms_key['bus-key'];
    const forEvents: any[] = stack.policyDocument(key.policy).statement.filter((s: any) => s.principals?.[0].identifiers.includes('events.amazonaws.com'));
    expect(forEvents.map((s) => s.sid).sort()).toEqual(['EventBridgeDescribesKey', 'EventBridgeEncryptsIdrBus']);
    for (const statement of forEvents) {
      expect(statement.condition).toEqual(
        expect.arrayContaining([
          { test: 'StringEquals', variable: 'aws:SourceAccount', values: [ACCOUNT] },
          { test: 'ArnEquals', variable: 'aws:SourceArn', values: [BUS_ARN] },
        ]),
      );
    }
  });

  test('gives the encrypted bus a dead-letter queue that only EventBridge, for this bus, may send to', () => {
    // AWS strongly recommends one on a bus with a customer managed key: an event that fails to
    // encrypt or decrypt (key disabled, key policy broken) goes there instead of being dropped.
    const bus = only(stack.resources('aws_cloudwatch_event_bus'));
    expect(bus.dead_letter_config).toEqual({ arn: '${aws_sqs_queue.bus-dlq.arn}' });
    const queue = stack.resourceWhere('aws_sqs_queue', 'name', 'trailbridge-idr-bus-dlq');
    expect(queue.sqs_managed_sse_enabled).toBe(true);
    expect(queue.message_retention_seconds).toBe(14 * 24 * 3600);
    const policy = only(stack.resources('aws_sqs_queue_policy'));
    expect(policy.queue_url).toBe('${aws_sqs_queue.bus-dlq.url}');
    const statements: any[] = stack.policyDocument(policy.policy).statement;
    const send = statements.find((s) => s.effect === 'Allow');
    expect(send.actions).toEqual(['sqs:SendMessage']);
    expect(send.principals).toEqual([{ type: 'Service', identifiers: ['events.amazonaws.com'] }]);
    expect(send.condition).toEqual([
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: [ACCOUNT] },
      { test: 'ArnLike', variable: 'aws:SourceArn', values: [BUS_ARN, `arn:aws:events:us-east-1:${ACCOUNT}:rule/dynatrace-idr-bus/*`] },
    ]);
    expect(statements.find((s) => s.effect === 'Deny').condition).toEqual([{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]);
  });

  test('archives every event of the bus for the configured retention', () => {
    const archive = only(stack.resources('aws_cloudwatch_event_archive'));
    expect(archive.event_source_arn).toBe('${aws_cloudwatch_event_bus.bus.arn}');
    expect(archive.retention_days).toBe(90);
    expect(archive.event_pattern).toBeUndefined();
    expect(archive.name.length).toBeLessThanOrEqual(48);
  });

  test('registers token.dynatrace.com with the tenant audience and no thumbprint unless given', () => {
    const provider = only(stack.resources('aws_iam_openid_connect_provider'));
    expect(provider.url).toBe('https://token.dynatrace.com');
    expect(provider.client_id_list).toEqual([AUDIENCE]);
    expect(provider.thumbprint_list).toBeUndefined();
    const pinned = synthIdr((ir) => (ir.oidc = { thumbprint: '9E99A48A9960B14926BB7F3B02E22DA2B0AB7280' }));
    expect(only(pinned.resources('aws_iam_openid_connect_provider')).thumbprint_list).toEqual(['9e99a48a9960b14926bb7f3b02e22da2b0ab7280']);
  });

  test('trusts web identities of the OIDC provider with StringEquals on both aud and the connection sub', () => {
    const configured = synthIdr((ir) => (ir.oidc = { connectionId: 'vu9U3hXa3q0AAAABAB1' }));
    const [trust] = trustOf(configured);
    expect(trustOf(configured)).toHaveLength(1);
    expect(trust.effect).toBe('Allow');
    expect(trust.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(trust.principals).toEqual([{ type: 'Federated', identifiers: ['${aws_iam_openid_connect_provider.dynatrace-oidc.arn}'] }]);
    expect(trust.condition).toEqual([
      { test: 'StringEquals', variable: 'token.dynatrace.com:aud', values: [AUDIENCE] },
      { test: 'StringEquals', variable: 'token.dynatrace.com:sub', values: ['dtid:connection/vu9U3hXa3q0AAAABAB1'] },
    ]);
  });

  test('takes the connection id with or without its dtid:connection/ prefix', () => {
    const prefixed = synthIdr((ir) => (ir.oidc = { connectionId: 'dtid:connection/abc-123' }));
    expect(trustOf(prefixed)[0].condition[1].values).toEqual(['dtid:connection/abc-123']);
  });

  test('trusts no token before the connection id is set: the sub must equal a value Dynatrace never issues', () => {
    const [trust] = trustOf(stack);
    const sub = trust.condition.find((c: any) => c.variable === 'token.dynatrace.com:sub');
    expect(sub).toEqual({ test: 'StringEquals', variable: 'token.dynatrace.com:sub', values: [UNSET_CONNECTION_SUBJECT] });
    expect(UNSET_CONNECTION_SUBJECT.startsWith('dtid:')).toBe(false);
    expect(UNSET_CONNECTION_SUBJECT).not.toMatch(/[*?]/);
    expect(stack.json.output.dynatrace_trusted_subject.value).toMatch(/none yet: set incidentResponse\.oidc\.connectionId/);
  });

  test('refuses a connection id with wildcards', () => {
    expect(() => synthIdr((ir) => (ir.oidc = { connectionId: 'dtid:connection/*' }))).toThrow(/incidentResponse\.oidc\.connectionId: .*is not a Dynatrace connection id/);
  });

  test('refuses a bus name EventBridge would refuse, before any plan', () => {
    // CreateEventBus: "You can't use the name default for a custom event bus".
    expect(() => synthIdr((ir) => (ir.busName = 'default'))).toThrow(/incidentResponse\.busName: .*"default" is the account's default event bus/);
    expect(() => synthIdr((ir) => (ir.busName = 'idr/bus'))).toThrow(/incidentResponse\.busName: .*"idr\/bus" is not a custom event bus name; use letters, digits, "\.", "_" and "-"/);
  });

  test('an audience override replaces the tenant default in the provider and the trust', () => {
    const custom = synthIdr((ir) => (ir.oidc = { audience: 'abc12345.sprint.apps.dynatracelabs.com/app-id/dynatrace.aws.connector' }));
    expect(only(custom.resources('aws_iam_openid_connect_provider')).client_id_list).toEqual(['abc12345.sprint.apps.dynatracelabs.com/app-id/dynatrace.aws.connector']);
    expect(trustOf(custom)[0].condition[0].values).toEqual(['abc12345.sprint.apps.dynatracelabs.com/app-id/dynatrace.aws.connector']);
  });

  test('allows the role only events:PutEvents on the exact bus ARN, plus account:ListRegions', () => {
    const statements = permissionsOf(stack);
    expect(statements.every((s) => s.effect === 'Allow')).toBe(true);
    const putEvents = statements.filter((s) => s.actions.some((a: string) => a.startsWith('events:')));
    expect(putEvents).toEqual([expect.objectContaining({ sid: 'PutEventsOnIdrBus', effect: 'Allow', actions: ['events:PutEvents'], resources: [BUS_ARN] })]);
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(['account:ListRegions', 'events:PutEvents']);
    expect(statements.some((s) => s.not_actions || s.not_resources)).toBe(false);
  });

  test('lets the role put only events with the source and detail-type IDR ingests (events:source, events:detail-type)', () => {
    const putEvents = permissionsOf(stack).find((s) => s.actions.includes('events:PutEvents'));
    // PutEvents carries one value per entry: every entry must match, and the key must be present.
    expect(putEvents.condition).toEqual(
      expect.arrayContaining([
        { test: 'ForAllValues:StringEquals', variable: 'events:source', values: ['GenericAPMEvent'] },
        { test: 'ForAllValues:StringEquals', variable: 'events:detail-type', values: ['ams.monitoring/generic-apm'] },
        { test: 'Null', variable: 'events:source', values: ['false'] },
        { test: 'Null', variable: 'events:detail-type', values: ['false'] },
      ]),
    );
    expect(putEvents.condition).toHaveLength(4);
  });

  test('no statement grants PutEvents on a wildcard resource', () => {
    expect(permissionsOf(stack).filter((s) => s.actions.includes('events:PutEvents'))).toHaveLength(1);
    for (const s of permissionsOf(stack)) {
      if (s.actions.some((a: string) => a.includes('*') || a === 'events:PutEvents')) {
        expect(s.actions.some((a: string) => a.includes('*'))).toBe(false);
        expect(s.resources.some((r: string) => r.includes('*'))).toBe(false);
      }
    }
  });

  test('creates the IDR service-linked role unless told the account has it', () => {
    const role = only(stack.resources('aws_iam_service_linked_role'));
    expect(role.aws_service_name).toBe('event-processor.health.amazonaws.com');
    // The provider reads "EventProcessor" back as custom_suffix; without this every plan replaces it.
    expect(role.custom_suffix).toBeUndefined();
    expect(role.lifecycle).toEqual({ ignore_changes: ['custom_suffix'] });
    expect(synthIdr((ir) => (ir.createServiceLinkedRole = false)).resources('aws_iam_service_linked_role')).toEqual([]);
  });

  test('the test rule on the bus uses detail-type, the key events actually carry', () => {
    const rule = stack.resourceWhere('aws_cloudwatch_event_rule', 'name', 'trailbridge-idr-test');
    expect(rule.event_bus_name).toBe('${aws_cloudwatch_event_bus.bus.name}');
    expect(rule.state).toBe('ENABLED');
    const pattern = JSON.parse(rule.event_pattern);
    expect(pattern).toEqual({ 'detail-type': ['ams.monitoring/generic-apm'], source: ['GenericAPMEvent'] });
    expect(validatePattern(pattern)).toEqual([]);
  });

  test("the seed's test event matches the fixed rule, and the seed's own DetailType pattern does not", () => {
    const deployed = JSON.parse(stack.resourceWhere('aws_cloudwatch_event_rule', 'name', 'trailbridge-idr-test').event_pattern);
    expect(deployed).toEqual(IDR_TEST_RULE_PATTERN);
    expect(matchesPattern(deployed, SEED_TEST_EVENT)).toBe(true);
    expect(validatePattern(SEED_TEST_RULE_PATTERN)).toEqual([]);
    expect(matchesPattern(SEED_TEST_RULE_PATTERN, SEED_TEST_EVENT)).toBe(false);
  });

  test('has no debug capture unless enabled', () => {
    expect(stack.resources('aws_cloudwatch_log_group')).toEqual([]);
    expect(stack.resources('aws_cloudwatch_log_resource_policy')).toEqual([]);
    expect(stack.resources('aws_cloudwatch_event_rule')).toHaveLength(1);
  });

  describe('with the debug capture on', () => {
    const debug = synthIdr((ir) => (ir.debugCapture = { enabled: true, retentionInDays: 14 }));
    const group = '/aws/events/trailbridge/idr-debug-capture';
    const streams = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${group}:*`;

    test('a rule catches every event on the bus and targets the log group', () => {
      const rule = debug.resourceWhere('aws_cloudwatch_event_rule', 'name', 'trailbridge-idr-debug-capture');
      const pattern = JSON.parse(rule.event_pattern);
      expect(matchesPattern(pattern, SEED_TEST_EVENT)).toBe(true);
      expect(matchesPattern(pattern, { ...SEED_TEST_EVENT, source: 'anything.else', 'detail-type': 'x' })).toBe(true);
      const target = only(debug.resources('aws_cloudwatch_event_target'));
      expect(target.rule).toBe('${aws_cloudwatch_event_rule.debug-rule.name}');
      expect(target.event_bus_name).toBe('${aws_cloudwatch_event_bus.bus.name}');
      expect(target.arn).toBe('${aws_cloudwatch_log_group.debug-log-group.arn}');
      expect(target.depends_on).toEqual(['aws_cloudwatch_log_resource_policy.debug-log-policy']);
    });

    test('the log group keeps events for the configured retention', () => {
      expect(debug.resourceWhere('aws_cloudwatch_log_group', 'name', group).retention_in_days).toBe(14);
    });

    test('the resource policy lets EventBridge and log delivery write to that group only, writes tied to the rule', () => {
      const policy = only(debug.resources('aws_cloudwatch_log_resource_policy'));
      // Named by the naming module, which checks it against CloudWatch Logs' rules.
      expect(policy.policy_name).toBe(new Naming(topologyWith(() => undefined)).idrDebugLogPolicyName());
      expect(policy.policy_name).toBe('trailbridge-idr-debug-capture');
      const statements: any[] = debug.policyDocument(policy.policy_document).statement;
      for (const s of statements) {
        expect(s.principals).toEqual([{ type: 'Service', identifiers: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] }]);
        expect(s.resources).toEqual([streams]);
      }
      expect(statements.flatMap((s) => s.actions).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      const writes = statements.find((s) => s.actions.includes('logs:PutLogEvents'));
      expect(writes.condition).toEqual([
        { test: 'ArnEquals', variable: 'aws:SourceArn', values: [`arn:aws:events:us-east-1:${ACCOUNT}:rule/dynatrace-idr-bus/trailbridge-idr-debug-capture`] },
      ]);
    });
  });

  test('an AWS owned key when the customer managed key is turned off', () => {
    const plain = synthIdr((ir) => (ir.customerManagedKey = false));
    // Nothing to watch either: no alarm, and no alarm topic with its key.
    expect(plain.resources('aws_kms_key')).toEqual([]);
    expect(plain.resources('aws_cloudwatch_metric_alarm')).toEqual([]);
    expect(plain.resources('aws_sns_topic')).toEqual([]);
    expect(only(plain.resources('aws_cloudwatch_event_bus')).kms_key_identifier).toBeUndefined();
    // Without a customer managed key there are no encryption errors for a bus DLQ to catch.
    expect(only(plain.resources('aws_cloudwatch_event_bus')).dead_letter_config).toBeUndefined();
    expect(plain.resources('aws_sqs_queue')).toEqual([]);
  });

  describe('alarms', () => {
    const alarmsOf = (s: SynthesizedStack) => Object.fromEntries(s.resources('aws_cloudwatch_metric_alarm').map(([, a]) => [a.alarm_name, a]));
    const topicRef = (s: SynthesizedStack) => {
      const topics = s.resources('aws_sns_topic');
      expect(topics).toHaveLength(1);
      return `\${aws_sns_topic.${topics[0][0]}.arn}`;
    };

    test('raise an alarm when the bus dead-letter queue holds a message, to a topic of its own, on ALARM and OK', () => {
      const alarms = alarmsOf(stack);
      expect(Object.keys(alarms)).toEqual(['trailbridge-idr-bus-dead-letters']);
      const alarm = alarms['trailbridge-idr-bus-dead-letters'];
      expect(alarm).toMatchObject({
        namespace: 'AWS/SQS',
        metric_name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: 'trailbridge-idr-bus-dlq' },
        statistic: 'Maximum',
        comparison_operator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        period: 300,
        evaluation_periods: 1,
        treat_missing_data: 'notBreaching',
      });
      // The queue the alarm watches is the one the bus dead-letters to.
      expect(stack.resourceWhere('aws_sqs_queue', 'name', alarm.dimensions.QueueName)).toBeDefined();
      expect(alarm.alarm_actions).toEqual([topicRef(stack)]);
      expect(alarm.ok_actions).toEqual(alarm.alarm_actions);
      expect(alarm.alarm_description).toMatch(/IDR opened no case/);
      expect(alarm.alarm_description).toMatch(/First check: the bus key/);
      expect(alarm.alarm_description.length).toBeLessThanOrEqual(1024);
    });

    test('the topic is encrypted with a key of its own that CloudWatch may use only for the IDR alarms of this account', () => {
      const topic = stack.resourceWhere('aws_sns_topic', 'name', 'trailbridge-idr-alarms');
      const keyId = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(topic.kms_master_key_id)![1];
      expect(keyId).not.toBe('bus-key');
      expect(stack.resourceWhere('aws_kms_alias', 'name', 'alias/trailbridge-idr-alarms').target_key_id).toBe(`\${aws_kms_key.${keyId}.key_id}`);
      const conditions = [
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: [ACCOUNT] },
        { test: 'ArnLike', variable: 'aws:SourceArn', values: [`arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:trailbridge-idr-*`] },
      ];
      const keyStatements: any[] = stack.policyDocument(stack.json.resource.aws_kms_key[keyId].policy).statement;
      expect(keyStatements.find((s) => s.sid === 'CloudWatchAlarmsEncrypt').condition).toEqual(conditions);
      const topicStatements: any[] = stack.policyDocument(only(stack.resources('aws_sns_topic_policy')).policy).statement;
      expect(topicStatements.find((s) => s.sid === 'CloudWatchAlarmsPublish').condition).toEqual(conditions);
      // The prefix comes from the naming module, and every alarm of the stack begins with it.
      const prefix = new Naming(topologyWith(() => undefined)).idrAlarmNamePrefix();
      expect(prefix).toBe('trailbridge-idr-');
      for (const name of Object.keys(alarmsOf(synthIdr((ir) => (ir.debugCapture = { enabled: true }))))) expect(name.startsWith(prefix)).toBe(true);
    });

    test('with the debug capture on, also when its rule fails to deliver to the log group', () => {
      const debug = synthIdr((ir) => (ir.debugCapture = { enabled: true }));
      const alarm = alarmsOf(debug)['trailbridge-idr-debug-capture-failed-deliveries'];
      expect(alarm).toMatchObject({
        namespace: 'AWS/Events',
        metric_name: 'FailedInvocations',
        dimensions: { EventBusName: 'dynatrace-idr-bus', RuleName: 'trailbridge-idr-debug-capture' },
        statistic: 'Sum',
        threshold: 1,
        treat_missing_data: 'notBreaching',
      });
      expect(debug.resourceWhere('aws_cloudwatch_event_rule', 'name', alarm.dimensions.RuleName)).toBeDefined();
      expect(alarm.alarm_actions).toEqual([topicRef(debug)]);
      // The test rule has no target, so no invocation of it can fail: it gets no alarm.
      expect(Object.keys(alarmsOf(debug)).sort()).toEqual(['trailbridge-idr-bus-dead-letters', 'trailbridge-idr-debug-capture-failed-deliveries']);
    });

    test('the debug capture alarm alone when the bus has no customer managed key (and so no dead-letter queue)', () => {
      const plain = synthIdr((ir) => {
        ir.customerManagedKey = false;
        ir.debugCapture = { enabled: true };
      });
      expect(Object.keys(alarmsOf(plain))).toEqual(['trailbridge-idr-debug-capture-failed-deliveries']);
      expect(plain.resources('aws_sns_topic')).toHaveLength(1);
    });

    test('subscribe the given emails to the topic of its own', () => {
      const mailed = synthIdr((ir) => (ir.alarms = { emails: ['oncall@example.com', 'sec@example.com'] }));
      const subscriptions = mailed.resources('aws_sns_topic_subscription').map(([, s]) => s);
      expect(subscriptions.map((s) => [s.protocol, s.endpoint, s.topic_arn])).toEqual([
        ['email', 'oncall@example.com', topicRef(mailed)],
        ['email', 'sec@example.com', topicRef(mailed)],
      ]);
      expect(stack.resources('aws_sns_topic_subscription')).toEqual([]);
    });

    test('notify the topology\'s topic instead, with no topic of their own', () => {
      const own = `arn:aws:sns:us-east-1:${ACCOUNT}:pager`;
      const given = synthIdr((ir) => (ir.alarms = { topicArn: own, periodInSeconds: 60 }));
      expect(given.resources('aws_sns_topic')).toEqual([]);
      expect(given.resources('aws_kms_key').map(([id]) => id)).toEqual(['bus-key']);
      const alarm = alarmsOf(given)['trailbridge-idr-bus-dead-letters'];
      expect(alarm.alarm_actions).toEqual([own]);
      expect(alarm.ok_actions).toEqual([own]);
      expect(alarm.period).toBe(60);
    });

    test('refuse emails beside a topicArn, a repeated email, and a period that is not whole minutes', () => {
      expect(() => synthIdr((ir) => (ir.alarms = { topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:pager`, emails: ['a@example.com'] }))).toThrow(/emails subscribe the topic of its own, which topicArn replaces/);
      expect(() => synthIdr((ir) => (ir.alarms = { emails: ['a@example.com', 'a@example.com'] }))).toThrow(/already emails\[0\]/);
      expect(() => synthIdr((ir) => (ir.alarms = { periodInSeconds: 90 }))).toThrow(/multiple of 60/);
    });

    test('none, and no topic, when turned off', () => {
      const off = synthIdr((ir) => (ir.alarms = { enabled: false }));
      expect(off.resources('aws_cloudwatch_metric_alarm')).toEqual([]);
      expect(off.resources('aws_sns_topic')).toEqual([]);
      expect(off.resources('aws_kms_key').map(([id]) => id)).toEqual(['bus-key']);
    });

    test('follow the IDR region: the SourceArn names it', () => {
      const moved = synthIdr((ir) => (ir.region = 'eu-west-1'));
      const statements: any[] = moved.policyDocument(only(moved.resources('aws_sns_topic_policy')).policy).statement;
      expect(statements.find((s) => s.sid === 'CloudWatchAlarmsPublish').condition[1].values).toEqual([`arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:trailbridge-idr-*`]);
    });
  });

  test('follows the topology: bus name, region and account come from it', () => {
    const moved = synthIdr((ir) => {
      ir.busName = 'problems';
      ir.region = 'eu-west-1';
    });
    expect(moved.json.provider.aws[0].region).toBe('eu-west-1');
    expect(permissionsOf(moved)[0].resources).toEqual([`arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/problems`]);
  });

  describe('outputs', () => {
    test('the role ARN, the bus name and ARN', () => {
      expect(stack.json.output.dynatrace_role_arn.value).toBe('${aws_iam_role.dynatrace-role.arn}');
      expect(stack.json.output.idr_bus_name.value).toBe('${aws_cloudwatch_event_bus.bus.name}');
      expect(stack.json.output.idr_bus_arn.value).toBe('${aws_cloudwatch_event_bus.bus.arn}');
    });

    const template: string = stack.json.output.dynatrace_workflow_put_events_parameters.value;
    const problem = {
      'event.id': '-4711_1700000000000V2',
      display_id: 'P-2401',
      'event.name': 'Failure rate increase "checkout"\nsecond line',
      'event.status': 'ACTIVE',
      'event.category': 'ERROR',
      'event.start': '2025-01-01T00:00:00.000Z',
      affected_entity_ids: ['SERVICE-1234'],
    };

    test('the workflow template names the bus and the IDR source and detail type, with Detail built by tojson', () => {
      expect(template).toContain(`"EventBusName": "${BUS_ARN}"`);
      expect(template).toContain('"Source": "GenericAPMEvent"');
      expect(template).toContain('"DetailType": "ams.monitoring/generic-apm"');
      expect(template).toMatch(/"Detail": \{\{ \{ .*event\(\)\["event\.name"\].* \} \| tojson \| tojson \}\}/);
      expect(template).not.toContain('${');
    });

    test('the workflow template is valid JSON once its expressions are filled, even for titles with quotes and newlines', () => {
      const parameters = JSON.parse(fillWorkflowTemplate(template, problem));
      expect(parameters.Entries).toHaveLength(1);
      const entry = parameters.Entries[0];
      expect(Object.keys(entry).sort()).toEqual(['Detail', 'DetailType', 'EventBusName', 'Source']);
      expect(typeof entry.Detail).toBe('string');
      expect(JSON.parse(entry.Detail)).toEqual({
        'dynatrace-environment': 'https://abc12345.live.dynatrace.com',
        'incident-detection-response-identifier': 'Failure rate increase "checkout"\nsecond line',
        'problem-id': 'P-2401',
        'problem-event-id': '-4711_1700000000000V2',
        status: 'ACTIVE',
        category: 'ERROR',
        'start-time': '2025-01-01T00:00:00.000Z',
        'affected-entity-ids': ['SERVICE-1234'],
      });
    });

    test('the filled template produces an event the test rule matches', () => {
      const entry = JSON.parse(fillWorkflowTemplate(template, problem)).Entries[0];
      const event = deliveredEvent(entry, { account: ACCOUNT, region: 'us-east-1', id: '1', time: '2025-01-01T00:00:00Z' });
      expect(matchesPattern(IDR_TEST_RULE_PATTERN, event)).toBe(true);
    });

    test('filling fails clearly when the problem lacks a field the template reads', () => {
      const { display_id: _dropped, ...partial } = problem;
      expect(() => fillWorkflowTemplate(template, partial)).toThrow(/the problem has no field "display_id"/);
    });
  });
});
