import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { isForwardedKind, parseKey } from '../lib/key-layout';
import { CreatedObject } from '../lib/s3-event';

/**
 * What the notifier publishes for one log file: the message the forwarder reads
 * (`{ bucket, key, versionId?, size? }` with a decoded key, see functions/forwarder/notifications.ts)
 * and message attributes for SNS filter policies.
 */
export interface Announcement {
  readonly message: string;
  readonly attributes: Record<string, MessageAttributeValue>;
}

export type Decision = { readonly publish: Announcement } | { readonly skip: string };

/** Attribute value for an account that the topology does not list (organization mode). */
export const UNKNOWN_ENVIRONMENT = 'unknown';

/**
 * Decides for one created object: log and Insights files are announced; digests, folder markers
 * and anything not under `AWSLogs/<account>/CloudTrail*` are skipped. The key layout is the
 * forwarder's, so the two never disagree on what a log file is.
 */
export function decide(object: CreatedObject, environments: Readonly<Record<string, string>>): Decision {
  const layout = parseKey(object.key);
  if (layout.kind === 'digest') return { skip: 'digest file' };
  if (object.key.endsWith('/')) return { skip: 'folder marker' };
  if (!isForwardedKind(layout.kind) || !layout.accountId) return { skip: 'not a CloudTrail log file' };

  const environment = environments[layout.accountId] ?? UNKNOWN_ENVIRONMENT;
  const region = layout.region ?? object.awsRegion;
  const message = {
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId,
    size: object.sizeBytes,
    eventTime: object.eventTime,
    kind: layout.kind,
    sourceAccount: layout.accountId,
    region,
    environment,
    organizationId: layout.organizationId,
  };
  const attributes: Record<string, MessageAttributeValue> = {
    sourceAccount: text(layout.accountId),
    environment: text(environment),
    bucket: text(object.bucket),
    kind: text(layout.kind),
  };
  // SNS refuses empty attribute values: leave out what the key does not tell.
  if (region) attributes.region = text(region);
  if (layout.organizationId) attributes.organizationId = text(layout.organizationId);
  return { publish: { message: JSON.stringify(message), attributes } };
}

function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}
