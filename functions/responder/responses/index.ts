export { auditEvidence } from './audit-evidence';
export { blockPublicBucket } from './block-public-bucket';
export { databaseDeleted } from './database-deleted';
export { requireMfaForNewUsers } from './require-mfa';
export { instanceIdsOf, tagInstanceOwner } from './tag-instance-owner';
