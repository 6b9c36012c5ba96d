import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import defaultTopology from '../../../config/default-topology.json';
import { parseTopology } from '../../../config/load';
import { formatReport } from '../../../tools/simulate/format-report';
import { SimulateInputError, type CloudTrailFile } from '../../../tools/simulate/read-cloudtrail';
import { simulateResponses, simulationResponderConfig } from '../../../tools/simulate/responses';
import { setupFromTopology, simulate } from '../../../tools/simulate/simulate-records';
import { sharedDataPath } from '../../support/shared-data';

type Json = Record<string, any>;

const raw = structuredClone(defaultTopology) as Json;
raw.regions.push('us-west-2');
// Without responses the simulator plans every one (audit-evidence too), so every plan kind shows.
const topology = parseTopology({ ...raw, responses: {} });
const panther = (JSON.parse(readFileSync(sharedDataPath('cloudtrail', 'panther', 'records.json'), 'utf8')) as { log: Json }[]).map((entry) => entry.log);
// 309: public PutBucketPolicy; 310: service-principal policy; 131: StartInstances; 258: DeleteDBInstance; 34: a console sign-in failure.
const file: CloudTrailFile = { file: 'panther/records.json', records: [309, 310, 131, 258, 34].map((i) => panther[i]!) };
const report = simulate([file], setupFromTopology(topology, 'test'));

describe('simulate: the responder plan per record', () => {
  const config = simulationResponderConfig(topology);
  const plans = simulateResponses([file], report, config);
  const byIndex = (index: number) => plans.find((p) => p.index === index);

  it('turns every response on for a topology that enables none, in report mode, with the SNS-target rules as evidence rules', () => {
    expect(Object.values(config.responses).map((r) => r?.mode)).toEqual(['report', 'report', 'report', 'report', 'report']);
    expect(config.evidence!.rules).toContain('trailbridge-s3-bucket-policy-changed');
    expect(config.evidence!.rules).not.toContain('trailbridge-console-sign-in-failures');
  });

  it('uses the responses of a topology that enables some: the default\'s, in report mode, without audit-evidence', () => {
    const own = simulationResponderConfig(parseTopology(raw));
    expect(Object.keys(own.responses)).toEqual(['block-public-bucket', 'require-mfa-for-new-users', 'tag-instance-owner', 'database-deleted']);
    expect(Object.values(own.responses).map((r) => r?.mode)).toEqual(['report', 'report', 'report', 'report']);
    expect(own.evidence).toBeUndefined();
    const bucket = simulateResponses([file], report, own).find((p) => p.index === 0)!.responses.map((r) => r.response);
    expect(bucket).toEqual(['block-public-bucket']);
  });

  it('plans block-public-bucket from the policy in the request: block, then delete the only (public) statement', () => {
    const bucket = byIndex(0)!.responses.find((r) => r.response === 'block-public-bucket')!;
    expect(bucket.reads).toEqual(['s3:GetBucketPolicy', 's3:GetBucketAcl', 's3:GetPublicAccessBlock']);
    expect(bucket.actions.map((a) => a.split(' ')[0])).toEqual(['s3:PutPublicAccessBlock', 's3:DeleteBucketPolicy']);
    expect(byIndex(0)!.responses.find((r) => r.response === 'audit-evidence')!.evidence).toHaveLength(2);
  });

  it('finds nothing to change for a non-public policy, names owner tags and the deletion alert', () => {
    expect(byIndex(1)!.responses.find((r) => r.response === 'block-public-bucket')).toMatchObject({ actions: [], nothingToDo: [expect.stringMatching(/is not public/)] });
    expect(byIndex(2)!.responses[0]).toMatchObject({ response: 'tag-instance-owner', actions: [expect.stringMatching(/^ec2:CreateTags .*arn:aws:iam::123456789012:user\/Mateo/), expect.any(String)] });
    expect(byIndex(3)!.responses[0]!.alert).toMatch(/deleted RDS DB instance production-mysql-db/);
    expect(byIndex(4)).toBeUndefined();
  });

  it('prints each plan under its record, in both modes, saying the state is derived', () => {
    const text = formatReport(report, plans);
    expect(text).toMatch(/#0 s3\.amazonaws\.com PutBucketPolicy .*\n {4}response block-public-bucket \(reads .*state derived from the event\)\n {6}report: {2}changes nothing; alerts "would have done" 2 calls\n {6}enforce: s3:PutPublicAccessBlock /);
    expect(text).toMatch(/Records the responder would act on or report: 4 \(plans in both modes, state derived from the event/);
    expect(formatReport(report)).not.toMatch(/response /);
  });

  it('reads a RESPONDER_CONFIG file, and names the file and path of a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'responder-config-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ selfRoleArns: ['arn:aws:iam::333333333333:role/r'], accounts: {}, responses: { 'database-deleted': { mode: 'enforce' } } }));
    const only = simulateResponses([file], report, simulationResponderConfig(topology, good));
    expect(only.map((p) => p.responses.map((r) => r.response))).toEqual([['database-deleted']]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ accounts: {}, responses: {} }));
    expect(() => simulationResponderConfig(topology, bad)).toThrow(SimulateInputError);
    expect(() => simulationResponderConfig(topology, bad)).toThrow(/bad\.json: RESPONDER_CONFIG is invalid:\n {2}- selfRoleArns:/);
  });
});
