/** S3 event notifications as S3 sends them (event version 2.1), for the tests of the notifier and of functions/lib/s3-event.ts. */

export const BUCKET = 'event-trail-test';

export function s3Record(key: string, overrides: { eventName?: string; size?: number; versionId?: string; bucket?: string } = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2025-03-14T09:26:53.589Z',
    eventName: overrides.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AROAEXAMPLE:regionalDeliverySession' },
    requestParameters: { sourceIPAddress: '10.0.0.1' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'log-file-created',
      bucket: { name: overrides.bucket ?? BUCKET, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${overrides.bucket ?? BUCKET}` },
      object: {
        key,
        size: overrides.size ?? 2048,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        versionId: overrides.versionId ?? '096fKKXTRTtl3on89fVO.nfljtsv6qko',
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}

export function s3Event(...records: ReturnType<typeof s3Record>[]) {
  return { Records: records };
}

/** What S3 sends when a notification configuration is put. */
export const TEST_EVENT = {
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2025-03-14T09:20:00.000Z',
  Bucket: BUCKET,
  RequestId: '5582815E1AEA5ADF',
  HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
};

export const LOG_KEY = 'AWSLogs/111111111111/CloudTrail/eu-west-1/2025/03/14/111111111111_CloudTrail_eu-west-1_20250314T0925Z_b7sXbgkDWTxL3kJ2.json.gz';
export const DIGEST_KEY = 'AWSLogs/111111111111/CloudTrail-Digest/eu-west-1/2025/03/14/111111111111_CloudTrail-Digest_eu-west-1_trailbridge-test_us-east-1_20250314T092653Z.json.gz';
export const INSIGHT_KEY = 'AWSLogs/111111111111/CloudTrail-Insight/us-east-1/2025/03/14/111111111111_CloudTrail-Insight_us-east-1_20250314T0925Z_abc.json.gz';
