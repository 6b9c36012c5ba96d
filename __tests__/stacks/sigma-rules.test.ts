import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TopologyError } from '../../config/problems';
import { convertSigmaRule, parseSigmaRule } from '../../config/sigma';
import { parseRules } from '../../functions/forwarder/rules-schema';
import { centralRules, eventTopologyProblems } from '../../stacks/catalog';
import { sigmaRuleId } from '../../stacks/catalog/sigma-rules';
import { setupFromTopology, simulate } from '../../tools/simulate/simulate-records';
import { sharedDataPath } from '../support/shared-data';
import { synthesize, topologyWith } from '../support/synth';

const rulesDir = sharedDataPath('sigma', 'rules');
/** The shared rules that do not convert exact. */
const NOT_EXACT = [
  'aws_disable_bucket_versioning.yml', 'aws_ec2_vm_export_failure.yml', 'aws_ecs_task_definition_cred_endpoint_query.yml',
  'aws_iam_backdoor_users_keys.yml', 'aws_iam_s3browser_loginprofile_creation.yml', 'aws_iam_s3browser_templated_s3_bucket_policy_creation.yml',
  'aws_iam_s3browser_user_or_accesskey_creation.yml', 'aws_update_login_profile.yml',
];

function withSigma(sigma: Record<string, unknown>, edit: (t: any) => void = () => undefined) {
  return topologyWith((t: any) => {
    t.events = { ...t.events, sigma };
    edit(t);
  });
}

function ruleFile(dir: string, name: string, title: string, detection = '    sel:\n        eventSource: ec2.amazonaws.com\n        eventName: StopInstances\n    condition: sel', extra = 'level: high'): string {
  const file = join(dir, name);
  writeFileSync(file, `title: ${title}\nid: 11111111-2222-4333-8444-${name.length.toString().padStart(12, '0')}\nauthor: Test Author\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n${detection}\n${extra}\ntags:\n    - attack.impact\n    - attack.t1485\n`);
  return file;
}

describe('events.sigma: Sigma rules on the central bus', () => {
  // aws_enum_buckets and aws_sts_getsessiontoken_misuse match read-only calls only, which the default topology does not forward.
  const exactOnly = { paths: [rulesDir], skip: [...NOT_EXACT, 'aws_enum_buckets.yml', 'aws_sts_getsessiontoken_misuse.yml'], targets: { low: 'logs' } };

  test('every exact shared rule becomes a central rule with its pattern, Sigma id, level, author and attack tags', () => {
    const stack = synthesize(withSigma(exactOnly)).stack('security-events');
    const rules = stack.resources('aws_cloudwatch_event_rule').map(([, body]) => body).filter((b) => String(b.name).includes('-sigma-'));
    expect(rules).toHaveLength(24);
    const source = readFileSync(join(rulesDir, 'aws_cloudtrail_disable_logging.yml'), 'utf8');
    const conversion = convertSigmaRule(parseSigmaRule('aws_cloudtrail_disable_logging.yml', source));
    const rule = rules.find((r) => r.name === 'trailbridge-sigma-aws-cloudtrail-important-change')!;
    expect(JSON.parse(rule.event_pattern)).toEqual(conversion.pattern);
    expect(rule.description).toBe('trailbridge Sigma rule: AWS CloudTrail Important Change (Sigma 4db60cc0-36fb-42b7-9b58-a5b53019fb74, level medium, by vitaliy0x1)');
    expect(rule.tags).toMatchObject({ 'sigma:id': '4db60cc0-36fb-42b7-9b58-a5b53019fb74', 'sigma:level': 'medium', 'attack.defense-impairment': 'true', 'attack.t1685.002': 'true' });
    for (const r of rules) expect(r.name.length).toBeLessThanOrEqual(64);
  });

  test('levels pick the target: high to sns, medium to logs, low off by default', () => {
    const rules = centralRules(withSigma({ paths: [rulesDir], skip: NOT_EXACT })).filter((r) => r.origin === 'sigma');
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule.target).toBe({ high: 'sns', medium: 'logs' }[rule.sigma!.level as 'high' | 'medium']);
    expect(rules.some((r) => r.sigma!.level === 'low')).toBe(false);
  });

  test('names come from the title, stable and within 41 characters', () => {
    expect(sigmaRuleId('AWS ECS Task Definition That Queries The Credential Endpoint')).toBe('sigma-aws-ecs-task-definition-that-querie');
    expect(sigmaRuleId('AWS Route 53 Domain Transferred to Another Account')).toBe('sigma-aws-route-53-domain-transferred-to');
  });

  test('synth fails naming the file and reason of an unsupported rule unless it is skipped', () => {
    const problems = eventTopologyProblems(withSigma({ paths: [rulesDir], skip: NOT_EXACT.filter((f) => f !== 'aws_update_login_profile.yml') }));
    expect(problems).toEqual([
      { path: 'events.sigma.paths', message: expect.stringMatching(/aws_update_login_profile\.yml: unsupported: .*\|fieldref.*add "aws_update_login_profile\.yml" to events\.sigma\.skip/) },
    ]);
    expect(() => synthesize(withSigma({ paths: [rulesDir], skip: ['aws_update_login_profile.yml'] }))).toThrow(TopologyError);
  });

  test('an approximate rule needs allowApproximate', () => {
    const skip = NOT_EXACT.filter((f) => f !== 'aws_iam_s3browser_loginprofile_creation.yml');
    expect(eventTopologyProblems(withSigma({ paths: [rulesDir], skip })).map((p) => p.message)).toEqual([
      expect.stringMatching(/aws_iam_s3browser_loginprofile_creation\.yml: approximate: detection\.selection\.userAgent\|contains: EventBridge wildcards are case-sensitive.*set events\.sigma\.allowApproximate/),
    ]);
    const allowed = withSigma({ paths: [rulesDir], skip, allowApproximate: true });
    expect(eventTopologyProblems(allowed)).toEqual([]);
    expect(centralRules(allowed).map((r) => r.id)).toContain('sigma-aws-iam-s3browser-loginprofile-crea');
  });

  test('two rules with one name are refused, naming both files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-collide-'));
    const a = ruleFile(dir, 'a.yml', 'Instance Stopped');
    const b = ruleFile(dir, 'b.yml', 'Instance  stopped!');
    expect(eventTopologyProblems(withSigma({ paths: [dir] })).map((p) => p.message)).toEqual([
      `${b} and ${a} both become the rule sigma-instance-stopped (from their titles); change one title or skip one of them`,
    ]);
  });

  test('a rule that matches read-only calls only needs read-only forwarding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-readonly-'));
    ruleFile(dir, 'list.yml', 'Buckets Listed', '    sel:\n        eventSource: s3.amazonaws.com\n        eventName|startswith: List\n    condition: sel');
    expect(eventTopologyProblems(withSigma({ paths: [dir] })).map((p) => p.message)).toEqual([expect.stringMatching(/list\.yml: "Buckets Listed" matches read-only calls only, which no source forwards/)]);
    const forwarded = withSigma({ paths: [dir] }, (t) => {
      for (const account of t.accounts) if (account.source) account.source.forwarding = { ...account.source.forwarding, readOnlyEvents: true };
    });
    expect(eventTopologyProblems(forwarded)).toEqual([]);
    expect(centralRules(forwarded).find((r) => r.id === 'sigma-buckets-listed')!.state).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });

  test('a rule on global-service events is flagged like the catalog rules', () => {
    const rules = centralRules(withSigma(exactOnly)).filter((r) => r.origin === 'sigma');
    expect(rules.find((r) => r.id === 'sigma-aws-root-credentials')!.needsGlobalEvents).toBe(true);
    expect(rules.find((r) => r.id === 'sigma-aws-suspicious-saml-activity')!.needsGlobalEvents).toBe(true);
    expect(rules.find((r) => r.id === 'sigma-aws-cloudtrail-important-change')!.needsGlobalEvents).toBe(false);
  });

  test('an invalid rule file, a missing path and a skip entry naming nothing are problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-bad-'));
    writeFileSync(join(dir, 'bad.yml'), 'title: Bad\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n    condition: sel\n');
    const problems = eventTopologyProblems(withSigma({ paths: [dir, 'no/such/rules'], skip: ['nothing.yml'] }));
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^events\.sigma\.paths\[1\]: .*no\/such\/rules does not exist \(a relative path is resolved from the project root/),
      expect.stringMatching(/^events\.sigma\.paths: .*bad\.yml: detection\.condition: "sel": "sel" is not a search identifier/),
      'events.sigma.skip[0]: "nothing.yml" names no rule of events.sigma.paths; give a Sigma id or a file name',
    ]);
  });
});

describe('forwarder.sigmaTags', () => {
  const hostedContent = (topology: ReturnType<typeof topologyWith>) => {
    const stack = synthesize(topology).stack('observability');
    const [[, version]] = stack.resources('aws_appconfig_hosted_configuration_version');
    return JSON.parse(version!.content);
  };

  test('puts every accepted Sigma rule in the forwarder rules, low and read-only ones too, as the forwarder schema accepts them', () => {
    const topology = withSigma({ paths: [rulesDir], skip: NOT_EXACT }, (t) => {
      t.forwarder = { ...t.forwarder, sigmaTags: true };
    });
    const content = hostedContent(topology);
    expect(parseRules(content).ok).toBe(true);
    expect(content.sigma).toHaveLength(26);
    expect(content.sigma.find((r: any) => r.id === 'f305fd62-beca-47da-ad95-7690a0620084')).toMatchObject({ name: 'Potential Bucket Enumeration on AWS', level: 'low' });
    expect(content.sigma[0].pattern).toEqual({ eventSource: [{ 'equals-ignore-case': 'cloudtrail.amazonaws.com' }], eventName: expect.any(Array) });
  });

  test('is off by default: the hosted rules are the generated defaults', () => {
    expect(hostedContent(withSigma({ paths: [rulesDir], skip: NOT_EXACT })).sigma).toEqual([]);
  });

  test('without events.sigma is a problem', () => {
    const topology = topologyWith((t: any) => {
      t.forwarder = { ...t.forwarder, sigmaTags: true };
    });
    expect(eventTopologyProblems(topology)).toEqual([{ path: 'forwarder.sigmaTags', message: expect.stringMatching(/events\.sigma names no Sigma rules/) }]);
  });
});

describe('npm run simulate with events.sigma', () => {
  test('shows the Sigma rules a record fires, beside the catalog use cases', () => {
    const topology = withSigma({ paths: [rulesDir], skip: NOT_EXACT });
    const stop = JSON.parse(readFileSync(sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.defense-evasion.cloudtrail-stop.json'), 'utf8')) as Record<string, unknown>[];
    const records = stop.map((r) => ({ ...r, awsRegion: 'us-east-1' }));
    const report = simulate([{ file: 'stop.json', records }], setupFromTopology(topology, 'prod'));
    expect(report.outcomes[0]!.rules).toEqual(['trailbridge-cloudtrail-changed', 'trailbridge-sigma-aws-cloudtrail-important-change']);
    expect(report.ruleCounts['trailbridge-sigma-aws-cloudtrail-important-change']).toBe(1);
  });
});
