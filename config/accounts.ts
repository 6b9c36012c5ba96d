import { roleArn } from './arn';
import { Account, AccountRole, SourceAccount, Topology } from './schema';

/**
 * Questions about the topology's accounts: which account holds a role, the sources, the
 * organization's management account, the role Terraform assumes in each. Names and ARNs of
 * resources are the naming module's (config/naming.ts).
 */

export class AccountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

/** The account holding a role that exactly one account holds (validated on load). */
export function accountWithRole(topology: Topology, role: Exclude<AccountRole, 'source'>): Account {
  const found = topology.accounts.find((a) => a.roles.includes(role));
  if (!found) throw new AccountError(`no account has the role ${role}`);
  return found;
}

/** The accounts with the source role (the trails' accounts), in topology order. */
export function sourceAccounts(topology: Topology): SourceAccount[] {
  return topology.accounts.filter((a): a is SourceAccount => a.roles.includes('source') && a.source !== undefined);
}

/** The organization's management account, which holds the organization trail. */
export function managementAccount(topology: Topology): Account {
  const name = topology.organization?.managementAccount;
  const found = topology.accounts.find((a) => a.name === name);
  if (!found) throw new AccountError('the topology names no organization management account');
  return found;
}

/**
 * What an account does, for tags and diagrams: its roles, or `management` for the organization's
 * management account when it holds no role (it is in the topology for the organization trail).
 */
export function accountRoleLabels(topology: Topology, account: Account): readonly string[] {
  if (account.roles.length > 0) return account.roles;
  return account.name === topology.organization?.managementAccount ? ['management'] : [];
}

/** The role Terraform assumes in an account, or undefined when the workspace brings credentials. */
export function deployRole(topology: Topology, account: Account): { readonly roleArn: string; readonly externalId?: string } | undefined {
  if (account.deployRole === false) return undefined;
  const roleName = account.deployRole?.roleName ?? topology.deployRole.roleName;
  return {
    roleArn: account.deployRole?.roleArn ?? roleArn(topology.partition, account.id, roleName),
    externalId: account.deployRole?.externalId ?? topology.deployRole.externalId,
  };
}
