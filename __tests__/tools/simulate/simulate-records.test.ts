import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import defaultTopology from '../../../config/default-topology.json';
import { parseTopology } from '../../../config/load';
import type { Topology } from '../../../config/schema';
import { InvalidPatternError } from '../../../functions/lib/event-pattern';
import { centralRules } from '../../../stacks/catalog';
import { formatReport } from '../../../tools/simulate/format-report';
import { readCloudTrailFile, SimulateInputError, type CloudTrailFile } from '../../../tools/simulate/read-cloudtrail';
import { setupFromTopology, simulate, type SimulationReport } from '../../../tools/simulate/simulate-records';
import { sharedDataPath } from '../../support/shared-data';

type Json = Record<string, any>;

/** The default topology with changes applied to a copy of its JSON. */
function topologyWith(change: (raw: Json) => void = () => undefined): Topology {
  const raw = structuredClone(defaultTopology) as Json;
  change(raw);
  return parseTopology(raw);
}

const panther = (JSON.parse(readFileSync(sharedDataPath('cloudtrail', 'panther', 'records.json'), 'utf8')) as { log: unknown }[]).map((entry) => entry.log as Json);
const pantherFile = (...indexes: number[]): CloudTrailFile => ({ file: 'panther/records.json', records: indexes.map((i) => panther[i]!) });

/** Physical rule name of a catalog use case in this topology. */
const ruleName = (topology: Topology, id: string): string => centralRules(topology).find((rule) => rule.id === id)!.name;

const run = (topology: Topology, files: CloudTrailFile[], asAccount?: string): SimulationReport => simulate(files, setupFromTopology(topology, asAccount));

describe('console sign-ins (panther records, us-east-1)', () => {
  const topology = topologyWith();
  // 34: IAM user, failed; 71: IAM user, succeeded without MFA; 53: IAM user with MFA; 73: root, succeeded.
  const report = run(topology, [pantherFile(34, 71, 53, 73)], 'test');
  const fired = (index: number) => report.outcomes[index]!.rules;

  it('hit the sign-in failure rule', () => {
    expect(fired(0)).toEqual([ruleName(topology, 'console-sign-in-failures')]);
  });

  it('hit the sign-in without MFA rule, and not with MFA', () => {
    expect(fired(1)).toEqual([ruleName(topology, 'console-sign-in-without-mfa')]);
    expect(fired(2)).toEqual([]);
    expect(report.unmatched.map((outcome) => outcome.index)).toEqual([2]);
  });

  it('hit the root usage rule', () => {
    expect(fired(3)).toContain(ruleName(topology, 'root-account-usage'));
  });

  it('count records per rule', () => {
    expect(report.ruleCounts[ruleName(topology, 'console-sign-in-failures')]).toBe(1);
    expect(report.ruleCounts[ruleName(topology, 'database-deleted')]).toBe(0);
  });

  it('through a regional console endpoint arrive in that region only', () => {
    const regional = run(topology, [pantherFile(57)], 'test');
    expect(regional.dropped[0]!.dropped).toBe('test has no forwarding rule in us-west-2 (not an enabled region)');
  });
});

describe('a CreateBucket call (cloud-custodian record, us-west-2)', () => {
  const envelope = JSON.parse(readFileSync(sharedDataPath('eventbridge', 'cloud-custodian', 'event-cloud-trail-create-bucket.json'), 'utf8')) as Json;
  const file: CloudTrailFile = { file: 'create-bucket.json', records: [envelope.detail] };

  it('hits the bucket-logger rule when its region is enabled', () => {
    const topology = topologyWith((raw) => raw.regions.push('us-west-2'));
    const report = run(topology, [file], 'prod');
    expect(report.outcomes[0]).toMatchObject({ account: '222222222222', region: 'us-west-2' });
    expect(report.outcomes[0]!.rules).toContain(ruleName(topology, 's3-bucket-created'));
    expect(centralRules(topology).find((rule) => rule.id === 's3-bucket-created')!.target).toBe('lambda');
  });

  it('never reaches the central bus when its region has no forwarding rule', () => {
    const report = run(topologyWith(), [file], 'prod');
    expect(report.dropped).toHaveLength(1);
    expect(report.dropped[0]!.dropped).toMatch(/no forwarding rule in us-west-2/);
  });
});

describe('stratus-red-team log files', () => {
  const topology = topologyWith();

  it('deliver IAM calls in us-east-1 whatever region they name, hitting the IAM user rule', () => {
    const file = readCloudTrailFile(sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.persistence.iam-create-admin-user.json'));
    const report = run(topology, [file], 'test');
    const createUser = report.outcomes.find((outcome) => outcome.eventName === 'CreateUser')!;
    expect(createUser.region).toBe('us-east-1');
    expect(createUser.rules).toEqual([ruleName(topology, 'iam-user-created')]);
  });

  it('drop regional calls of regions the topology does not enable, naming the region', () => {
    const file = readCloudTrailFile(sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.defense-evasion.cloudtrail-stop.json'));
    const report = run(topology, [file], 'test');
    expect(report.dropped.map((outcome) => outcome.dropped)).toContain('test has no forwarding rule in apiso-centralnorth-2r (not an enabled region)');
  });

  it('are not delivered from accounts outside the topology', () => {
    const file = readCloudTrailFile(sharedDataPath('cloudtrail', 'stratus-red-team', 'aws.persistence.iam-create-admin-user.json'));
    const report = run(topology, [file]);
    expect(report.dropped).toHaveLength(file.records.length);
    expect(report.dropped[0]!.dropped).toMatch(/^account \d{12} is not a source account of the topology/);
  });
});

describe('read-only management events (panther DescribeTrafficMirrorTargets)', () => {
  const enableStream = (raw: Json) => (raw.events = { useCases: { 'all-api-calls': { enabled: true } } });

  it('do not reach the central bus unless the account forwards them', () => {
    const report = run(topologyWith(enableStream), [pantherFile(138)], 'test');
    expect(report.dropped[0]!.dropped).toBe('read-only management event, and test does not forward those (forwarding.readOnlyEvents)');
  });

  it('reach the central rules when forwarding.readOnlyEvents is on', () => {
    const topology = topologyWith((raw) => {
      enableStream(raw);
      raw.accounts[0].source.forwarding = { readOnlyEvents: true };
    });
    const report = run(topology, [pantherFile(138)], 'test');
    expect(report.outcomes[0]!.rules).toEqual([ruleName(topology, 'all-api-calls')]);
  });
});

describe('setup errors', () => {
  it('names the source accounts when --as-account is unknown', () => {
    expect(() => setupFromTopology(topologyWith(), 'nope')).toThrow(new SimulateInputError('--as-account nope: not a source account of the topology; use one of test, prod'));
  });

  it('names the rule whose pattern is invalid', () => {
    const setup = { sourceAccounts: [], centralRules: [{ name: 'broken', pattern: { source: 'aws.s3' } }] };
    expect(() => simulate([], setup)).toThrow(InvalidPatternError);
    expect(() => simulate([], setup)).toThrow(/rule broken: source: "source" must be an object or an array/);
  });
});

describe('Sigma rules: central-bus hits and forwarder tags with the Sigma id and level', () => {
  const rulesDir = sharedDataPath('sigma', 'rules');
  /** The id, level and title of a shared rule, read from its YAML. */
  const shared = (file: string) => {
    const rule = parse(readFileSync(join(rulesDir, file), 'utf8')) as { id: string; level: string; title: string };
    return { id: rule.id, level: rule.level, title: rule.title };
  };
  const backdoorKeys = shared('aws_iam_backdoor_users_keys.yml');
  const assumeRoleMisuse = shared('aws_sts_assumerole_misuse.yml');
  const topology = topologyWith((raw) => {
    raw.events = { sigma: { paths: [rulesDir], allowApproximate: true, skip: ['aws_update_login_profile.yml'] } };
    raw.forwarder = { ...raw.forwarder, sigmaTags: true };
  });
  const stratus = (name: string): CloudTrailFile => readCloudTrailFile(sharedDataPath('cloudtrail', 'stratus-red-team', name));
  // iam-backdoor-user: #0 CreateAccessKey (IAM, delivered in us-east-1); login-profile: #1 DeleteLoginProfile;
  // ec2-get-password-data: calls of an assumed role and of an IAM user (not delivered: the data's regions are not enabled).
  const files = [stratus('aws.persistence.iam-backdoor-user.json'), stratus('aws.persistence.iam-create-user-login-profile.json'), stratus('aws.credential-access.ec2-get-password-data.json')];
  const report = run(topology, files, 'test');
  const outcome = (file: number, index: number) => report.outcomes.find((o) => o.file === files[file]!.file && o.index === index)!;
  const backdoorRule = centralRules(topology).find((rule) => rule.sigma?.id === backdoorKeys.id)!.name;

  it('names the Sigma id, level and title beside the central rule a matching record fires, and nothing for a record it does not match', () => {
    const hit = outcome(0, 0);
    expect(hit.rules).toContain(backdoorRule);
    expect(hit.sigma).toEqual([{ rule: backdoorRule, ...backdoorKeys }]);
    const miss = outcome(1, 1);
    expect(miss.dropped).toBeUndefined();
    expect(miss.eventName).toBe('DeleteLoginProfile');
    expect(miss.sigma).toEqual([]);
  });

  it('lists the forwarder tags of every record, levels the central bus leaves off included, delivered or not', () => {
    expect(outcome(0, 0).sigmaTags).toContainEqual(backdoorKeys);
    expect(outcome(1, 1).sigmaTags).toEqual([]);
    const byRole = (o: { index: number }) => (files[2]!.records[o.index]!.userIdentity as Json).type === 'AssumedRole';
    const ofFile = report.outcomes.filter((o) => o.file === files[2]!.file);
    expect(ofFile.filter(byRole).length).toBeGreaterThan(0);
    expect(ofFile.filter((o) => !byRole(o)).length).toBeGreaterThan(0);
    for (const o of ofFile) {
      expect(o.dropped).toBeDefined();
      if (byRole(o)) expect(o.sigmaTags).toContainEqual(assumeRoleMisuse);
      else expect(o.sigmaTags).not.toContainEqual(assumeRoleMisuse);
    }
    // low is off on the central bus by default: a tag, not a central rule.
    expect(centralRules(topology).some((rule) => rule.sigma?.id === assumeRoleMisuse.id)).toBe(false);
  });

  it('prints them under the record in the text report, and leaves the tags out without forwarder.sigmaTags', () => {
    const text = formatReport(report);
    const lines = text.split('\n');
    const at = lines.findIndex((line) => line.startsWith(`${files[0]!.file}#0 `));
    expect(lines.slice(at + 1, at + 3)).toEqual([
      `    Sigma ${backdoorKeys.id} level ${backdoorKeys.level}: ${backdoorKeys.title} (central rule ${backdoorRule})`,
      `    forwarder tag (threat.rule.*) Sigma ${backdoorKeys.id} level ${backdoorKeys.level}: ${backdoorKeys.title}`,
    ]);
    const missAt = lines.findIndex((line) => line.startsWith(`${files[1]!.file}#1 `));
    expect(lines[missAt + 1]).not.toMatch(/Sigma/);
    const untagged = run(topologyWith((raw) => (raw.events = { sigma: { paths: [rulesDir], allowApproximate: true, skip: ['aws_update_login_profile.yml'] } })), files, 'test');
    expect(untagged.outcomes.every((o) => o.sigmaTags === undefined)).toBe(true);
    expect(untagged.outcomes[0]!.sigma).toEqual(outcome(0, 0).sigma);
    expect(formatReport(untagged)).not.toMatch(/forwarder tag/);
  });
});
