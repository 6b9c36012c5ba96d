import { parseResponderConfig } from '../../functions/responder/config';
import { TopologyError } from '../../config/problems';
import { parseTopology } from '../../config/load';
import { assertValidEventTopology, centralRules, evidenceRules, responderTargetRules, responseRules } from '../../stacks/catalog';
import { responderConfigFor } from '../../stacks/responder-config';
import { defaultTopologyInput, topologyWith } from '../support/synth';

const everyResponse = topologyWith((t) => {
  t.responses = {
    'block-public-bucket': { mode: 'enforce', exemptBuckets: ['www.example.com'], exemptTag: { key: 'public', value: 'true' } },
    'require-mfa-for-new-users': { exemptPaths: ['/service/'] },
    'tag-instance-owner': { mode: 'enforce', tagKeys: { owner: 'owner', role: 'owner-role' } },
    'database-deleted': {},
    'audit-evidence': { useCases: ['s3-bucket-policy-changed', 'iam-user-created'], retentionInDays: 30 },
  };
});

describe('responderConfigFor', () => {
  test('builds a RESPONDER_CONFIG the responder accepts, with the names and ARNs the stacks create', () => {
    const config = parseResponderConfig(responderConfigFor(everyResponse));
    expect(config.selfRoleArns).toEqual([
      'arn:aws:iam::333333333333:role/trailbridge-responder-function',
      'arn:aws:iam::111111111111:role/trailbridge-responder',
      'arn:aws:iam::222222222222:role/trailbridge-responder',
    ]);
    expect(config.accounts['111111111111']).toEqual({ roleArn: 'arn:aws:iam::111111111111:role/trailbridge-responder', mfaPolicyArn: 'arn:aws:iam::111111111111:policy/trailbridge-require-mfa' });
    expect(config.alertTopicArn).toBe('arn:aws:sns:us-east-1:333333333333:trailbridge-security-alerts');
    expect(config.evidence).toEqual({
      bucket: 'trailbridge-evidence-333333333333',
      bucketOwner: '333333333333',
      region: 'us-east-1',
      kmsKeyArn: 'arn:aws:kms:us-east-1:333333333333:alias/trailbridge-evidence',
      rules: ['trailbridge-s3-bucket-policy-changed', 'trailbridge-iam-user-created'],
    });
    expect(config.responses['block-public-bucket']).toEqual({ mode: 'enforce', exemptBuckets: ['www.example.com'], exemptTag: { key: 'public', value: 'true' } });
    expect(config.responses['require-mfa-for-new-users']).toEqual({ mode: 'report', exemptPaths: ['/service/'], exemptNamePrefixes: [] });
    expect(config.responses['audit-evidence']).toEqual({ mode: 'report' });
  });

  test('leaves out disabled responses and, with no action response, every source account', () => {
    const t = topologyWith((input) => {
      input.responses = { 'database-deleted': {}, 'tag-instance-owner': { enabled: false } };
    });
    const config = parseResponderConfig(responderConfigFor(t));
    expect(Object.keys(config.responses)).toEqual(['database-deleted']);
    expect(config.accounts).toEqual({});
    expect(config.selfRoleArns).toEqual(['arn:aws:iam::333333333333:role/trailbridge-responder-function']);
    expect(config.evidence).toBeUndefined();
  });

  test('is partition-aware and uses the evidence key ARN once the topology has it', () => {
    const t = topologyWith((input) => {
      input.partition = 'aws-us-gov';
      input.regions = ['us-gov-west-1'];
      input.homeRegion = 'us-gov-west-1';
      input.forwarder = { appConfigLayerArns: { 'us-gov-west-1': 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:AWS-AppConfig-Extension-Arm64:1' } };
      input.responses = { 'audit-evidence': { kmsKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:333333333333:key/0123abcd-0000-0000-0000-000000000000' } };
    });
    const config = responderConfigFor(t);
    expect(config.selfRoleArns[0]).toBe('arn:aws-us-gov:iam::333333333333:role/trailbridge-responder-function');
    expect(config.evidence!.kmsKeyArn).toBe('arn:aws-us-gov:kms:us-gov-west-1:333333333333:key/0123abcd-0000-0000-0000-000000000000');
  });

  test('names the log-archive account as the evidence bucket\'s owner, whatever account the key ARN names', () => {
    const t = topologyWith((input) => {
      input.responses = { 'audit-evidence': { kmsKeyArn: 'arn:aws:kms:us-east-1:444444444444:key/0123abcd-0000-0000-0000-000000000000' } };
    });
    const logArchive = t.accounts.find((a) => a.roles.includes('log-archive'))!.id;
    expect(logArchive).not.toBe('444444444444');
    const config = parseResponderConfig(responderConfigFor(t));
    expect(config.evidence).toMatchObject({ bucket: `trailbridge-evidence-${logArchive}`, bucketOwner: logArchive });
  });
});

describe('responses in the catalog', () => {
  test('one rule per enabled action response, excluding the responder session in every account', () => {
    const rules = responseRules(everyResponse);
    expect(rules.map((r) => r.name)).toEqual(['trailbridge-respond-block-public-bucket', 'trailbridge-respond-require-mfa-for-new-users', 'trailbridge-respond-tag-instance-owner']);
    expect(rules[2].pattern).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ec2.amazonaws.com'],
        eventName: ['RunInstances', 'StartInstances'],
        errorCode: [{ exists: false }],
        userIdentity: { arn: [{ 'anything-but': { wildcard: 'arn:aws:sts::*:assumed-role/trailbridge-responder/trailbridge-responder' } }] },
      },
    });
    expect(() => assertValidEventTopology(everyResponse)).not.toThrow();
  });

  test('the sensitive rules default to the sns use cases; the responder also gets database-deleted', () => {
    const t = topologyWith((input) => {
      input.responses = { 'audit-evidence': {}, 'database-deleted': {} };
    });
    const sensitive = evidenceRules(t);
    expect(sensitive.length).toBeGreaterThan(3);
    expect(sensitive.every((r) => r.target === 'sns')).toBe(true);
    expect(responderTargetRules(everyResponse).map((r) => r.id)).toEqual(['s3-bucket-policy-changed', 'iam-user-created', 'database-deleted']);
  });

  test('names the path of audit-evidence use cases that are not in the catalog or are disabled', () => {
    const t = topologyWith((input) => {
      input.events = { useCases: { 'root-account-usage': { enabled: false }, 'database-deleted': { enabled: false } } };
      input.responses = { 'audit-evidence': { useCases: ['no-such-case', 'root-account-usage'] }, 'database-deleted': {} };
    });
    expect(() => assertValidEventTopology(t)).toThrow(TopologyError);
    expect(() => assertValidEventTopology(t)).toThrow(/responses\["audit-evidence"\]\.useCases\[0\]: "no-such-case" is not a use case of the catalog/);
    expect(() => assertValidEventTopology(t)).toThrow(/responses\["audit-evidence"\]\.useCases\[1\]: use case "root-account-usage" is disabled/);
    expect(() => assertValidEventTopology(t)).toThrow(/responses\["database-deleted"\]: rides on the use case database-deleted, which is disabled/);
  });

  test('responses with no alert topic (no enabled rule targets sns) are refused with the fix', () => {
    const base = topologyWith((input) => (input.responses = { 'block-public-bucket': { enabled: true, mode: 'report' } }));
    const snsRules = centralRules(base).filter((r) => r.target === 'sns');
    expect(snsRules.length).toBeGreaterThan(0);
    expect(() => assertValidEventTopology(base)).not.toThrow();
    const noTopic = topologyWith((input) => {
      input.responses = { 'block-public-bucket': { enabled: true, mode: 'report' } };
      input.events = { useCases: Object.fromEntries(snsRules.map((r) => [r.id, { target: 'sqs' }])) };
    });
    expect(centralRules(noTopic).some((r) => r.target === 'sns')).toBe(false);
    expect(() => assertValidEventTopology(noTopic)).toThrow(/responses\["block-public-bucket"\]: the responder tells what it did.*no enabled rule targets sns.*target sns with a use case/);
  });

  test('the schema names the path of a bad response option', () => {
    const input = defaultTopologyInput();
    input.responses = { 'tag-instance-owner': { mode: 'always' as 'report', tagKeys: { owner: 'o', role: 'o' } } };
    expect(() => parseTopology(input, 't')).toThrow(/responses\["tag-instance-owner"\]\.mode/);
    expect(() => parseTopology(input, 't')).toThrow(/responses\["tag-instance-owner"\]\.tagKeys\.role: "o" is already the owner tag key/);
  });

  test('refuses an owner tag key EC2 reserves (aws:), which every CreateTags of the responder would fail on', () => {
    const input = defaultTopologyInput();
    input.responses = { 'tag-instance-owner': { tagKeys: { owner: 'Owner', session: 'AWS:session' } } };
    expect(() => parseTopology(input, 't')).toThrow(/responses\["tag-instance-owner"\]\.tagKeys\.session: "AWS:session" begins with "aws:", which AWS reserves/);
  });
});
