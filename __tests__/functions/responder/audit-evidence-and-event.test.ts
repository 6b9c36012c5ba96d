import { createHash } from 'node:crypto';
import { parseEvent, selfCaused } from '../../../functions/responder/event';
import { triggers } from '../../../functions/responder/plan';
import { auditEvidence } from '../../../functions/responder/responses';
import { delivered, eventOf, pantherRecord, RESPONDER_ROLE, testConfig } from './support/records';

const config = testConfig('report');
const SENSITIVE = 'trailbridge-s3-bucket-policy-changed';

describe('audit-evidence', () => {
  const event = eventOf(pantherRecord(309), SENSITIVE);

  it('applies only to events a sensitive rule delivered', () => {
    expect(auditEvidence.triggers(event, config)).toBe(true);
    expect(auditEvidence.triggers(eventOf(pantherRecord(309), 'trailbridge-vpc-changed'), config)).toBe(false);
    const bare = parseEvent((delivered(pantherRecord(309)) as { event: unknown }).event);
    expect(bare.ok && auditEvidence.triggers(bare.event, config)).toBe(false);
  });

  it('writes a JSON report and a Markdown page under the dated key, SSE-KMS with a checksum, in report mode too', () => {
    const decision = auditEvidence.decide(event, { json: { errorCode: 'NotFound' }, md: { errorCode: 'NotFound' } }, config);
    expect(decision.mode).toBe('report');
    expect(decision.evidence.map((a) => a.params.Key)).toEqual(['evidence/123456789012/us-west-2/2019/01/01/eb-1111.json', 'evidence/123456789012/us-west-2/2019/01/01/eb-1111.md']);
    const [json, md] = decision.evidence;
    expect(json!.params).toMatchObject({ Bucket: 'trailbridge-evidence-333333333333', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: config.evidence!.kmsKeyArn });
    // Object Lock refuses a PutObject without Content-MD5 or x-amz-sdk-checksum-algorithm (the SDK sends it only with ChecksumAlgorithm).
    expect(json!.params.ChecksumAlgorithm).toBe('SHA256');
    expect(json!.params.ChecksumSHA256).toBe(createHash('sha256').update(json!.params.Body as string).digest('base64'));
    const report = JSON.parse(json!.params.Body as string);
    expect(report).toMatchObject({ rule: SENSITIVE, account: '123456789012', region: 'us-west-2', time: '2019-01-01T00:00:00.000Z', principal: { arn: 'arn:aws:sts::123456789012:assumed-role/example-role/example-user' } });
    expect(report.event.eventName).toBe('PutBucketPolicy');
    expect(md!.params.Body).toMatch(/^# Audit evidence: PutBucketPolicy in 123456789012\n[^]*\| principal \| arn:aws:sts::123456789012:assumed-role\/example-role\/example-user \|/);
  });

  it('produces the same bytes on every delivery, and writes nothing when the objects exist', () => {
    const missing = { json: { errorCode: 'NotFound' }, md: { errorCode: 'NotFound' } } as const;
    expect(auditEvidence.decide(event, missing, config).evidence).toEqual(auditEvidence.decide(event, missing, config).evidence);
    const again = auditEvidence.decide(event, { json: { output: {} }, md: { output: {} } }, config);
    expect(again.evidence).toEqual([]);
    expect(again.nothingToDo).toHaveLength(2);
    expect(again.nothingToDo[0]).toMatch(/exists already \(a second delivery\): not rewritten/);
  });

  it('a HeadObject that failed otherwise than "not found" writes nothing, and says which kind of failure it was', () => {
    const failed = (code: string) => auditEvidence.decide(event, { json: { errorCode: code }, md: { errorCode: 'NotFound' } }, config);
    expect(failed('AccessDenied')).toMatchObject({ evidence: [], problem: { kind: 'access-denied' } });
    // The bucket not created yet, or evidence.region wrong: not an access denied (the AccessDenied metric would send an operator to the policies).
    for (const code of ['NoSuchBucket', 'PermanentRedirect']) {
      expect(failed(code)).toMatchObject({ evidence: [], problem: { kind: 'unreadable', reason: expect.stringContaining(`(${code})`) } });
    }
  });
});

describe('audit-evidence bucket owner', () => {
  it('pins every evidence read and write to the evidence account, so a same-named bucket of another account never gets a report', () => {
    const event = eventOf(pantherRecord(309), SENSITIVE);
    const missing = { json: { errorCode: 'NotFound' }, md: { errorCode: 'NotFound' } } as const;
    const calls = (c: typeof config) => [...auditEvidence.readsFor(event, c), ...auditEvidence.decide(event, missing, c).evidence];
    // The evidence key lives in the bucket's account (the log archive): its ARN names the owner by default.
    const byKey = calls(config);
    expect(byKey).toHaveLength(4);
    for (const call of byKey) expect(call.params.ExpectedBucketOwner).toBe('333333333333');
    const named = testConfig('report', (raw) => { (raw.evidence as Record<string, unknown>).bucketOwner = '444444444444'; });
    expect(calls(named).map((call) => call.params.ExpectedBucketOwner)).toEqual(['444444444444', '444444444444', '444444444444', '444444444444']);
  });
});

describe('the responder input', () => {
  it('accepts the input transformer shape and a bare envelope', () => {
    const wrapped = parseEvent(delivered(pantherRecord(258), 'trailbridge-database-deleted'));
    expect(wrapped).toMatchObject({ ok: true, event: { rule: 'trailbridge-database-deleted', account: '123456789012', region: 'us-east-1' } });
    const bare = parseEvent((delivered(pantherRecord(258)) as { event: unknown }).event);
    expect(bare).toMatchObject({ ok: true, event: { rule: undefined } });
  });

  it('takes a message of its failure queue as it is: a Lambda on-failure record carries the input as requestPayload', () => {
    const input = delivered(pantherRecord(309), SENSITIVE);
    const record = {
      version: '1.0',
      timestamp: '2024-12-16T18:45:00.000Z',
      requestContext: { requestId: 'r-1', functionArn: 'arn:aws:lambda:us-east-1:333333333333:function:trailbridge-responder:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: input,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'RetryableResponderError', errorMessage: 'block-public-bucket: s3:PutBucketPolicy failed (SlowDown)' },
    };
    expect(parseEvent(record)).toEqual(parseEvent(input));
    expect(parseEvent(record)).toMatchObject({ ok: true, event: { rule: SENSITIVE, id: 'eb-1111' } });
  });

  it('refuses what it cannot use, with the event id and the reason', () => {
    expect(parseEvent('x')).toEqual({ ok: false, reason: 'the input is not a JSON object' });
    expect(parseEvent({ id: 'e1', detail: { eventName: 'X' } })).toEqual({ ok: false, reason: 'detail.eventSource or detail.eventName is missing', eventId: 'e1' });
  });

  it('refuses an envelope whose source is not an AWS service: PutEvents can give any other source a CloudTrail detail-type', () => {
    const envelope = (delivered(pantherRecord(309)) as { event: Record<string, unknown> }).event;
    expect(parseEvent({ rule: 'r', event: envelope })).toMatchObject({ ok: true });
    expect(parseEvent({ rule: 'r', event: { ...envelope, source: 'my.app' } })).toEqual({
      ok: false,
      reason: 'source: "my.app" is not an AWS service (aws.*): only AWS delivers CloudTrail events, any principal with events:PutEvents can send this one',
      eventId: 'eb-1111',
    });
    expect(parseEvent({ ...envelope, source: 42 })).toMatchObject({ ok: false, reason: expect.stringMatching(/^source: 42 is not an AWS service/) });
  });

  it('refuses an account or region that is missing or not one, naming the field: they name the role, the clients, the evidence key', () => {
    const envelope = (delivered(pantherRecord(309)) as { event: Record<string, unknown> }).event;
    const refused = (change: Record<string, unknown>) => parseEvent({ rule: 'r', event: { ...envelope, ...change } });
    // "constructor" is a key of every object: looked up in accounts, it found Object's constructor, not "no such account".
    expect(refused({ account: 'constructor' })).toEqual({ ok: false, reason: 'account: "constructor" is not a 12-digit AWS account id', eventId: 'eb-1111' });
    expect(refused({ account: '1234' })).toMatchObject({ ok: false, reason: 'account: "1234" is not a 12-digit AWS account id' });
    expect(refused({ region: 'us-east-1/../x' })).toMatchObject({ ok: false, reason: 'region: "us-east-1/../x" is not an AWS region name' });
    const detail = envelope.detail as Record<string, unknown>;
    const { recipientAccountId: _r, userIdentity: _u, ...noAccount } = detail;
    expect(parseEvent({ ...envelope, account: undefined, detail: noAccount })).toMatchObject({ ok: false, reason: 'the event names no account (account, detail.recipientAccountId, detail.userIdentity.accountId)' });
    expect(parseEvent({ ...envelope, region: undefined, detail: { ...detail, awsRegion: undefined } })).toMatchObject({ ok: false, reason: 'the event names no region (region, detail.awsRegion)' });
    // From the record when the envelope has none, checked alike.
    expect(parseEvent({ ...envelope, account: undefined, detail: { ...detail, recipientAccountId: 'x' } })).toMatchObject({ ok: false, reason: 'detail.recipientAccountId: "x" is not a 12-digit AWS account id' });
  });

  it('reads the panther timestamp format', () => {
    expect(eventOf(pantherRecord(99)).time).toBe('2024-12-16T18:41:07.000Z');
  });

  it('recognizes the responder itself: its function role and a source responder role, as assumed-role or issuer ARN', () => {
    const own = pantherRecord(309);
    own.userIdentity = { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/trailbridge-source-responder/trailbridge-responder', sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::123456789012:role/trailbridge-source-responder' } } };
    expect(selfCaused(eventOf(own), config.selfRoleArns)).toMatch(/made by the responder itself/);
    const fn = pantherRecord(309);
    fn.userIdentity = { type: 'AssumedRole', arn: RESPONDER_ROLE.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + '/trailbridge-responder' };
    expect(selfCaused(eventOf(fn), config.selfRoleArns)).toMatch(/made by the responder itself/);
    expect(selfCaused(eventOf(pantherRecord(309)), config.selfRoleArns)).toBeUndefined();
  });

  it('lists the responses that apply, none for an unrelated call', () => {
    expect(triggers(eventOf(pantherRecord(309), SENSITIVE), config).map((r) => r.id)).toEqual(['block-public-bucket', 'audit-evidence']);
    expect(triggers(eventOf({ ...pantherRecord(309), eventSource: 'sqs.amazonaws.com', eventName: 'SendMessage' }), config)).toEqual([]);
  });
});
