import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TopologyError } from '../../config/problems';
import { TopologyInput } from '../../config/schema';
import { compilePattern, validatePattern } from '../../functions/lib/event-pattern';
import {
  API_CALL,
  CONSOLE_SIGN_IN,
  GLOBAL_EVENT_SOURCES,
  USE_CASES,
  alertTransformer,
  assertValidEventTopology,
  centralRules,
  eventTopologyProblems,
  forwardingPattern,
  forwardingRules,
} from '../../stacks/catalog';
import { sharedDataPath } from '../support/shared-data';
import { topologyWith } from '../support/synth';

type Envelope = Record<string, any>;

/** What EventBridge delivers for a CloudTrail record (the fields patterns look at). */
function envelopeOf(record: Record<string, any>): Envelope {
  return {
    version: '0',
    id: record.eventID,
    'detail-type': record.eventType === 'AwsConsoleSignIn' ? CONSOLE_SIGN_IN : API_CALL,
    source: `aws.${String(record.eventSource).replace(/\.amazonaws\.com$/, '')}`,
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Real envelopes and real records as envelopes, keyed "<file> <eventName>" (several records may share a key). */
function realEvents(): [string, Envelope][] {
  const custodian = sharedDataPath('eventbridge', 'cloud-custodian');
  const stratus = sharedDataPath('cloudtrail', 'stratus-red-team');
  const events: [string, Envelope][] = [];
  for (const file of readdirSync(custodian).filter((f) => f.endsWith('.json')).sort()) {
    const envelope = readJson(join(custodian, file));
    events.push([`${file} ${envelope.detail.eventName}`, envelope]);
  }
  for (const file of readdirSync(stratus).filter((f) => f.endsWith('.json')).sort()) {
    for (const record of readJson(join(stratus, file))) events.push([`${file} ${record.eventName}`, envelopeOf(record)]);
  }
  return events;
}

/** The first panther record with this event name (records sit under `log`). */
function pantherRecordNamed(eventName: string): Record<string, any> {
  const entries = readJson(sharedDataPath('cloudtrail', 'panther', 'records.json')) as { log?: Record<string, any> }[];
  const found = entries.map((e) => e.log).find((r) => r?.eventName === eventName);
  if (!found) throw new Error(`no panther record with eventName ${eventName}`);
  return found;
}

const compiled = USE_CASES.map((u) => [u.id, compilePattern(u.pattern)] as const);
const matchingUseCases = (event: Envelope) => compiled.filter(([id, p]) => id !== 'all-api-calls' && p.matches(event)).map(([id]) => id);

describe('the use-case catalog', () => {
  test('covers the CIS AWS Foundations monitoring set (4.1 to 4.15) and the seed cases', () => {
    expect(USE_CASES.filter((u) => u.cis).map((u) => u.cis)).toEqual(Array.from({ length: 15 }, (_, i) => `4.${i + 1}`));
    expect(USE_CASES.map((u) => u.id)).toEqual(
      expect.arrayContaining(['security-group-open-to-world', 's3-bucket-created', 'iam-user-created', 'ec2-instance-state-changed', 'database-deleted']),
    );
  });

  test.each(USE_CASES.map((u) => [u.id, u] as const))('%s has a valid pattern, a usable id and title', (_id, useCase) => {
    expect(validatePattern(useCase.pattern)).toEqual([]);
    expect(useCase.id).toMatch(/^[a-z0-9][a-z0-9-]{0,40}$/);
    expect(useCase.title).not.toMatch(/[<>"\\]/);
    // Every catalog rule is about CloudTrail events: it names their detail-type.
    expect(useCase.pattern['detail-type']).toEqual(expect.arrayContaining([expect.stringMatching(/via CloudTrail$/)]));
  });

  test('ids are unique', () => {
    expect(new Set(USE_CASES.map((u) => u.id)).size).toBe(USE_CASES.length);
  });

  test('service patterns pair source aws.<service> with detail.eventSource <service>.amazonaws.com', () => {
    expect(USE_CASES.filter((u) => u.pattern.source)).not.toHaveLength(0);
    for (const useCase of USE_CASES) {
      const source = useCase.pattern.source as string[] | undefined;
      if (!source) continue;
      const eventSource = (useCase.pattern.detail as any).eventSource as string[];
      expect(eventSource).toEqual(source.map((s) => `${s.replace(/^aws\./, '')}.amazonaws.com`));
    }
  });

  test('matches the right real events and no others (cloud-custodian envelopes, stratus-red-team records)', () => {
    const found: Record<string, string[]> = {};
    for (const [key, event] of realEvents()) {
      const ids = matchingUseCases(event);
      if (ids.length === 0) continue;
      found[key] = [...new Set([...(found[key] ?? []), ...ids])].sort();
    }
    expect(found).toEqual({
      'event-cloud-trail-create-bucket.json CreateBucket': ['root-account-usage', 's3-bucket-created'],
      'event-cloud-trail-s3.json CreateBucket': ['s3-bucket-created'],
      'event-transit-gateway-delete-vpc-attachment.json DeleteTransitGatewayVpcAttachment': ['network-gateway-changed'],
      'aws.credential-access.ec2-get-password-data.json AssumeRole': ['unauthorized-api-calls'],
      'aws.credential-access.ec2-get-password-data.json GetPasswordData': ['unauthorized-api-calls'],
      'aws.defense-evasion.cloudtrail-delete.json DeleteTrail': ['cloudtrail-changed'],
      'aws.defense-evasion.cloudtrail-event-selectors.json PutEventSelectors': ['cloudtrail-changed'],
      'aws.defense-evasion.cloudtrail-stop.json StopLogging': ['cloudtrail-changed'],
      'aws.defense-evasion.organizations-leave.json LeaveOrganization': ['organizations-changed', 'unauthorized-api-calls'],
      'aws.discovery.ec2-download-user-data.json AssumeRole': ['unauthorized-api-calls'],
      'aws.discovery.ec2-download-user-data.json DescribeInstanceAttribute': ['unauthorized-api-calls'],
      'aws.execution.ec2-launch-unusual-instances.json RunInstances': ['unauthorized-api-calls'],
      'aws.execution.ec2-user-data.json StartInstances': ['ec2-instance-state-changed'],
      'aws.execution.ec2-user-data.json StopInstances': ['ec2-instance-state-changed'],
      'aws.exfiltration.ec2-security-group-open-port-22-ingress.json AuthorizeSecurityGroupIngress': ['security-group-changed', 'security-group-open-to-world'],
      'aws.initial-access.console-login-without-mfa.json ConsoleLogin': ['console-sign-in-without-mfa'],
      'aws.persistence.iam-backdoor-role.json UpdateAssumeRolePolicy': ['iam-policy-changed'],
      'aws.persistence.iam-backdoor-user.json CreateAccessKey': ['iam-user-created'],
      'aws.persistence.iam-create-admin-user.json AttachUserPolicy': ['iam-policy-changed'],
      'aws.persistence.iam-create-admin-user.json CreateAccessKey': ['iam-user-created'],
      'aws.persistence.iam-create-admin-user.json CreateUser': ['iam-user-created'],
      'aws.persistence.iam-create-backdoor-role.json AttachRolePolicy': ['iam-policy-changed'],
      'aws.persistence.iam-create-user-login-profile.json CreateLoginProfile': ['iam-user-created'],
    });
  });

  test('all-api-calls matches every API call and sign-in', () => {
    const all = compilePattern(USE_CASES.find((u) => u.id === 'all-api-calls')!.pattern);
    expect(realEvents()).toHaveLength(321);
    for (const [key, event] of realEvents()) expect([key, all.matches(event)]).toEqual([key, true]);
  });

  describe('variants of real events', () => {
    const signIn = envelopeOf(readJson(sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.initial-access.console-login-without-mfa.json'))[0]);
    const createBucket = readJson(sharedDataPath('eventbridge', 'cloud-custodian', 'event-cloud-trail-create-bucket.json'));
    const openSsh = envelopeOf(readJson(sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.exfiltration.ec2-security-group-open-port-22-ingress.json'))[0]);
    const edit = (event: Envelope, change: (e: Envelope) => void) => {
      const copy = structuredClone(event);
      change(copy);
      return copy;
    };

    test('a sign-in with MFA is not "without MFA"; a failed one is a sign-in failure', () => {
      expect(matchingUseCases(edit(signIn, (e) => (e.detail.additionalEventData.MFAUsed = 'Yes')))).toEqual([]);
      expect(matchingUseCases(edit(signIn, (e) => (e.detail.responseElements.ConsoleLogin = 'Failure')))).toEqual(['console-sign-in-failures']);
    });

    test('a root sign-in is root usage; root calls made by an AWS service for it are not', () => {
      const rootSignIn = edit(signIn, (e) => (e.detail.userIdentity = { type: 'Root', arn: 'arn:aws:iam::562283505220:root', accountId: '562283505220' }));
      expect(matchingUseCases(rootSignIn)).toContain('root-account-usage');
      expect(matchingUseCases(edit(createBucket, (e) => (e.detail.userIdentity.invokedBy = 'cloudformation.amazonaws.com')))).toEqual(['s3-bucket-created']);
    });

    test('a failed CreateBucket created no bucket', () => {
      expect(matchingUseCases(edit(createBucket, (e) => (e.detail.errorCode = 'BucketAlreadyExists')))).toEqual(['root-account-usage']);
    });

    test('ingress from a single address is a change, not an opening; the new request form with 0.0.0.0/0 or ::/0 is one', () => {
      expect(matchingUseCases(edit(openSsh, (e) => (e.detail.requestParameters.cidrIp = '203.0.113.7/32')))).toEqual(['security-group-changed']);
      const newForm = (range: Record<string, unknown>) =>
        edit(openSsh, (e) => {
          e.detail.requestParameters = { groupId: 'sg-1', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ...range }] } };
        });
      expect(matchingUseCases(newForm({ ipRanges: { items: [{ cidrIp: '10.0.0.0/8' }, { cidrIp: '0.0.0.0/0' }] } }))).toContain('security-group-open-to-world');
      expect(matchingUseCases(newForm({ ipv6Ranges: { items: [{ cidrIpv6: '::/0' }] } }))).toContain('security-group-open-to-world');
      expect(matchingUseCases(newForm({ ipRanges: { items: [{ cidrIp: '10.0.0.0/8' }] } }))).toEqual(['security-group-changed']);
    });
  });
});

describe('centralRules', () => {
  test('the default topology enables every use case but all-api-calls, named by the naming module', () => {
    const rules = centralRules(topologyWith());
    expect(rules.map((r) => r.id)).toEqual(USE_CASES.filter((u) => u.id !== 'all-api-calls').map((u) => u.id));
    expect(rules.find((r) => r.id === 's3-bucket-created')).toMatchObject({ name: 'trailbridge-s3-bucket-created', target: 'lambda', origin: 'catalog', state: 'ENABLED' });
  });

  test('the topology switches use cases on and off, retargets them, and adds custom rules last', () => {
    const rules = centralRules(
      topologyWith((t) => {
        t.events = {
          useCases: { 'all-api-calls': { enabled: true }, 'vpc-changed': { enabled: false }, 'database-deleted': { target: 'sqs' } },
          customRules: [{ name: 'cloudfront-changed', pattern: { source: ['aws.cloudfront'] }, target: 'logs' }],
        };
      }),
    );
    const ids = rules.map((r) => r.id);
    expect(ids).toContain('all-api-calls');
    expect(ids).not.toContain('vpc-changed');
    expect(rules.find((r) => r.id === 'database-deleted')!.target).toBe('sqs');
    expect(rules.at(-1)).toMatchObject({ id: 'cloudfront-changed', name: 'trailbridge-cloudfront-changed', origin: 'custom', target: 'logs', path: 'events.customRules[0]' });
  });

  test('central rules see read-only events when a source forwards them', () => {
    const rules = centralRules(topologyWith((t) => (t.accounts[0].source!.forwarding = { readOnlyEvents: true })));
    expect(new Set(rules.map((r) => r.state))).toEqual(new Set(['ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']));
  });

  test('the alert transformer writes one readable line with the rule name', () => {
    const transformer = alertTransformer({ title: 'Root user activity', name: 'trailbridge-root-account-usage' });
    expect(JSON.parse(transformer.inputTemplate)).toMatch(/^Root user activity: <eventName> \(<eventSource>\) by <actor> .* Rule trailbridge-root-account-usage/);
    for (const [, path] of Object.entries(transformer.inputPaths)) expect(path).toMatch(/^\$\.[\w.]+$/);
    const placeholders = [...transformer.inputTemplate.matchAll(/<(\w+)>/g)].map((m) => m[1]);
    expect(Object.keys(transformer.inputPaths).sort()).toEqual([...new Set(placeholders)].sort());
  });

  test('the database-deleted alert names what was deleted and whether a final snapshot was taken', () => {
    const rule = centralRules(topologyWith()).find((r) => r.id === 'database-deleted')!;
    const transformer = alertTransformer(rule);
    const template = JSON.parse(transformer.inputTemplate) as string;
    expect(template).toMatch(/^Database deleted: <eventName> \(<eventSource>\) by <actor> .*in account <account>, region <region>/);
    expect(template).toMatch(/instance <instance> cluster <cluster>; skip final snapshot: <skipFinalSnapshot>; final snapshot: <finalSnapshot><finalClusterSnapshot>/);
    expect(transformer.inputPaths).toMatchObject({ instance: '$.detail.requestParameters.dBInstanceIdentifier', skipFinalSnapshot: '$.detail.requestParameters.skipFinalSnapshot' });
    const placeholders = [...transformer.inputTemplate.matchAll(/<(\w+)>/g)].map((m) => m[1]);
    expect(Object.keys(transformer.inputPaths).sort()).toEqual([...new Set(placeholders)].sort());
    // Every path reaches a field a real DeleteDBInstance record has, or one the record may lack (rendered empty).
    const record = pantherRecordNamed('DeleteDBInstance');
    expect(record.requestParameters.dBInstanceIdentifier).toEqual(expect.any(String));
    expect(typeof record.requestParameters.skipFinalSnapshot).toBe('boolean');
  });
});

describe('forwardingRules', () => {
  test('one rule per enabled region of every source account, API calls and console sign-ins', () => {
    const rules = forwardingRules(topologyWith());
    expect(rules.map((r) => `${r.account.name}/${r.region}/${r.scope}`)).toEqual([
      'test/us-east-1/all', 'test/us-east-2/all', 'test/eu-west-1/all',
      'prod/us-east-1/all', 'prod/us-east-2/all', 'prod/eu-west-1/all',
    ]);
    expect(rules[0].pattern).toEqual({ source: [{ prefix: 'aws.' }], 'detail-type': [API_CALL, CONSOLE_SIGN_IN] });
    expect(rules[0].state).toBe('ENABLED');
  });

  test('without us-east-1 among the regions, a us-east-1 rule forwards the global services only', () => {
    const rules = forwardingRules(topologyWith((t) => ((t.regions = ['eu-west-1', 'eu-central-1']), (t.homeRegion = 'eu-west-1'))));
    const global = rules.filter((r) => r.scope === 'global');
    expect(global.map((r) => `${r.account.name}/${r.region}`)).toEqual(['test/us-east-1', 'prod/us-east-1']);
    expect(global[0].pattern).toEqual({ source: [{ prefix: 'aws.' }], 'detail-type': [API_CALL, CONSOLE_SIGN_IN], detail: { eventSource: GLOBAL_EVENT_SOURCES } });
    const off = forwardingRules(topologyWith((t) => ((t.regions = ['eu-west-1']), (t.homeRegion = 'eu-west-1'), (t.accounts[0].source!.forwarding = { globalEventsFromUsEast1: false }))));
    expect(off.filter((r) => r.scope === 'global').map((r) => r.account.name)).toEqual(['prod']);
  });

  test('include and exclude narrow the pattern; a global rule keeps only the global sources among them', () => {
    expect(forwardingPattern({ includeSources: ['s3.amazonaws.com', 'iam.amazonaws.com'], excludeSources: [] })).toEqual({
      source: [{ prefix: 'aws.' }],
      'detail-type': [API_CALL, CONSOLE_SIGN_IN],
      detail: { eventSource: ['s3.amazonaws.com', 'iam.amazonaws.com'] },
    });
    expect(forwardingPattern({ includeSources: [], excludeSources: ['kms.amazonaws.com'] })).toEqual({
      source: [{ prefix: 'aws.' }],
      'detail-type': [API_CALL, CONSOLE_SIGN_IN],
      detail: { eventSource: [{ 'anything-but': ['kms.amazonaws.com'] }] },
    });
    expect(forwardingPattern({ includeSources: ['s3.amazonaws.com', 'iam.amazonaws.com'], excludeSources: [] }, GLOBAL_EVENT_SOURCES)!.detail).toEqual({ eventSource: ['iam.amazonaws.com'] });
    expect(forwardingPattern({ includeSources: ['s3.amazonaws.com'], excludeSources: [] }, GLOBAL_EVENT_SOURCES)).toBeUndefined();
    expect((forwardingPattern({ includeSources: [], excludeSources: ['sts.amazonaws.com'] }, GLOBAL_EVENT_SOURCES)!.detail as any).eventSource).not.toContain('sts.amazonaws.com');
  });

  test('the read-only switch sets the rule state; a disabled account has no rules', () => {
    const rules = forwardingRules(
      topologyWith((t) => {
        t.accounts[0].source!.forwarding = { readOnlyEvents: true };
        t.accounts[1].source!.forwarding = { enabled: false };
      }),
    );
    expect(new Set(rules.map((r) => `${r.account.name} ${r.state}`))).toEqual(new Set(['test ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']));
  });

  test('include and exclude together are refused by the schema', () => {
    expect(() => topologyWith((t) => (t.accounts[0].source!.forwarding = { includeSources: ['s3.amazonaws.com'], excludeSources: ['kms.amazonaws.com'] }))).toThrow(
      /accounts\[0\]\.source\.forwarding\.excludeSources: give includeSources or excludeSources, not both/,
    );
  });
});

describe('eventTopologyProblems', () => {
  const problemsOf = (edit: (t: TopologyInput) => void) => eventTopologyProblems(topologyWith(edit)).map((p) => `${p.path}: ${p.message}`);

  test('the default topology has none', () => {
    expect(eventTopologyProblems(topologyWith())).toEqual([]);
  });

  test('an invalid custom pattern is reported with its path, the rule name and the reason', () => {
    const problems = problemsOf((t) => (t.events = { customRules: [{ name: 'bad', pattern: { detail: { eventName: 'CreateBucket' } } }] }));
    expect(problems).toEqual([expect.stringMatching(/^events\.customRules\[0\]\.pattern: rule "trailbridge-bad": detail\.eventName: .+/)]);
  });

  test('unknown use cases, names taken by the catalog or used twice are reported', () => {
    const problems = problemsOf((t) => {
      t.events = {
        useCases: { 'no-such-case': { enabled: true } },
        customRules: [
          { name: 'root-account-usage', pattern: { source: ['aws.s3'] } },
          { name: 'twice', pattern: { source: ['aws.s3'] } },
          { name: 'twice', pattern: { source: ['aws.ec2'] } },
        ],
      };
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^events\.useCases\["no-such-case"\]: "no-such-case" is not a use case of the catalog; use one of unauthorized-api-calls, /),
        expect.stringMatching(/^events\.customRules\[0\]\.name: "root-account-usage" is the id of a catalog use case/),
        expect.stringMatching(/^events\.customRules\[2\]\.name: "twice" is already the name of events\.customRules\[1\]/),
      ]),
    );
  });

  test('a Lambda target elsewhere than the security account and home region is refused', () => {
    const problems = problemsOf((t) => (t.events = { useCases: { 'ec2-instance-state-changed': { target: 'lambda', functionArn: 'arn:aws:lambda:eu-west-1:333333333333:function:tagger' } } }));
    expect(problems).toEqual([expect.stringMatching(/^events\.useCases\["ec2-instance-state-changed"\]\.functionArn: .* not in the security account \(333333333333\) and the home region \(us-east-1\)/)]);
  });

  test('rules that need global events are refused when no source forwards from us-east-1', () => {
    const problems = problemsOf((t) => {
      t.regions = ['eu-west-1'];
      t.homeRegion = 'eu-west-1';
      for (const a of t.accounts) if (a.source) a.source.forwarding = { globalEventsFromUsEast1: false };
    });
    expect(problems).toContainEqual(expect.stringMatching(/^events\.useCases\["root-account-usage"\]: rule "trailbridge-root-account-usage" needs events of global services .* us-east-1 only/));
    expect(problems.some((p) => p.includes('cloudtrail-changed'))).toBe(false);
  });

  test('assertValidEventTopology throws one TopologyError the CLI prints without a stack trace', () => {
    const topology = topologyWith((t) => (t.events = { customRules: [{ name: 'bad', pattern: { source: [{ prefix: 'aws.', suffix: 'x' }] } }] }));
    expect(() => assertValidEventTopology(topology)).toThrow(TopologyError);
    expect(() => assertValidEventTopology(topology)).toThrow(/events\.customRules\[0\]\.pattern: rule "trailbridge-bad"/);
  });
});
