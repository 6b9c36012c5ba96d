import { readFileSync } from 'node:fs';
import { parseResponderConfig, type ResponderConfig } from '../../../../functions/responder/config';
import { parseEvent, type Json, type ResponderEvent } from '../../../../functions/responder/event';
import { sharedDataPath } from '../../../support/shared-data';

/** The panther CloudTrail sample records (../shared/data/cloudtrail/panther/records.json), by index. */
export function pantherRecord(index: number): Json {
  const entries = JSON.parse(readFileSync(sharedDataPath('cloudtrail', 'panther', 'records.json'), 'utf8')) as { log: Json }[];
  const record = entries[index]?.log;
  if (!record) throw new Error(`panther/records.json has no record ${index}`);
  return structuredClone(record);
}

/** The first record named `eventName` in a stratus-red-team file. */
export function stratusRecord(file: string, eventName: string): Json {
  const data = JSON.parse(readFileSync(sharedDataPath('cloudtrail', 'stratus-red-team', file), 'utf8')) as Json | Json[];
  const records = (Array.isArray(data) ? data : (data.Records as Json[])) ?? [];
  const record = records.find((r) => r.eventName === eventName);
  if (!record) throw new Error(`stratus-red-team/${file} has no ${eventName} record`);
  return structuredClone(record);
}

/** What the rule target delivers: the input transformer's `{rule, event}` around an EventBridge envelope. */
export function delivered(record: Json, rule = 'trailbridge-test-rule'): Json {
  return {
    rule,
    event: {
      version: '0',
      id: `eb-${String(record.eventID ?? 'x')}`,
      'detail-type': 'AWS API Call via CloudTrail',
      source: `aws.${String(record.eventSource).replace(/\.amazonaws\.com$/, '')}`,
      account: record.recipientAccountId ?? (record.userIdentity as Json | undefined)?.accountId,
      time: record.eventTime,
      region: record.awsRegion,
      resources: [],
      detail: record,
    },
  };
}

/** The parsed event of a record; fails the test when the record is not usable. */
export function eventOf(record: Json, rule?: string): ResponderEvent {
  const parsed = parseEvent(delivered(record, rule));
  if (!parsed.ok) throw new Error(`record not usable: ${parsed.reason}`);
  return parsed.event;
}

export const RESPONDER_ROLE = 'arn:aws:iam::333333333333:role/trailbridge-responder';

/** Every response on, in the given mode, with every account the records use. */
export function testConfig(mode: 'report' | 'enforce' = 'enforce', change: (raw: Json) => void = () => undefined): ResponderConfig {
  const accounts = ['123456789012', '111111111111', '111122223333', '123123123123', '229654561268', '070411556318', '309303190113', '900138736586'];
  const raw: Json = {
    partition: 'aws',
    alertTopicArn: 'arn:aws:sns:us-east-1:333333333333:trailbridge-security-alerts',
    selfRoleArns: [RESPONDER_ROLE, ...accounts.map((id) => `arn:aws:iam::${id}:role/trailbridge-source-responder`)],
    accounts: Object.fromEntries(accounts.map((id) => [id, { roleArn: `arn:aws:iam::${id}:role/trailbridge-source-responder`, mfaPolicyArn: `arn:aws:iam::${id}:policy/trailbridge-require-mfa` }])),
    evidence: { bucket: 'trailbridge-evidence-333333333333', kmsKeyArn: 'arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab', rules: ['trailbridge-s3-bucket-policy-changed', 'trailbridge-iam-user-created'] },
    responses: {
      'block-public-bucket': { mode, exemptBuckets: ['public-website'], exemptTag: { key: 'public', value: 'true' } },
      'require-mfa-for-new-users': { mode, exemptPaths: ['/service/'], exemptNamePrefixes: ['svc-'] },
      'tag-instance-owner': { mode, tagKeys: { owner: 'owner', role: 'owner-role', session: 'owner-session' } },
      'database-deleted': { mode },
      'audit-evidence': { mode },
    },
  };
  change(raw);
  return parseResponderConfig(raw);
}
