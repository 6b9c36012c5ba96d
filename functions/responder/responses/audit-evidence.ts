import { createHash } from 'node:crypto';
import type { ResponderConfig } from '../config';
import { ACCESS_DENIED_CODES, decision, type Action, type Decision, type Observed, type ReadCall, type Response } from '../decision';
import { principalOf, type ResponderEvent } from '../event';

/**
 * audit-evidence: for events a sensitive rule delivered, a JSON report and a Markdown page for a
 * reviewer, written to the evidence bucket (Object Lock, SSE-KMS with the evidence key). The key
 * comes from the event, so a second delivery finds the objects (HeadObject) and writes nothing:
 * Object Lock would keep a second version forever.
 */

const MISSING_CODES: ReadonlySet<string> = new Set(['NotFound', 'NoSuchKey', '404']);

/** `evidence/<account>/<region>/<yyyy>/<mm>/<dd>/<event id>`, without the extension. */
export function evidenceKeyStem(event: ResponderEvent): string {
  const [yyyy, mm, dd] = event.time.slice(0, 10).split('-');
  const id = event.id.replace(/[^A-Za-z0-9._-]/g, '_');
  return `evidence/${event.account}/${event.region}/${yyyy}/${mm}/${dd}/${id}`;
}

/** The JSON report; no clock in it, so every delivery of an event produces the same bytes. */
export function evidenceReport(event: ResponderEvent): Record<string, unknown> {
  const principal = principalOf(event);
  return {
    kind: 'trailbridge-audit-evidence',
    version: 1,
    eventId: event.id,
    rule: event.rule,
    account: event.account,
    region: event.region,
    time: event.time,
    principal,
    call: `${event.record.eventSource} ${event.record.eventName}`,
    sourceIPAddress: event.record.sourceIPAddress,
    errorCode: event.record.errorCode,
    event: event.record,
  };
}

/** The page a reviewer reads. */
export function evidencePage(event: ResponderEvent): string {
  const principal = principalOf(event);
  const row = (name: string, value: unknown) => `| ${name} | ${value === undefined ? '-' : String(value).replace(/\|/g, '\\|')} |`;
  return [
    `# Audit evidence: ${event.record.eventName} in ${event.account}`,
    '',
    `The central rule \`${event.rule ?? '?'}\` matched this API call. The JSON report beside this page holds the full CloudTrail record.`,
    '',
    '| field | value |',
    '| --- | --- |',
    row('event id', event.id),
    row('time (UTC)', event.time),
    row('account', event.account),
    row('region', event.region),
    row('call', `${event.record.eventSource} ${event.record.eventName}`),
    row('principal', principal.arn ?? principal.type),
    row('role', principal.roleArn),
    row('session', principal.sessionName),
    row('source IP', event.record.sourceIPAddress),
    row('result', event.record.errorCode ? `failed: ${String(event.record.errorCode)}` : 'succeeded'),
    '',
  ].join('\n');
}

/**
 * The evidence bucket's account: `bucketOwner`, else the evidence key's (the key and the bucket are
 * both the log archive's). Every evidence call names it, so if the bucket name were ever another
 * account's (not created yet, or taken), S3 refuses instead of taking the reports.
 */
const evidenceOwner = (evidence: NonNullable<ResponderConfig['evidence']>): string => evidence.bucketOwner ?? evidence.kmsKeyArn.split(':')[4]!;

function readsFor(event: ResponderEvent, config: ResponderConfig): ReadCall[] {
  if (!config.evidence) return [];
  const stem = evidenceKeyStem(event);
  const params = { Bucket: config.evidence.bucket, ExpectedBucketOwner: evidenceOwner(config.evidence) };
  return ['json', 'md'].map((ext) => ({ key: ext, service: 's3', api: 'HeadObject', params: { ...params, Key: `${stem}.${ext}` }, target: 'evidence' }));
}

function decide(event: ResponderEvent, observed: Observed, config: ResponderConfig): Decision {
  const base = (fields: Partial<Decision>) => decision('audit-evidence', config, fields);
  if (!config.evidence) return base({ nothingToDo: ['no evidence bucket is configured'] });
  const stem = evidenceKeyStem(event);
  const bodies = { json: `${JSON.stringify(evidenceReport(event), null, 2)}\n`, md: evidencePage(event) };
  const contentTypes = { json: 'application/json', md: 'text/markdown; charset=utf-8' };
  const evidence: Action[] = [];
  const nothingToDo: string[] = [];
  for (const ext of ['json', 'md'] as const) {
    const Key = `${stem}.${ext}`;
    const head = observed[ext];
    if (head && head.errorCode === undefined) {
      nothingToDo.push(`s3://${config.evidence.bucket}/${Key} exists already (a second delivery): not rewritten`);
      continue;
    }
    if (head?.errorCode && !MISSING_CODES.has(head.errorCode)) {
      const kind = ACCESS_DENIED_CODES.has(head.errorCode) ? 'access-denied' : 'unreadable';
      return base({ problem: { kind, reason: `HeadObject ${Key} failed (${head.errorCode}): nothing written, since whether it exists is not known` } });
    }
    const body = bodies[ext];
    evidence.push({
      service: 's3',
      api: 'PutObject',
      target: 'evidence',
      why: `rule ${event.rule} is sensitive: keep the ${ext === 'json' ? 'report' : 'reviewer page'} under Object Lock`,
      // Object Lock requires Content-MD5 or x-amz-sdk-checksum-algorithm on every PutObject; the
      // precomputed ChecksumSHA256 alone sends neither. SHA-256 also lets a reviewer verify the object.
      // IfNoneMatch: two deliveries at once (two sensitive rules match one event) both find no object;
      // S3 then refuses the second write (412) instead of keeping a second locked version.
      params: {
        Bucket: config.evidence.bucket,
        ExpectedBucketOwner: evidenceOwner(config.evidence),
        Key,
        IfNoneMatch: '*',
        Body: body,
        ContentType: contentTypes[ext],
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: config.evidence.kmsKeyArn,
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      },
    });
  }
  return base({ evidence, nothingToDo });
}

export const auditEvidence: Response = {
  id: 'audit-evidence',
  triggers: (event, config) => config.evidence !== undefined && event.rule !== undefined && config.evidence.rules.includes(event.rule),
  readsFor,
  assumeFromEvent: () => ({ json: { errorCode: 'NotFound' }, md: { errorCode: 'NotFound' } }),
  decide,
};
