import { databaseDeleted } from '../../../functions/responder/responses';
import { eventOf, pantherRecord, testConfig } from './support/records';

const config = testConfig('report');
const decide = (index: number) => databaseDeleted.decide(eventOf(pantherRecord(index)), {}, config);

describe('database-deleted (panther records)', () => {
  it('names who deleted which instance, where, and the final snapshot taken', () => {
    const decision = decide(258);
    expect(decision.actions).toEqual([]);
    expect(decision.alert).toBe(
      'arn:aws:sts::123456789012:assumed-role/DBARole/admin deleted RDS DB instance production-mysql-db in account 123456789012, us-east-1, at 2024-01-15T14:30:00.000Z; a final snapshot was requested: production-mysql-db-final-snapshot-2024-01-15.',
    );
  });

  it('says when no final snapshot was taken and backups went too', () => {
    expect(decide(259).alert).toMatch(/customer-data-db .*no final snapshot was taken \(skipFinalSnapshot: true\); automated backups deleted too\.$/);
  });

  it('names a cluster and its final cluster snapshot', () => {
    expect(decide(260).alert).toMatch(/deleted RDS DB cluster aurora-cluster-prod .*final snapshot was requested: aurora-cluster-prod-final-2024-01-15/);
  });

  it('does not alert on a failed deletion', () => {
    expect(decide(261).alert).toBeUndefined();
    expect(decide(261).nothingToDo).toEqual([expect.stringMatching(/failed \(AccessDenied\)/)]);
  });

  it('triggers on DeleteDBInstance and DeleteDBCluster only, and reads nothing', () => {
    expect([258, 260].map((i) => databaseDeleted.triggers(eventOf(pantherRecord(i)), config))).toEqual([true, true]);
    expect(databaseDeleted.triggers(eventOf({ ...pantherRecord(258), eventName: 'CreateDBInstance' }), config)).toBe(false);
    expect(databaseDeleted.readsFor(eventOf(pantherRecord(258)), config)).toEqual([]);
  });
});
