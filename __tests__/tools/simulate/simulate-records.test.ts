import { readFileSync } from 'node:fs';
import defaultTopology from '../../../config/default-topology.json';
import { parseTopology } from '../../../config/load';
import type { Topology } from '../../../config/schema';
import { InvalidPatternError } from '../../../functions/lib/event-pattern';
import { centralRules } from '../../../stacks/catalog';
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
