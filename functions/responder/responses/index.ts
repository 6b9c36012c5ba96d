export { auditEvidence } from './audit-evidence';
export { blockPublicBucket } from './block-public-bucket';
export { databaseDeleted, deletionMessage } from './database-deleted';
export { requireMfaForNewUsers } from './require-mfa';
export { instanceIdsOf, tagInstanceOwner } from './tag-instance-owner';
