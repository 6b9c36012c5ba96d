import { accountRoleLabels } from '../../config/accounts';
import { TopologyInput } from '../../config/schema';
import { buildDiagram } from '../../tools/review/diagram';
import { synthesize, topologyWith } from '../support/synth';

/**
 * An organization's management account that holds no other role: declared with `"roles": []`
 * and named in organization.managementAccount. It gets the organization trail in organization
 * mode, and no stack otherwise.
 */

const ROOT = '555555555555';

function withManagementAccount(t: TopologyInput): void {
  t.organization = { id: 'o-abcdefghij', managementAccount: 'root' };
  t.accounts.push({ name: 'root', id: ROOT, roles: [] });
}

function organizationMode(t: TopologyInput): void {
  withManagementAccount(t);
  t.trails = { mode: 'organization' };
  for (const account of t.accounts) if (account.source) delete account.source.bucketName;
}

/** Every account id a stack's providers may act in. */
function providerAccounts(json: Record<string, any>): string[] {
  return (json.provider?.aws ?? []).flatMap((p: { allowed_account_ids: string[] }) => p.allowed_account_ids);
}

describe('a management account with no role', () => {
  test('in organization mode it holds the organization trail, alone, tagged as the management account', () => {
    const synth = synthesize(topologyWith(organizationMode));
    const inRoot = [...synth.byName.values()].filter((s) => providerAccounts(s.json).includes(ROOT)).map((s) => s.name);
    expect(inRoot).toEqual(['organization-trail']);
    const stack = synth.stack('organization-trail');
    expect(stack.resources('aws_cloudtrail').map(([, t]) => t.is_organization_trail)).toEqual([true]);
    for (const provider of stack.json.provider.aws) expect(provider.default_tags[0].tags['trailbridge:role']).toBe('management');
    expect(stack.json.provider.aws.length).toBeGreaterThan(0);
  });

  test('in organization mode the trail bucket lets the management account write its own prefix', () => {
    const logArchive = synthesize(topologyWith(organizationMode)).stack('log-archive');
    expect(JSON.stringify(logArchive.json.data.aws_iam_policy_document)).toContain(`/AWSLogs/${ROOT}/`);
  });

  test('in account mode it gets no stack: the stacks are those of the topology without it', () => {
    const without = synthesize(topologyWith());
    const withRoot = synthesize(topologyWith(withManagementAccount));
    expect([...withRoot.byName.keys()]).toEqual([...without.byName.keys()]);
    expect([...withRoot.byName.values()].filter((s) => providerAccounts(s.json).includes(ROOT)).map((s) => s.name)).toEqual([]);
  });

  test('the review diagram labels it as the management account', () => {
    const topology = topologyWith(organizationMode);
    const root = topology.accounts.find((a) => a.name === 'root')!;
    expect(accountRoleLabels(topology, root)).toEqual(['management']);
    const synth = synthesize(topology);
    const diagram = buildDiagram(topology, new Map([...synth.byName].map(([name, s]) => [name, s.json])));
    expect(diagram).toContain(`root · management · ${ROOT}`);
  });
});
