import { parseInvocation } from '../../../functions/forwarder/notifications';
import { createTicket } from '../../../functions/forwarder/tickets';
import { decide } from '../../../functions/notifier/announcement';

const s3Record = (key: string, extra: Record<string, unknown> = {}) => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'eu-central-1',
  eventName: 'ObjectCreated:Put',
  s3: { s3SchemaVersion: '1.0', bucket: { name: 'trail-bucket', arn: 'arn:aws:s3:::trail-bucket' }, object: { key, size: 1234, sequencer: '00A' } },
  ...extra,
});
const s3Event = (...keys: string[]) => ({ Records: keys.map((k) => s3Record(k)) });
const snsEvent = (...messages: unknown[]) => ({
  Records: messages.map((m, i) => ({
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    Sns: { Type: 'Notification', MessageId: `m${i}`, TopicArn: 'arn:aws:sns:eu-central-1:111122223333:trail', Message: typeof m === 'string' ? m : JSON.stringify(m) },
  })),
});
const sqsEvent = (...bodies: unknown[]) => ({
  Records: bodies.map((b, i) => ({ messageId: `id-${i}`, eventSource: 'aws:sqs', body: typeof b === 'string' ? b : JSON.stringify(b) })),
});

describe('parseInvocation', () => {
  it('reads several S3 records from one SNS message, keys decoded', () => {
    const parsed = parseInvocation(snsEvent(s3Event('AWSLogs/1/a+b.json.gz', 'AWSLogs/1/c%2Fd%20%C3%A9%E2%82%AC.json.gz')));
    expect(parsed.objects.map((o) => [o.bucket, o.key])).toEqual([
      ['trail-bucket', 'AWSLogs/1/a b.json.gz'],
      ['trail-bucket', 'AWSLogs/1/c/d é€.json.gz'],
    ]);
    expect(parsed.ignored).toEqual([]);
  });

  it('reads a direct S3 notification with a version id', () => {
    const event = { Records: [s3Record('k.json.gz', {}), { ...s3Record('v.json.gz'), s3: { bucket: { name: 'b' }, object: { key: 'v.json.gz', versionId: 'abc' } } }] };
    expect(parseInvocation(event).objects.map((o) => o.versionId)).toEqual([undefined, 'abc']);
  });

  it('acknowledges s3:TestEvent without an object', () => {
    const test = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2024-01-01T00:00:00.000Z', Bucket: 'trail-bucket', RequestId: 'x', HostId: 'y' };
    const parsed = parseInvocation(snsEvent(test));
    expect(parsed.objects).toEqual([]);
    expect(parsed.ignored).toEqual([{ reason: 'test-event', detail: 's3:TestEvent for bucket trail-bucket', messageId: undefined }]);
  });

  it('reads EventBridge Object Created events and ignores other detail types', () => {
    const eb = (detailType: string) => ({
      version: '0',
      'detail-type': detailType,
      source: 'aws.s3',
      detail: { bucket: { name: 'trail-bucket' }, object: { key: 'AWSLogs/x+y.json.gz', size: 5, 'version-id': 'v9' } },
    });
    expect(parseInvocation(eb('Object Created')).objects).toEqual([
      { bucket: 'trail-bucket', key: 'AWSLogs/x y.json.gz', versionId: 'v9', messageId: undefined },
    ]);
    expect(parseInvocation(eb('Object Deleted')).ignored[0].reason).toBe('not-object-created');
  });

  it('reads SQS messages: raw S3 events, SNS envelopes, notifier messages, tickets; keeps message ids', () => {
    const envelope = { Type: 'Notification', MessageId: 'x', Message: JSON.stringify(s3Event('b.json.gz')) };
    const [ticket] = createTicket({ bucket: 'trail-bucket', key: 'd.json.gz', versionId: 'v1', ranges: [{ from: 3, to: 5 }], reason: 'x', attempt: 2, now: 0 });
    const parsed = parseInvocation(sqsEvent(s3Event('a.json.gz'), envelope, { bucket: 'trail-bucket', key: 'c d+.json.gz' }, ticket, 'garbage'));
    expect(parsed.objects.map((o) => [o.key, o.messageId, o.ranges])).toEqual([
      ['a.json.gz', 'id-0', undefined],
      ['b.json.gz', 'id-1', undefined],
      ['c d+.json.gz', 'id-2', undefined],
      ['d.json.gz', 'id-3', [{ from: 3, to: 5 }]],
    ]);
    expect(parsed.objects[3].ticket?.attempt).toBe(2);
    expect(parsed.sqsMessageIds).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
    expect(parsed.ignored).toEqual([{ reason: 'invalid-json', detail: 'message is not JSON: "garbage"', messageId: 'id-4' }]);
  });

  it('ignores a replay ticket it cannot read, saying why, instead of reading its whole object', () => {
    // A ticket has a bucket and a key, like the notifier's messages: read as one, a ticket with a
    // broken range or of a newer format would resend every record of its object.
    const [ticket] = createTicket({ bucket: 'trail-bucket', key: 'd.json.gz', versionId: 'v1', ranges: [{ from: 3, to: 5 }], reason: 'x', attempt: 1, now: 0 });
    const parsed = parseInvocation(sqsEvent({ ...ticket, ranges: [{ from: 5, to: 3 }] }, { ...ticket, version: 2 }, { ...ticket, ranges: undefined }));
    expect(parsed.objects).toEqual([]);
    expect(parsed.ignored).toEqual([
      { reason: 'invalid-ticket', detail: 'replay ticket for s3://trail-bucket/d.json.gz: ranges[0]: {"from":5,"to":3} is not a record range (from an integer >= 0, to null or an integer >= from)', messageId: 'id-0' },
      { reason: 'invalid-ticket', detail: 'replay ticket for s3://trail-bucket/d.json.gz: version 2 is not the ticket format this forwarder reads (1)', messageId: 'id-1' },
      { reason: 'invalid-ticket', detail: 'replay ticket for s3://trail-bucket/d.json.gz: ranges: not an array', messageId: 'id-2' },
    ]);
  });

  it('reads an object named twice in one event once (an SQS message delivered twice into one batch)', () => {
    const [ticket] = createTicket({ bucket: 'trail-bucket', key: 'd.json.gz', ranges: [{ from: 3, to: 5 }], reason: 'x', attempt: 1, now: 0 });
    const versioned = (key: string, versionId: string) => ({ Records: [{ ...s3Record(key), s3: { bucket: { name: 'trail-bucket' }, object: { key, versionId } } }] });
    const parsed = parseInvocation(sqsEvent(s3Event('a.json.gz'), s3Event('a.json.gz'), ticket, ticket, versioned('v.json.gz', 'v1'), versioned('v.json.gz', 'v2')));
    expect(parsed.objects.map((o) => [o.key, o.versionId, o.messageId])).toEqual([
      ['a.json.gz', undefined, 'id-0'],
      ['d.json.gz', undefined, 'id-2'],
      ['v.json.gz', 'v1', 'id-4'],
      ['v.json.gz', 'v2', 'id-5'],
    ]);
    expect(parsed.ignored).toEqual([
      { reason: 'duplicate', detail: 's3://trail-bucket/a.json.gz named again in the same event', messageId: 'id-1' },
      { reason: 'duplicate', detail: 's3://trail-bucket/d.json.gz (records 3-4) named again in the same event', messageId: 'id-3' },
    ]);
    expect(parsed.sqsMessageIds).toHaveLength(6);
  });

  it('reads what the notifier Lambda publishes (the contract between the two functions)', () => {
    const key = 'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/17/111122223333_CloudTrail_eu-west-1_20240517T0935Z_a b+c.json.gz';
    const decision = decide({ bucket: 'trail-bucket', key, versionId: 'v7', sizeBytes: 99 }, { '111122223333': 'prod' });
    if (!('publish' in decision)) throw new Error('the notifier skipped a log file');
    expect(parseInvocation(snsEvent(decision.publish.message)).objects).toEqual([
      { bucket: 'trail-bucket', key, versionId: 'v7', messageId: undefined },
    ]);
  });

  it('retries the original event of a Lambda destination record', () => {
    const record = { version: '1.0', requestContext: { requestId: 'r', condition: 'RetriesExhausted' }, requestPayload: snsEvent(s3Event('a.json.gz')) };
    expect(parseInvocation(record).objects.map((o) => o.key)).toEqual(['a.json.gz']);
  });

  it.each([
    ['null', null],
    ['a number', 42],
    ['an unknown object', { hello: 'world' }],
    ['a Records entry that is not an object', { Records: ['x'] }],
    ['an S3 record without a key', { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: {} } }] }],
    ['an S3 delete', { Records: [{ ...s3Record('k'), eventName: 'ObjectRemoved:Delete' }] }],
    ['deep nesting', JSON.stringify(JSON.stringify(JSON.stringify(JSON.stringify(JSON.stringify(JSON.stringify(JSON.stringify({}))))))) ],
  ])('ignores %s without throwing', (_name, event) => {
    const parsed = parseInvocation(event);
    expect(parsed.objects).toEqual([]);
    expect(parsed.ignored).toHaveLength(1);
  });

  it('keeps a key whose escapes are malformed as it came (functions/lib/s3-event.ts decodes keys)', () => {
    expect(parseInvocation(s3Event('a%ZZb+c')).objects[0].key).toBe('a%ZZb c');
  });

  it('says why an S3 record is ignored, and reads no version "null"', () => {
    const parsed = parseInvocation({ Records: [{ ...s3Record('k'), eventName: 'ObjectRemoved:Delete' }, s3Record('v', { s3: { bucket: { name: 'b' }, object: { key: 'v', versionId: 'null' } } })] });
    expect(parsed.ignored).toEqual([{ reason: 'not-object-created', detail: 'S3 record: event "ObjectRemoved:Delete" is not ObjectCreated', messageId: undefined }]);
    expect(parsed.objects).toEqual([{ bucket: 'b', key: 'v', versionId: undefined, messageId: undefined }]);
  });
});
