import { Problem } from '../../config/problems';
import { MAX_OUS_PER_CALL } from '../../config/sections/stack-sets';
import { topologyProblems } from '../support/topologies';

/** The problems parseTopology reports for the default topology with organization forwarding, changed by `edit`. */
function problemsOf(edit: (t: any) => void): Problem[] {
  return topologyProblems((input) => {
    input.organization = { id: 'o-a1b2c3d4e5', managementAccount: 'prod' };
    input.organizationForwarding = { organizationalUnits: [{ id: 'ou-ab12-cd34ef56', accounts: ['555555555555'] }] };
    edit(input);
  });
}

describe('organizationForwarding', () => {
  test('is accepted with an organization and OUs', () => {
    expect(problemsOf(() => undefined)).toEqual([]);
  });

  test('refuses a listed source account that is also in a targeted OU, naming the account and the OU', () => {
    const problems = problemsOf((t) => t.organizationForwarding.organizationalUnits[0].accounts.push('111111111111'));
    expect(problems).toEqual([
      {
        path: 'organizationForwarding.organizationalUnits[0].accounts[1]',
        message: expect.stringMatching(/account 111111111111 is the source account accounts\[0\] \("test"\) and is in the OU ou-ab12-cd34ef56.*twice/),
      },
    ]);
  });

  test('lets a source with forwarding disabled, or the management account (never targeted), be in an OU', () => {
    expect(problemsOf((t) => {
      t.accounts[0].source.forwarding = { enabled: false };
      t.organizationForwarding.organizationalUnits[0].accounts.push('111111111111', '222222222222');
    })).toEqual([]);
  });

  test('needs organization.id, and the management account when deployed from there', () => {
    const problems = problemsOf((t) => {
      delete t.organization;
      t.organizationForwarding.deployFrom = 'management';
    });
    expect(problems.map((p) => p.path)).toEqual(['organizationForwarding', 'organizationForwarding.deployFrom']);
    expect(problems[0].message).toMatch(/needs organization\.id/);
    expect(problems[1].message).toMatch(/needs organization\.managementAccount/);
  });

  test('refuses an empty OU list, naming the path and the fix (the provider would refuse an empty organizational_unit_ids only at plan)', () => {
    expect(problemsOf((t) => (t.organizationForwarding.organizationalUnits = []))).toEqual([
      { path: 'organizationForwarding.organizationalUnits', message: expect.stringMatching(/^\[\] targets no account; list the OUs .*\(or the root, r-\.\.\., .*or remove organizationForwarding/) },
    ]);
  });

  test('refuses a malformed or repeated OU id', () => {
    const problems = problemsOf((t) => t.organizationForwarding.organizationalUnits.push({ id: 'ou-ab12-cd34ef56' }, { id: 'r-AB12' }, { id: 'ou-ab12' }));
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(expect.arrayContaining([
      { path: 'organizationForwarding.organizationalUnits[1].id', message: expect.stringMatching(/already organizationalUnits\[0\]/) },
      { path: 'organizationForwarding.organizationalUnits[2].id', message: expect.stringMatching(/"r-AB12" is not an organizational unit id nor the organization's root id/) },
      { path: 'organizationForwarding.organizationalUnits[3].id', message: expect.stringMatching(/"ou-ab12" is not an organizational unit id/) },
    ]));
  });

  test("targets the organization's root (every account but the management one), when no other listed source would get the rules twice", () => {
    const root = (t: any) => (t.organizationForwarding.organizationalUnits = [{ id: 'r-ab12' }]);
    // The default topology's source "test" is not the management account ("prod"): the root holds it too.
    expect(problemsOf(root)).toEqual([
      {
        path: 'organizationForwarding.organizationalUnits[0].id',
        message: expect.stringMatching(/^r-ab12 is the organization's root, which holds every account, also the source account accounts\[0\] \("test", 111111111111\): it would get the forwarding rules twice; .*source\.forwarding\.enabled to false/),
      },
    ]);
    expect(
      problemsOf((t) => {
        root(t);
        t.accounts[0].source.forwarding = { enabled: false };
      }),
    ).toEqual([]);
  });

  test(`refuses more than ${MAX_OUS_PER_CALL} OUs, naming the count and the fix (one aws_cloudformation_stack_instances per StackSet: two would fight)`, () => {
    const ous = Array.from({ length: MAX_OUS_PER_CALL + 1 }, (_, i) => ({ id: `ou-ab12-${String(i).padStart(8, '0')}` }));
    expect(problemsOf((t) => (t.organizationForwarding.organizationalUnits = ous.slice(0, MAX_OUS_PER_CALL)))).toEqual([]);
    expect(problemsOf((t) => (t.organizationForwarding.organizationalUnits = ous))).toEqual([
      { path: 'organizationForwarding.organizationalUnits', message: expect.stringMatching(/^51 OUs; CloudFormation takes at most 50 .*target a parent OU/) },
    ]);
  });

  test('refuses forwarding.enabled false: the StackSet would have nothing to deploy', () => {
    expect(problemsOf((t) => (t.organizationForwarding.forwarding = { enabled: false }))).toEqual([
      { path: 'organizationForwarding.forwarding.enabled', message: expect.stringMatching(/^false leaves the organization StackSet no rule to deploy; .*remove organizationForwarding/) },
    ]);
  });

  test('a source account\'s forwardingDeployment is "providers" or "stackset"', () => {
    const problems = problemsOf((t) => (t.accounts[0].source.forwardingDeployment = 'cloudformation'));
    expect(problems).toEqual([{ path: 'accounts[0].source.forwardingDeployment', message: expect.stringMatching(/"cloudformation" is not allowed; use one of "providers", "stackset"/) }]);
  });
});
