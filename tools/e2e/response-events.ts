import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compilePattern } from '../../functions/lib/event-pattern';
import type { EventPattern } from '../../stacks/catalog/use-case';
import { toEnvelope } from '../simulate/envelope';
import { SHARED_CLOUDTRAIL_DIR } from './cloudtrail-files';

/**
 * Pure parts of the responses' e2e (tools/e2e/responses-check.ts): CloudTrail-shaped events for the
 * calls the run made, built on real shared records with the ids replaced, and the {rule, event}
 * inputs the rules' input transformer sends the responder.
 */

export type CloudTrailRecord = Record<string, any>;

/** Every shared record: the Stratus Red Team files and the Panther test cases' logs. */
export function sharedRecords(dir: string = join(SHARED_CLOUDTRAIL_DIR, '..')): CloudTrailRecord[] {
  const stratus = join(dir, 'stratus-red-team');
  const fromStratus = readdirSync(stratus)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      const parsed = JSON.parse(readFileSync(join(stratus, f), 'utf8'));
      return (Array.isArray(parsed) ? parsed : parsed.Records) as CloudTrailRecord[];
    });
  const panther = (JSON.parse(readFileSync(join(dir, 'panther', 'records.json'), 'utf8')) as { log?: unknown }[])
    .map((t) => t.log)
    .filter((l): l is CloudTrailRecord => typeof l === 'object' && l !== null && !Array.isArray(l));
  return [...fromStratus, ...panther];
}

/** The first successful record of a call: the template of the event the run builds for it. */
export function templateRecord(records: readonly CloudTrailRecord[], eventSource: string, eventName: string): CloudTrailRecord {
  const found = records.find((r) => r.eventSource === eventSource && r.eventName === eventName && !r.errorCode);
  if (!found) throw new Error(`no successful ${eventSource} ${eventName} record in ../shared/data/cloudtrail to build the responses' e2e event on`);
  return structuredClone(found);
}

/** Who made the calls: the run's session in the account, as CloudTrail records an assumed role. */
export function assumedRoleIdentity(sessionArn: string): CloudTrailRecord {
  const m = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(sessionArn);
  if (!m) throw new Error(`${sessionArn} is not an assumed-role session ARN (arn:<partition>:sts::<account>:assumed-role/<role>/<session>)`);
  const [, partition, account, role] = m;
  return {
    type: 'AssumedRole',
    principalId: `AROAE2E:${m[4]}`,
    arn: sessionArn,
    accountId: account,
    sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROAE2E', arn: `arn:${partition}:iam::${account}:role/${role}`, accountId: account, userName: role } },
  };
}

export interface CallFacts {
  readonly account: string;
  readonly region: string;
  readonly eventId: string;
  readonly time: Date;
  readonly sessionArn: string;
  readonly requestParameters: CloudTrailRecord;
  readonly responseElements: CloudTrailRecord | null;
}

/** The template with the run's ids: account, region, event id, time, principal and the call's own parameters. */
export function recordOfCall(template: CloudTrailRecord, facts: CallFacts): CloudTrailRecord {
  return {
    ...template,
    eventID: facts.eventId,
    eventTime: facts.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    awsRegion: facts.region,
    recipientAccountId: facts.account,
    userIdentity: assumedRoleIdentity(facts.sessionArn),
    requestParameters: facts.requestParameters,
    responseElements: facts.responseElements,
  };
}

/** The EventBridge event of a record, with the source account and region (as the central bus receives it). */
export function envelopeOf(record: CloudTrailRecord): Record<string, unknown> {
  const envelope = toEnvelope(record);
  if ('reason' in envelope) throw new Error(`the ${record.eventName} record makes no EventBridge event: ${envelope.reason}`);
  return { ...envelope, id: `e2e-${record.eventID}`, account: record.recipientAccountId, region: record.awsRegion, time: record.eventTime };
}

/** A rule on the central bus that delivers to the responder. */
export interface ResponderRule {
  readonly name: string;
  readonly pattern: EventPattern;
}

/** What the responder receives for an event: one {rule, event} per matching rule (the input transformer's body). */
export function responderInputs(envelope: Record<string, unknown>, rules: readonly ResponderRule[]): { rule: string; event: Record<string, unknown> }[] {
  return rules.filter((r) => compilePattern(r.pattern).matches(envelope)).map((r) => ({ rule: r.name, event: envelope }));
}

/** A bucket policy with one public statement (any principal) and one that names a fixed principal. */
export function halfPublicPolicy(partition: string, bucket: string, account: string): { policy: CloudTrailRecord; publicSid: string; keptSid: string } {
  const publicSid = 'E2ePublicRead';
  const keptSid = 'E2eAccountRead';
  return {
    publicSid,
    keptSid,
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Sid: publicSid, Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:${partition}:s3:::${bucket}/*` },
        { Sid: keptSid, Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 's3:GetObject', Resource: `arn:${partition}:s3:::${bucket}/*` },
      ],
    },
  };
}

/** The Sids of a policy document (JSON text), in order; a missing policy has none. */
export function statementIds(policyText: string | undefined): string[] {
  if (!policyText) return [];
  const doc = JSON.parse(policyText) as { Statement?: { Sid?: string }[] | { Sid?: string } };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return statements.map((s) => s.Sid ?? '(no Sid)');
}

/** The decision log lines (message "decision") of what the responder printed, in order. */
export function decisionLines(output: string): Record<string, any>[] {
  return logLines(output).filter((l) => l.message === 'decision');
}

/** The log lines that are neither decisions nor EMF metrics (what went wrong, when something did). */
export function otherLogLines(output: string): Record<string, any>[] {
  return logLines(output).filter((l) => l.message !== 'decision' && l._aws === undefined);
}

function logLines(output: string): Record<string, any>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, any>;
      } catch {
        return undefined;
      }
    })
    .filter((l): l is Record<string, any> => typeof l === 'object' && l !== null);
}
