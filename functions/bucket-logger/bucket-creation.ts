/**
 * What the bucket-logger records about a new bucket, read from the EventBridge envelope of a
 * CloudTrail `CreateBucket` call. Pure: no I/O, no clock.
 */

/** Who created the bucket, from the CloudTrail userIdentity. */
export interface BucketCreator {
  /** Root, IAMUser, AssumedRole, FederatedUser, AWSService, ... */
  readonly type: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly principalId?: string;
  /** The IAM user, the role and session ("role/session"), or "root". */
  readonly name?: string;
  /** For an assumed role: the role the session was issued from. */
  readonly sessionIssuerArn?: string;
  /** The AWS service that made the call on the principal's behalf. */
  readonly invokedBy?: string;
}

export interface BucketCreation {
  readonly account: string;
  readonly region: string;
  readonly bucketName: string;
  readonly creator: BucketCreator;
  readonly eventTime?: string;
  readonly eventId?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** The LocationConstraint of the request, when given (absent means the region of the call). */
  readonly locationConstraint?: string;
}

export type BucketCreationResult =
  | { readonly kind: 'created'; readonly bucket: BucketCreation }
  | { readonly kind: 'skipped'; readonly reason: string; readonly eventId?: string };

/** Reads a bucket creation from an EventBridge event; anything else is skipped with the reason. */
export function readBucketCreation(event: unknown): BucketCreationResult {
  if (!isObject(event)) return { kind: 'skipped', reason: 'the event is not a JSON object' };
  const detail = event.detail;
  const eventId = text(event.id);
  if (!isObject(detail)) return { kind: 'skipped', reason: 'the event has no detail object', eventId };
  if (detail.eventSource !== 's3.amazonaws.com' || detail.eventName !== 'CreateBucket') {
    return { kind: 'skipped', reason: `not an S3 CreateBucket call (${text(detail.eventSource) ?? '?'} ${text(detail.eventName) ?? '?'})`, eventId };
  }
  if (detail.errorCode !== undefined && detail.errorCode !== null) {
    return { kind: 'skipped', reason: `the call failed (${String(detail.errorCode)}); no bucket was created`, eventId };
  }
  const request = isObject(detail.requestParameters) ? detail.requestParameters : {};
  const bucketName = text(request.bucketName);
  if (!bucketName) return { kind: 'skipped', reason: 'requestParameters.bucketName is missing', eventId };

  const configuration = isObject(request.CreateBucketConfiguration) ? request.CreateBucketConfiguration : {};
  const identity = isObject(detail.userIdentity) ? detail.userIdentity : {};
  const bucket: BucketCreation = {
    account: text(event.account) ?? text(detail.recipientAccountId) ?? text(identity.accountId) ?? 'unknown',
    region: text(event.region) ?? text(detail.awsRegion) ?? 'unknown',
    bucketName,
    creator: readCreator(identity),
    eventTime: text(detail.eventTime) ?? text(event.time),
    eventId: text(detail.eventID) ?? eventId,
    sourceIp: text(detail.sourceIPAddress),
    userAgent: text(detail.userAgent),
    locationConstraint: text(configuration.LocationConstraint),
  };
  return { kind: 'created', bucket: withoutUndefined(bucket) };
}

function readCreator(identity: Record<string, unknown>): BucketCreator {
  const type = text(identity.type) ?? 'Unknown';
  const arn = text(identity.arn);
  const context = isObject(identity.sessionContext) ? identity.sessionContext : {};
  const issuer = isObject(context.sessionIssuer) ? context.sessionIssuer : {};
  return withoutUndefined({
    type,
    arn,
    accountId: text(identity.accountId),
    principalId: text(identity.principalId),
    name: creatorName(type, identity, arn),
    sessionIssuerArn: text(issuer.arn),
    invokedBy: text(identity.invokedBy),
  });
}

/** A short name a reader recognizes: the user, "role/session" for an assumed role, "root". */
function creatorName(type: string, identity: Record<string, unknown>, arn: string | undefined): string | undefined {
  if (type === 'Root') return 'root';
  if (text(identity.userName)) return text(identity.userName);
  // arn:aws:sts::123:assumed-role/Role/session and arn:aws:sts::123:federated-user/name
  const resource = arn?.split(':').slice(5).join(':');
  if (!resource) return undefined;
  const [kind, ...rest] = resource.split('/');
  return kind === 'assumed-role' || kind === 'federated-user' || kind === 'user' ? rest.join('/') : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Drops undefined fields, so a log line shows what is known and nothing else. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
