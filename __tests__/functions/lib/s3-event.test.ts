import { decodeS3Key, isS3Record, isS3TestEvent, parseS3Event, readS3Record, s3VersionId } from '../../../functions/lib/s3-event';
import { BUCKET, LOG_KEY, TEST_EVENT, s3Event, s3Record } from './support/s3-events';

describe('decodeS3Key', () => {
  test.each([
    ['a+b.json.gz', 'a b.json.gz'],
    ['trails%2Ftest%2FAWSLogs%2F1.json.gz', 'trails/test/AWSLogs/1.json.gz'],
    ['caf%C3%A9%20%E6%97%A5%E6%9C%AC.json.gz', 'café 日本.json.gz'],
    ['a%2Bb.json.gz', 'a+b.json.gz'],
    ['plain/key.json.gz', 'plain/key.json.gz'],
  ])('decodes %s as %s (+ is a space, %%2B a plus)', (encoded, decoded) => {
    expect(decodeS3Key(encoded)).toBe(decoded);
  });

  test('leaves a malformed escape as it came, with + still a space', () => {
    expect(decodeS3Key('bad%E0%A4%A+name')).toBe('bad%E0%A4%A name');
    expect(decodeS3Key('a%ZZb+c')).toBe('a%ZZb c');
  });
});

describe('readS3Record', () => {
  test('reads the created object of one record', () => {
    expect(readS3Record(s3Record('AWSLogs/1/a+b%2Fc%20%C3%A9.json.gz', { size: 5, versionId: 'v2' }))).toEqual({
      created: { bucket: BUCKET, key: 'AWSLogs/1/a b/c é.json.gz', versionId: 'v2', sizeBytes: 5, eventTime: '2025-03-14T09:26:53.589Z', awsRegion: 'us-east-1' },
    });
  });

  test('says why a record announces nothing to read', () => {
    expect(readS3Record(s3Record(LOG_KEY, { eventName: 'ObjectRemoved:Delete' }))).toEqual({
      ignored: { reason: 'not-object-created', detail: 'event "ObjectRemoved:Delete" is not ObjectCreated' },
    });
    expect(readS3Record({ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: {} } })).toEqual({
      ignored: { reason: 'unknown-shape', detail: 'ObjectCreated:Put in bucket "b" without s3.object.key' },
    });
    expect(readS3Record({ eventName: 'ObjectCreated:Put', s3: { bucket: {}, object: { key: 'AWSLogs/1.json.gz' } } })).toEqual({
      ignored: { reason: 'unknown-shape', detail: 'ObjectCreated:Put of key "AWSLogs/1.json.gz" without s3.bucket.name' },
    });
    expect(readS3Record({ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 7 } } })).toEqual({
      ignored: { reason: 'unknown-shape', detail: 'ObjectCreated:Put without s3.bucket.name and s3.object.key' },
    });
  });

  test('reads no version for an unversioned or versioning-suspended bucket, and no size that is not a number', () => {
    const read = (versionId: unknown, size: unknown) => readS3Record({ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'k', versionId, size } } });
    for (const versionId of [undefined, '', 'null', 7]) expect(read(versionId, 1)).toMatchObject({ created: { versionId: undefined } });
    expect(read('v1', '12')).toMatchObject({ created: { versionId: 'v1', sizeBytes: undefined } });
    expect(s3VersionId('3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY')).toBe('3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY');
  });

  test('tells S3 records and the test event from other shapes', () => {
    expect(isS3Record(s3Record(LOG_KEY))).toBe(true);
    expect([null, 42, [], { s3: 'x' }, { Sns: {} }].map(isS3Record)).toEqual([false, false, false, false, false]);
    expect(isS3TestEvent(TEST_EVENT)).toBe(true);
    expect(isS3TestEvent(s3Event(s3Record(LOG_KEY)))).toBe(false);
  });
});

describe('parseS3Event', () => {
  test('recognizes the s3:TestEvent S3 sends when the notification is put', () => {
    expect(parseS3Event(TEST_EVENT)).toEqual({ objects: [], testEvent: true, ignored: [] });
  });

  test('reads bucket, decoded key, version, size, time and region of every record', () => {
    const parsed = parseS3Event(s3Event(s3Record(LOG_KEY), s3Record('trails+x%2FAWSLogs%2Ff.json.gz', { size: 5, versionId: 'v2' })));
    expect(parsed.testEvent).toBe(false);
    expect(parsed.objects).toEqual([
      { bucket: BUCKET, key: LOG_KEY, versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko', sizeBytes: 2048, eventTime: '2025-03-14T09:26:53.589Z', awsRegion: 'us-east-1' },
      { bucket: BUCKET, key: 'trails x/AWSLogs/f.json.gz', versionId: 'v2', sizeBytes: 5, eventTime: '2025-03-14T09:26:53.589Z', awsRegion: 'us-east-1' },
    ]);
  });

  test('ignores records that are not object-created, and says why', () => {
    const parsed = parseS3Event(s3Event(s3Record(LOG_KEY, { eventName: 'ObjectRemoved:Delete' })));
    expect(parsed.objects).toEqual([]);
    expect(parsed.ignored).toEqual(['Records[0]: event "ObjectRemoved:Delete" is not ObjectCreated']);
  });

  test.each([
    [null, /event is null/],
    ['text', /event is string/],
    [{ detail: {} }, /no Records \(keys: detail\)/],
    [{ Records: { s3: {} } }, /^Records is an object, not an array$/],
    [{ Records: [42] }, /Records\[0\]: not an S3 record/],
    [{ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: {} } }] }, /Records\[0\]: ObjectCreated:Put without s3\.bucket\.name and s3\.object\.key/],
  ])('ignores a malformed event (%p) instead of throwing', (event, reason) => {
    const parsed = parseS3Event(event);
    expect(parsed.objects).toEqual([]);
    expect(parsed.ignored.join('\n')).toMatch(reason);
  });

  test('treats an empty version id (unversioned PUT) as none', () => {
    expect(parseS3Event(s3Event(s3Record(LOG_KEY, { versionId: '' }))).objects[0].versionId).toBeUndefined();
  });
});
