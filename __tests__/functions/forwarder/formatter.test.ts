import { cutUtf8, FileContext, formatRecord, limitContent, RecordFormatter, STALE_AFTER_MS, TRUNCATION_MARKER } from '../../../functions/forwarder/formatter';
import { decodeRecord } from '../../../functions/forwarder/record-decoder';
import * as formatter from '../../../functions/forwarder/formatter';
import { RESERVED_ATTRIBUTE_KEYS } from '../../../functions/forwarder/rules-constants';
import { DEFAULT_RULES } from '../../../functions/forwarder/rules-schema';
import { pantherRecords, stratusRecords } from './support/cloudtrail';

const NOW = Date.parse('2024-07-31T14:00:00Z');
const file: FileContext = {
  bucket: 'trail-bucket',
  key: 'AWSLogs/o-abcdef1234/111122223333/CloudTrail/eu-west-1/2024/07/31/f.json.gz',
  accountId: '111122223333',
  region: 'eu-west-1',
  organizationId: 'o-abcdef1234',
  forwarder: 'arn:aws:lambda:eu-west-1:444455556666:function:trailbridge-forwarder',
  annotations: { team: 'security' },
};
const opts = { limits: DEFAULT_RULES.limits, staleRecords: DEFAULT_RULES.staleRecords, now: NOW };

function format(record: unknown, overrides: Partial<typeof opts> = {}, ctx: FileContext = file) {
  const result = formatRecord(decodeRecord(Buffer.from(JSON.stringify(record))), 7, ctx, { ...opts, ...overrides });
  if (result.kind !== 'event') throw new Error('dropped');
  return { ...result, event: JSON.parse(result.json) as Record<string, string> };
}

describe('formatRecord', () => {
  const stopLogging = stratusRecords().find((r) => r.eventName === 'StopLogging')!;

  it('maps a CloudTrail record to the attributes of Dynatrace’s S3 forwarder', () => {
    const record: Record<string, unknown> = { ...stopLogging, eventTime: '2024-07-31T13:06:24Z' };
    const { event } = format(record);
    expect(event).toEqual({
      content: JSON.stringify(record),
      timestamp: '2024-07-31T13:06:24Z',
      severity: 'INFO',
      'cloud.provider': 'aws',
      'aws.service': 'cloudtrail',
      'aws.account.id': '111122223333',
      'aws.region': 'eu-west-1',
      'aws.organization.id': 'o-abcdef1234',
      'audit.event_source': 'cloudtrail.amazonaws.com',
      'audit.action': 'StopLogging',
      'audit.read_only': 'false',
      'audit.identity_type': (record.userIdentity as { type: string }).type,
      'audit.identity': (record.userIdentity as { arn: string }).arn,
      'audit.result': 'Succeeded',
      'log.source.aws.s3.bucket.name': 'trail-bucket',
      'log.source.aws.s3.key.name': file.key,
      'trailbridge.record_index': '7',
      'cloud.log_forwarder': file.forwarder,
      team: 'security',
    });
  });

  it('falls back to the record for account and region when the key has none', () => {
    const { event } = format(stopLogging, { now: Date.parse(String(stopLogging.eventTime)) }, { ...file, accountId: undefined, region: undefined, organizationId: undefined });
    expect(event['aws.account.id']).toBe(stopLogging.recipientAccountId);
    expect(event['aws.region']).toBe('apiso-centralnorth-2r');
    expect(event).not.toHaveProperty('aws.organization.id');
  });

  it('marks failed calls as ERROR with Failed.<errorCode>', () => {
    const failed = pantherRecords().find((r) => typeof r.errorCode === 'string')!;
    const { event } = format(failed);
    expect(event.severity).toBe('ERROR');
    expect(event['audit.result']).toBe(`Failed.${String(failed.errorCode)}`);
  });

  it('picks the identity: arn, else invokedBy, else principalId, else accountId', () => {
    const identity = (userIdentity: unknown) => format({ eventTime: '2024-07-31T13:00:00Z', userIdentity }).event['audit.identity'];
    expect(identity({ type: 'IAMUser', arn: 'arn:a', invokedBy: 'svc', principalId: 'p', accountId: '1' })).toBe('arn:a');
    expect(identity({ type: 'AWSService', invokedBy: 'svc', principalId: 'p', accountId: '1' })).toBe('svc');
    expect(identity({ type: 'Unknown', principalId: 'p', accountId: '1' })).toBe('p');
    expect(identity({ type: 'AWSAccount', accountId: '1' })).toBe('1');
    expect(format({ userIdentity: null }).event).not.toHaveProperty('audit.identity');
  });

  it('formats every panther edge case without throwing', () => {
    expect(pantherRecords()).toHaveLength(461);
    for (const record of pantherRecords()) expect(format(record).event['cloud.provider']).toBe('aws');
  });

  it('restamps records older than Dynatrace accepts, keeping the original time', () => {
    const old = { ...stopLogging, eventTime: new Date(NOW - STALE_AFTER_MS - 1).toISOString() };
    const { event, restamped } = format(old);
    expect(restamped).toBe(true);
    expect(event.timestamp).toBe(new Date(NOW).toISOString());
    expect(event['trailbridge.original_timestamp']).toBe(old.eventTime);
  });

  it('drops stale records when the rules say drop', () => {
    const old = { ...stopLogging, eventTime: '2020-01-01T00:00:00Z' };
    expect(formatRecord(decodeRecord(Buffer.from(JSON.stringify(old))), 0, file, { ...opts, staleRecords: 'drop' })).toEqual({ kind: 'drop', reason: 'stale' });
  });

  it('leaves future timestamps to Dynatrace', () => {
    expect(format({ eventTime: '2030-01-01T00:00:00Z' }).event.timestamp).toBe('2030-01-01T00:00:00Z');
  });

  it('cuts content on a UTF-8 boundary, with the marker, within the limit', () => {
    const record = { eventTime: '2024-07-31T13:00:00Z', blob: '€'.repeat(10_000) };
    const { event, truncated } = format(record, { limits: { ...opts.limits, maxContentBytes: 8192 } });
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(event.content)).toBeLessThanOrEqual(8192);
    expect(Buffer.byteLength(event.content)).toBeGreaterThan(8192 - 3);
    expect(event.content.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(event.content).not.toContain('\ufffd');
    expect(event['trailbridge.truncated']).toBe('true');
  });

  it('cuts attribute values to the configured limit', () => {
    const { event } = format({ eventTime: '2024-07-31T13:00:00Z', eventName: 'é'.repeat(300) });
    expect(Buffer.byteLength(event['audit.action'])).toBe(250);
  });

  it('forwards a record that is not an object as text, marked', () => {
    const result = formatRecord(decodeRecord(Buffer.from('"just a string"')), 3, file, opts);
    expect(result.kind).toBe('event');
    const event = JSON.parse((result as { json: string }).json);
    expect(event).toMatchObject({ content: '"just a string"', severity: 'WARN', 'trailbridge.record_problem': 'not-an-object' });
    expect(event).not.toHaveProperty('timestamp');
  });
});

describe('cutUtf8 and limitContent', () => {
  it('never splits a character or a surrogate pair', () => {
    const text = 'a🚀b€c';
    for (let max = 0; max <= Buffer.byteLength(text); max++) {
      const cut = cutUtf8(text, max);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
      expect(text.startsWith(cut)).toBe(true);
    }
  });

  it('keeps content at the limit untouched', () => {
    expect(limitContent('x'.repeat(100), 100)).toEqual({ content: 'x'.repeat(100), truncated: false });
  });

  const stopLogging = stratusRecords().find((r) => r.eventName === 'StopLogging')!;

  it('writes, key for key, what JSON.stringify of the event object writes', () => {
    // The object-based reference: the formatter builds the same bytes by concatenation.
    const reference = (record: ReturnType<typeof decodeRecord>, index: number, ctx: FileContext, now: number): string | undefined => {
      const r = record.value;
      const event: Record<string, string> = {};
      const attr = (key: string, value: unknown) => {
        if (value === undefined || value === null || value === '') return;
        const text = typeof value === 'string' ? value : String(value);
        const max = DEFAULT_RULES.limits.maxAttributeValueBytes;
        event[key] = Buffer.byteLength(text) <= max ? text : cutUtf8(text, max);
      };
      const { content, truncated } = limitContent(record.text, DEFAULT_RULES.limits.maxContentBytes);
      event.content = content;
      const eventTime = r && typeof r.eventTime === 'string' ? r.eventTime : undefined;
      if (eventTime !== undefined) {
        const t = Date.parse(eventTime);
        if (Number.isNaN(t)) attr('trailbridge.original_timestamp', eventTime);
        else if (now - t > STALE_AFTER_MS) {
          event.timestamp = new Date(now).toISOString();
          attr('trailbridge.original_timestamp', eventTime);
        } else event.timestamp = eventTime;
      }
      const id = r && typeof r.userIdentity === 'object' && r.userIdentity !== null ? (r.userIdentity as Record<string, unknown>) : undefined;
      const errorCode = r && r.errorCode !== undefined && r.errorCode !== null && r.errorCode !== '' ? String(r.errorCode) : undefined;
      attr('severity', record.problem && !r ? 'WARN' : errorCode ? 'ERROR' : 'INFO');
      attr('cloud.provider', 'aws');
      attr('aws.service', 'cloudtrail');
      attr('aws.account.id', ctx.accountId ?? r?.recipientAccountId);
      attr('aws.region', ctx.region ?? r?.awsRegion);
      attr('aws.organization.id', ctx.organizationId);
      if (r) {
        attr('audit.event_source', r.eventSource);
        attr('audit.action', r.eventName);
        if (typeof r.readOnly === 'boolean') attr('audit.read_only', String(r.readOnly));
        attr('audit.identity_type', id?.type);
        attr('audit.identity', id ? (id.arn ?? id.invokedBy ?? id.principalId ?? id.accountId) : undefined);
        attr('audit.result', errorCode ? `Failed.${errorCode}` : 'Succeeded');
      }
      attr('log.source.aws.s3.bucket.name', ctx.bucket);
      attr('log.source.aws.s3.key.name', ctx.key);
      attr('trailbridge.record_index', index);
      attr('cloud.log_forwarder', ctx.forwarder);
      if (truncated) attr('trailbridge.truncated', 'true');
      attr('trailbridge.record_problem', record.problem);
      for (const [k, v] of Object.entries(ctx.annotations)) attr(k, v);
      return JSON.stringify(event);
    };
    const contexts: FileContext[] = [
      file,
      { ...file, bucket: '', accountId: undefined, region: undefined, organizationId: undefined, annotations: {} },
      { ...file, key: `AWSLogs/"quoted"\\/é\u2028/${'k'.repeat(300)}`, annotations: { a: 'x"y', 'dt.security_context': 'é'.repeat(200) } },
    ];
    const texts = [
      ...[...stratusRecords(), ...pantherRecords()].map((r) => JSON.stringify(r)),
      JSON.stringify({ ...stopLogging, eventTime: '2024-07-31T13:06:24Z', errorCode: 'AccessDenied', userIdentity: { invokedBy: 'x\u0000"' } }),
      JSON.stringify({ ...stopLogging, eventTime: 'not a time', readOnly: true, userIdentity: 'nope' }),
      JSON.stringify({ eventName: '\ud83d', content: 'x'.repeat(70_000) }),
      '"just a string"',
      '{"broken": ',
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('latin1'),
    ];
    let compared = 0;
    for (const ctx of contexts) {
      const formatter = new RecordFormatter(ctx, { limits: DEFAULT_RULES.limits, staleRecords: 'restamp' });
      texts.forEach((text, i) => {
        const record = decodeRecord(Buffer.from(text, i === texts.length - 1 ? 'latin1' : 'utf8'));
        const result = formatter.format(record, i, NOW);
        expect(result.kind === 'event' ? result.json : undefined).toBe(reference(record, i, ctx, NOW));
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('keeps the forwarder’s own attributes when an annotation names one of them', () => {
    const { event } = format(stopLogging, {}, { ...file, annotations: { 'trailbridge.record_index': '99', team: 'security' } });
    expect(event['trailbridge.record_index']).toBe('7');
    expect(event.team).toBe('security');
  });
});

test('every attribute the formatter names itself is reserved from annotations', () => {
  const own = Object.entries(formatter).filter(([name]) => name.startsWith('ATTR_')).map(([, value]) => value);
  expect(own.length).toBeGreaterThan(0);
  expect(RESERVED_ATTRIBUTE_KEYS).toEqual(expect.arrayContaining(own));
});
