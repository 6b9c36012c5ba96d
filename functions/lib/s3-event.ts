/**
 * S3 event notifications, read defensively: `Records[]` whose entries carry an `s3` object with
 * URL-encoded keys (`+` for a space), and the bare `s3:TestEvent` S3 sends when a notification
 * configuration is put. Pure functions, shared by the notifier (which S3 invokes directly) and the
 * forwarder (which also finds these records inside SNS and SQS envelopes), so the two read bucket,
 * key, version and size the same way.
 */

/** An object an `ObjectCreated:*` record announces. */
export interface CreatedObject {
  readonly bucket: string;
  /** Decoded, as GetObject wants it. */
  readonly key: string;
  readonly versionId?: string;
  readonly sizeBytes?: number;
  readonly eventTime?: string;
  /** Region of the bucket (from the record). */
  readonly awsRegion?: string;
}

/** Why a record with an `s3` object announces no object to read. */
export interface IgnoredS3Record {
  readonly reason: 'not-object-created' | 'unknown-shape';
  readonly detail: string;
}

export type S3RecordReading = { readonly created: CreatedObject } | { readonly ignored: IgnoredS3Record };

export interface ParsedS3Event {
  readonly objects: CreatedObject[];
  /** True for the s3:TestEvent S3 sends when the configuration is put. */
  readonly testEvent: boolean;
  /** Records that are not object-created notifications, with why. */
  readonly ignored: string[];
}

/** True for the message S3 sends when a notification configuration is put. */
export function isS3TestEvent(value: Readonly<Record<string, unknown>>): boolean {
  return value.Event === 's3:TestEvent';
}

/** True for a `Records[]` entry of an S3 event notification (it has an `s3` object). */
export function isS3Record(record: unknown): record is Record<string, unknown> & { s3: Record<string, unknown> } {
  return isObject(record) && isObject(record.s3);
}

/** Reads one S3 record: the object an `ObjectCreated:*` event announces, or why there is none. */
export function readS3Record(record: Record<string, unknown> & { s3: Record<string, unknown> }): S3RecordReading {
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  if (!eventName.startsWith('ObjectCreated:')) {
    return { ignored: { reason: 'not-object-created', detail: `event ${JSON.stringify(eventName)} is not ObjectCreated` } };
  }
  const bucket = isObject(record.s3.bucket) ? record.s3.bucket.name : undefined;
  const object = isObject(record.s3.object) ? record.s3.object : {};
  const key = object.key;
  if (typeof bucket !== 'string' || typeof key !== 'string') {
    const missing = [typeof bucket !== 'string' ? 's3.bucket.name' : undefined, typeof key !== 'string' ? 's3.object.key' : undefined].filter(Boolean).join(' and ');
    const known = typeof bucket === 'string' ? ` in bucket ${JSON.stringify(bucket)}` : typeof key === 'string' ? ` of key ${JSON.stringify(key)}` : '';
    return { ignored: { reason: 'unknown-shape', detail: `${eventName}${known} without ${missing}` } };
  }
  return {
    created: {
      bucket,
      key: decodeS3Key(key),
      versionId: s3VersionId(object.versionId),
      sizeBytes: typeof object.size === 'number' && Number.isFinite(object.size) ? object.size : undefined,
      eventTime: typeof record.eventTime === 'string' ? record.eventTime : undefined,
      awsRegion: typeof record.awsRegion === 'string' ? record.awsRegion : undefined,
    },
  };
}

/** Reads the event S3 sends to a Lambda function: every record's object, or the test event. */
export function parseS3Event(event: unknown): ParsedS3Event {
  const out: ParsedS3Event = { objects: [], testEvent: false, ignored: [] };
  if (!isObject(event)) return { ...out, ignored: [`event is ${event === null ? 'null' : typeof event}`] };
  if (isS3TestEvent(event)) return { ...out, testEvent: true };
  if (event.Records !== undefined && !Array.isArray(event.Records)) return { ...out, ignored: [`Records is ${kindOf(event.Records)}, not an array`] };
  if (!Array.isArray(event.Records)) return { ...out, ignored: [`no Records (keys: ${Object.keys(event).slice(0, 8).join(', ')})`] };
  event.Records.forEach((record: unknown, i: number) => {
    if (!isS3Record(record)) {
      out.ignored.push(`Records[${i}]: not an S3 record`);
      return;
    }
    const reading = readS3Record(record);
    if ('created' in reading) out.objects.push(reading.created);
    else out.ignored.push(`Records[${i}]: ${reading.ignored.detail}`);
  });
  return out;
}

/** S3 URL-encodes keys with `+` for a space; a malformed escape leaves the key as it came. */
export function decodeS3Key(encoded: string): string {
  const spaced = encoded.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * The version id to read the object at: none when it is absent, empty (an unversioned bucket) or
 * `"null"` (versioning suspended), and then the object is read without one.
 */
export function s3VersionId(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== 'null' ? value : undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return isObject(value) ? 'an object' : `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
