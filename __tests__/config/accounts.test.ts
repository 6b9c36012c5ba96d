import { accountWithRole, deployRole, managementAccount, sourceAccounts } from '../../config/accounts';
import { topologyWith } from '../support/synth';

describe('accounts', () => {
  const topology = topologyWith();

  test('finds the account of each role, and the sources in topology order', () => {
    expect(accountWithRole(topology, 'log-archive').name).toBe('infosec-mgmt');
    expect(accountWithRole(topology, 'security').name).toBe('infosec-mgmt');
    expect(accountWithRole(topology, 'observability').name).toBe('ems');
    expect(accountWithRole(topology, 'incident-response').name).toBe('ems');
    expect(sourceAccounts(topology).map((s) => [s.name, s.id])).toEqual([['test', '111111111111'], ['prod', '222222222222']]);
  });

  test('the management account is the one the organization names, and its absence is an error', () => {
    const org = topologyWith((t) => (t.organization = { id: 'o-abcdefghij', managementAccount: 'infosec-mgmt' }));
    expect(managementAccount(org).id).toBe('333333333333');
    expect(() => managementAccount(topology)).toThrow(/the topology names no organization management account/);
  });

  test('a role no account holds is an error (for a topology that skipped validation)', () => {
    const none = { ...topology, accounts: topology.accounts.filter((a) => !a.roles.includes('security')) };
    expect(() => accountWithRole(none, 'security')).toThrow(/no account has the role security/);
  });

  test('the deploy role comes from the topology, the account, or is off; in the topology partition', () => {
    const custom = topologyWith((t) => {
      t.deployRole = { roleName: 'Deployer', externalId: 'ext-1' };
      t.accounts[1].deployRole = { roleArn: 'arn:aws:iam::222222222222:role/platform/Deployer' };
      t.accounts[2].deployRole = false;
    });
    const [test, prod, infosec] = custom.accounts;
    expect(deployRole(custom, test)).toEqual({ roleArn: 'arn:aws:iam::111111111111:role/Deployer', externalId: 'ext-1' });
    expect(deployRole(custom, prod)?.roleArn).toBe('arn:aws:iam::222222222222:role/platform/Deployer');
    expect(deployRole(custom, infosec)).toBeUndefined();
    expect(deployRole({ ...custom, partition: 'aws-cn' }, test)?.roleArn).toBe('arn:aws-cn:iam::111111111111:role/Deployer');
  });
});
