import type { ResponderConfig } from '../config';
import { decision, failedCall, type Decision, type Response } from '../decision';
import { principalOf, requestParameters, text, type ResponderEvent } from '../event';

/**
 * database-deleted: no action; an alert that names who deleted which database, where and when,
 * and whether a final snapshot was taken.
 */

const TRIGGERS: ReadonlySet<string> = new Set(['DeleteDBInstance', 'DeleteDBCluster']);

/** What the request says about the final snapshot. */
function finalSnapshot(event: ResponderEvent): string {
  const params = requestParameters(event);
  if (params.skipFinalSnapshot === true || params.skipFinalSnapshot === 'true') return 'no final snapshot was taken (skipFinalSnapshot: true)';
  const id = text(params.finalDBSnapshotIdentifier) ?? text(params.finalDBClusterSnapshotIdentifier);
  if (id) return `a final snapshot was requested: ${id}`;
  return 'the request names no final snapshot (none requested, or the instance belongs to a cluster)';
}

/** The alert text for a deletion; pure, so the simulator prints the same message. */
export function deletionMessage(event: ResponderEvent): string {
  const params = requestParameters(event);
  const cluster = event.record.eventName === 'DeleteDBCluster';
  const id = text(cluster ? params.dBClusterIdentifier : params.dBInstanceIdentifier) ?? '(unnamed)';
  const who = principalOf(event).arn ?? 'an unknown principal';
  const backups = params.deleteAutomatedBackups === true ? '; automated backups deleted too' : '';
  return `${who} deleted RDS DB ${cluster ? 'cluster' : 'instance'} ${id} in account ${event.account}, ${event.region}, at ${event.time}; ${finalSnapshot(event)}${backups}.`;
}

function decide(event: ResponderEvent, _observed: unknown, config: ResponderConfig): Decision {
  const failed = failedCall(event);
  if (failed) return decision('database-deleted', config, { nothingToDo: [failed] });
  return decision('database-deleted', config, { alert: deletionMessage(event) });
}

export const databaseDeleted: Response = {
  id: 'database-deleted',
  triggers: (event) => event.record.eventSource === 'rds.amazonaws.com' && TRIGGERS.has(event.record.eventName),
  readsFor: () => [],
  assumeFromEvent: () => ({}),
  decide,
};
