import { admit, AdmissionContext } from '../../../functions/forwarder/admission';
import { compileRules, defaultRules } from '../../../functions/forwarder/rules';
import { RulesDocumentInput, rulesSchema } from '../../../functions/forwarder/rules-schema';
import { cloudTrailKey } from './support/cloudtrail';

const BUCKET = 'trail-archive-test';
const NOW = Date.UTC(2026, 0, 1);

function context(doc: Partial<RulesDocumentInput> | undefined, extra: Partial<AdmissionContext> = {}): AdmissionContext {
  const rules = doc ? compileRules(rulesSchema.parse({ version: 1, ...doc }), 'test') : defaultRules();
  return { rules, acceptAnyKey: false, now: NOW, readUntil: NOW + 1, ...extra };
}

describe('admit', () => {
  it('reads a CloudTrail log file the default route forwards, with what its key says', () => {
    const key = cloudTrailKey({ account: '444455556666', region: 'ap-south-1', org: 'o-abcdefghij' });
    expect(admit({ bucket: BUCKET, key }, context(undefined))).toEqual({
      action: 'read',
      layout: expect.objectContaining({ kind: 'log', accountId: '444455556666', region: 'ap-south-1', organizationId: 'o-abcdefghij' }),
      route: expect.objectContaining({ name: 'all-cloudtrail', forward: true }),
    });
  });

  it('reads Insights files like log files', () => {
    expect(admit({ bucket: BUCKET, key: cloudTrailKey({ kind: 'CloudTrail-Insight' }) }, context(undefined)).action).toBe('read');
  });

  it('skips digest files, even when any key is accepted', () => {
    const ref = { bucket: BUCKET, key: cloudTrailKey({ kind: 'CloudTrail-Digest' }) };
    expect(admit(ref, context(undefined))).toEqual({ action: 'skip', reason: 'CloudTrail digest file' });
    expect(admit(ref, context(undefined, { acceptAnyKey: true }))).toEqual({ action: 'skip', reason: 'CloudTrail digest file' });
  });

  it('skips keys outside the CloudTrail layout unless any key is accepted (the CLI)', () => {
    const ref = { bucket: '', key: '/tmp/records.json' };
    expect(admit(ref, context(undefined))).toEqual({ action: 'skip', reason: expect.stringMatching(/^not a CloudTrail log file \(key outside AWSLogs/) });
    expect(admit(ref, context(undefined, { acceptAnyKey: true }))).toMatchObject({ action: 'read', layout: { kind: 'other' } });
  });

  it('skips objects no route matches, and objects whose route does not forward', () => {
    const ref = { bucket: BUCKET, key: cloudTrailKey() };
    expect(admit(ref, context({ routes: [{ name: 'other', bucket: 'other-bucket' }] }))).toEqual({ action: 'skip', reason: 'no route matches the bucket and key' });
    expect(admit(ref, context({ routes: [{ name: 'muted', bucket: BUCKET, forward: false }] }))).toEqual({ action: 'skip', reason: 'route "muted" does not forward' });
  });

  it('takes the first route that matches, with its annotations', () => {
    const routes = [
      { name: 'prod', keyPrefix: 'AWSLogs/999988887777/', annotations: { team: 'prod' } },
      { name: 'test', bucket: BUCKET, annotations: { team: 'test' } },
      { name: 'catch-all', annotations: { team: 'none' } },
    ];
    expect(admit({ bucket: BUCKET, key: cloudTrailKey() }, context({ routes }))).toMatchObject({ action: 'read', route: { name: 'test', annotations: { team: 'test' } } });
  });

  it('defers an object it would read once reading time is over, and only then', () => {
    const ref = { bucket: BUCKET, key: cloudTrailKey() };
    const deferred = { action: 'defer', reason: 'deadline: the invocation ran out of time before reading the object' };
    expect(admit(ref, context(undefined, { now: NOW, readUntil: NOW }))).toEqual(deferred);
    expect(admit(ref, context(undefined, { now: NOW - 1, readUntil: NOW })).action).toBe('read');
    // A skip is a skip whatever the time: it is not ticketed.
    expect(admit({ bucket: BUCKET, key: cloudTrailKey({ kind: 'CloudTrail-Digest' }) }, context(undefined, { readUntil: NOW })).action).toBe('skip');
  });
});
