/**
 * The S3 event notification that invokes the notifier, read defensively: S3 sends `Records[]`
 * with URL-encoded keys (`+` for a space), and a bare `s3:TestEvent` when a notification
 * configuration is put.
 */

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

export interface ParsedS3Event {
  readonly objects: CreatedObject[];
  /** True for the s3:TestEvent S3 sends when the configuration is put. */
  readonly testEvent: boolean;
  /** Records that are not object-created notifications, with why. */
  readonly ignored: string[];
}

export function parseS3Event(event: unknown): ParsedS3Event {
  const out: ParsedS3Event = { objects: [], testEvent: false, ignored: [] };
  if (!isObject(event)) return { ...out, ignored: [`event is ${event === null ? 'null' : typeof event}`] };
  if (event.Event === 's3:TestEvent') return { ...out, testEvent: true };
  if (!Array.isArray(event.Records)) return { ...out, ignored: [`no Records (keys: ${Object.keys(event).slice(0, 8).join(', ')})`] };
  event.Records.forEach((record, i) => {
    const reason = readRecord(record, out.objects);
    if (reason) out.ignored.push(`Records[${i}]: ${reason}`);
  });
  return out;
}

/** Adds the record's object, or returns why it is not one. */
function readRecord(record: unknown, objects: CreatedObject[]): string | undefined {
  if (!isObject(record) || !isObject(record.s3)) return 'not an S3 record';
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  if (!eventName.startsWith('ObjectCreated:')) return `event ${JSON.stringify(eventName)} is not ObjectCreated`;
  const bucket = isObject(record.s3.bucket) ? record.s3.bucket.name : undefined;
  const object = isObject(record.s3.object) ? record.s3.object : undefined;
  if (typeof bucket !== 'string' || !object || typeof object.key !== 'string') return 'no bucket name or object key';
  objects.push({
    bucket,
    key: decodeS3Key(object.key),
    versionId: typeof object.versionId === 'string' && object.versionId ? object.versionId : undefined,
    sizeBytes: typeof object.size === 'number' ? object.size : undefined,
    eventTime: typeof record.eventTime === 'string' ? record.eventTime : undefined,
    awsRegion: typeof record.awsRegion === 'string' ? record.awsRegion : undefined,
  });
  return undefined;
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

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
