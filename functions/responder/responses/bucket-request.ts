import { isObject, text, type Json } from '../event';
import { ALL_USERS_URI, AUTHENTICATED_USERS_URI, type AclGrant } from '../public-access';

/**
 * How CloudTrail logs the S3 request parameters the simulator derives a bucket's state from:
 * `PublicAccessBlockConfiguration` (booleans, maybe as strings), `x-amz-acl` (a canned ACL,
 * as an array of one header value), and `AccessControlPolicy.AccessControlList.Grant`.
 */

/** The four settings of a PutPublicAccessBlock request or GetPublicAccessBlock answer; omitted ones are absent. */
export function publicAccessBlockOf(params: Json): Record<string, boolean> {
  const raw = isObject(params.PublicAccessBlockConfiguration) ? params.PublicAccessBlockConfiguration : {};
  const settings: Record<string, boolean> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === true || value === 'true') settings[key] = true;
    else if (value === false || value === 'false') settings[key] = false;
  }
  return settings;
}

/** Canned ACLs that grant to a public group, and which one. */
const CANNED_PUBLIC: Readonly<Record<string, { uri: string; permissions: string[] }>> = {
  'public-read': { uri: ALL_USERS_URI, permissions: ['READ'] },
  'public-read-write': { uri: ALL_USERS_URI, permissions: ['READ', 'WRITE'] },
  'authenticated-read': { uri: AUTHENTICATED_USERS_URI, permissions: ['READ'] },
};

/** A GetBucketAcl-shaped answer built from a PutBucketAcl request (canned ACL or explicit grants). */
export function aclFromRequest(params: Json): { Owner?: unknown; Grants: AclGrant[] } {
  const canned = text([params['x-amz-acl']].flat()[0]);
  const grants: AclGrant[] = [];
  const cannedGrant = canned ? CANNED_PUBLIC[canned] : undefined;
  if (cannedGrant) for (const Permission of cannedGrant.permissions) grants.push({ Grantee: { Type: 'Group', URI: cannedGrant.uri }, Permission });
  const policy = isObject(params.AccessControlPolicy) ? params.AccessControlPolicy : {};
  const list = isObject(policy.AccessControlList) ? policy.AccessControlList : {};
  for (const grant of [list.Grant].flat()) {
    if (!isObject(grant) || !isObject(grant.Grantee)) continue;
    grants.push({ Grantee: { Type: text(grant.Grantee['xsi:type']) ?? text(grant.Grantee.Type), URI: text(grant.Grantee.URI), ID: text(grant.Grantee.ID) }, Permission: text(grant.Permission) });
  }
  return { Owner: policy.Owner, Grants: grants };
}
