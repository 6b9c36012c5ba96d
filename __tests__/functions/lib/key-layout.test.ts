import { parseKey } from '../../../functions/lib/key-layout';
import { cloudTrailKey } from '../forwarder/support/cloudtrail';

describe('parseKey', () => {
  it('reads account and region from a plain CloudTrail key', () => {
    expect(parseKey(cloudTrailKey({ account: '123456789012', region: 'us-east-1' }))).toEqual({
      kind: 'log',
      accountId: '123456789012',
      region: 'us-east-1',
      organizationId: undefined,
      prefix: '',
    });
  });

  it('reads the organization form and a prefix that contains digits', () => {
    const key = cloudTrailKey({ prefix: 'org-trail/999999999999', org: 'o-abcdef1234', account: '210987654321', region: 'apiso-centralnorth-2r' });
    expect(parseKey(key)).toEqual({
      kind: 'log',
      accountId: '210987654321',
      region: 'apiso-centralnorth-2r',
      organizationId: 'o-abcdef1234',
      prefix: 'org-trail/999999999999',
    });
  });

  it('tells Insight and digest files apart', () => {
    expect(parseKey(cloudTrailKey({ kind: 'CloudTrail-Insight' })).kind).toBe('insight');
    expect(parseKey(cloudTrailKey({ kind: 'CloudTrail-Digest' })).kind).toBe('digest');
  });

  it.each([
    'AWSLogs/111122223333/CloudTrail/',
    'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/01/',
    'AWSLogs/111122223333/Config/eu-west-1/2024/01/01/x.json.gz',
    'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/01/readme.txt',
    'AWSLogs/not-an-account/CloudTrail/eu-west-1/2024/01/01/x.json.gz',
    'logs/111122223333_CloudTrail_eu-west-1_20240101T0000Z_x.json.gz',
  ])('treats %j as not a log file', (key) => {
    expect(parseKey(key).kind).toBe('other');
  });

  it('reads local paths with backslashes', () => {
    expect(parseKey('C:\\logs\\AWSLogs\\111122223333\\CloudTrail\\eu-west-1\\2024\\01\\01\\f.json')).toMatchObject({
      kind: 'log',
      accountId: '111122223333',
      region: 'eu-west-1',
    });
  });
});
