/**
 * CloudTrail S3 key layout.
 *
 *   [prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>
 *   [prefix/]AWSLogs/<o-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>   (organization trail)
 *
 * with `CloudTrail-Insight` and `CloudTrail-Digest` in place of `CloudTrail`. Account, region and
 * organization are read from the path segments that follow `AWSLogs`, never by a regex over the
 * whole key, so a prefix that happens to contain digits cannot be mistaken for an account.
 */

export type LogFileKind = 'log' | 'insight' | 'digest' | 'other';

export interface KeyLayout {
  readonly kind: LogFileKind;
  readonly accountId?: string;
  readonly region?: string;
  readonly organizationId?: string;
  /** Everything before `AWSLogs/`, without the trailing slash; '' when none. */
  readonly prefix?: string;
}

const ACCOUNT_SEGMENT = /^\d{12}$/;
const ORG_SEGMENT = /^o-[a-z0-9]{10,32}$/;
const SERVICE_KIND: Record<string, LogFileKind> = {
  CloudTrail: 'log',
  'CloudTrail-Insight': 'insight',
  'CloudTrail-Digest': 'digest',
};
/** Log files end in .json or .json.gz; digests in .json.gz too, but are told apart by their folder. */
const LOG_FILE_NAME = /\.json(\.gz)?$/i;

/** Reads the layout of a decoded S3 key (or a local path with `/` or `\` separators). */
export function parseKey(key: string): KeyLayout {
  const segments = key.split(/[/\\]/);
  const at = segments.lastIndexOf('AWSLogs');
  if (at < 0) return { kind: 'other' };
  const prefix = segments.slice(0, at).join('/');
  let i = at + 1;
  let organizationId: string | undefined;
  if (ORG_SEGMENT.test(segments[i] ?? '')) organizationId = segments[i++];
  const accountId = ACCOUNT_SEGMENT.test(segments[i] ?? '') ? segments[i++] : undefined;
  const service = segments[i++] ?? '';
  const kind = SERVICE_KIND[service];
  const fileName = segments[segments.length - 1] ?? '';
  if (!accountId || !kind || !LOG_FILE_NAME.test(fileName) || i >= segments.length - 1) {
    return { kind: 'other', accountId, organizationId, prefix };
  }
  const region = segments[i];
  return { kind, accountId, region: region || undefined, organizationId, prefix };
}

/** True for the kinds whose records are forwarded: log files and Insights. */
export function isForwardedKind(kind: LogFileKind): boolean {
  return kind === 'log' || kind === 'insight';
}
