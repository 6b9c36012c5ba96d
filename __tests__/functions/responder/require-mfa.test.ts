import { requireMfaForNewUsers } from '../../../functions/responder/responses';
import { eventOf, pantherRecord, stratusRecord, testConfig } from './support/records';

const config = testConfig('enforce');
const createUser = () => eventOf(stratusRecord('aws.persistence.iam-create-admin-user.json', 'CreateUser'));
const createLoginProfile = () => eventOf(stratusRecord('aws.persistence.iam-create-user-login-profile.json', 'CreateLoginProfile'));
const user = (UserName: string, Path = '/') => ({ output: { User: { UserName, Path } } });
const attached = (...arns: string[]) => ({ output: { AttachedPolicies: arns.map((PolicyArn) => ({ PolicyArn })) } });

describe('require-mfa-for-new-users (stratus-red-team records)', () => {
  it('triggers on CreateUser and CreateLoginProfile, reads the user and its attached policies', () => {
    for (const event of [createUser(), createLoginProfile()]) {
      expect(requireMfaForNewUsers.triggers(event, config)).toBe(true);
      expect(requireMfaForNewUsers.readsFor(event, config).map((r) => r.api)).toEqual(['GetUser', 'ListAttachedUserPolicies']);
    }
    expect(requireMfaForNewUsers.triggers(eventOf({ ...pantherRecord(171), eventName: 'DeleteUser' }), config)).toBe(false);
  });

  it('attaches the account MFA policy to a new user', () => {
    const event = createUser();
    const decision = requireMfaForNewUsers.decide(event, { user: user('malicious-iam-user'), attachedPolicies: attached() }, config);
    expect(decision.actions).toEqual([
      expect.objectContaining({ service: 'iam', api: 'AttachUserPolicy', params: { UserName: 'malicious-iam-user', PolicyArn: 'arn:aws:iam::229654561268:policy/trailbridge-require-mfa' } }),
    ]);
  });

  it('does nothing when the policy is attached already (a second delivery)', () => {
    const event = createLoginProfile();
    const decision = requireMfaForNewUsers.decide(event, { user: user('stratus-red-team-login-profile-user'), attachedPolicies: attached('arn:aws:iam::070411556318:policy/trailbridge-require-mfa') }, config);
    expect(decision.actions).toEqual([]);
    expect(decision.nothingToDo[0]).toMatch(/already has .* attached: nothing to change/);
  });

  it('exempts users by path and by name prefix', () => {
    const event = createUser();
    expect(requireMfaForNewUsers.decide(event, { user: user('malicious-iam-user', '/service/ci/'), attachedPolicies: attached() }, config).nothingToDo[0]).toMatch(/exempt \(path \/service\/ci\/ is under \/service\/\)/);
    const svc = eventOf({ ...pantherRecord(171), requestParameters: { userName: 'svc-deploy' } });
    expect(requireMfaForNewUsers.decide(svc, { user: user('svc-deploy'), attachedPolicies: attached() }, config).nothingToDo[0]).toMatch(/exempt \(name prefix svc-\)/);
  });

  it('does not try a user under a path the Deny for an exempt name prefix covers too (IAM cannot tell a path segment from a name)', () => {
    const decision = requireMfaForNewUsers.decide(createUser(), { user: user('malicious-iam-user', '/team/svc-build/'), attachedPolicies: attached() }, config);
    expect(decision.actions).toEqual([]);
    expect(decision.problem).toMatchObject({ kind: 'access-denied', reason: expect.stringMatching(/path \/team\/svc-build\/ has a segment that begins with the exempt name prefix svc-: the responder role's Deny .*user\/\*\/svc-\*/) });
  });

  it('reports a user that is gone (NoSuchEntity) as a problem, not an action', () => {
    const decision = requireMfaForNewUsers.decide(createUser(), { user: { errorCode: 'NoSuchEntity' }, attachedPolicies: { errorCode: 'NoSuchEntity' } }, config);
    expect(decision).toMatchObject({ actions: [], problem: { kind: 'gone' } });
  });

  it('does nothing for a failed CreateUser (panther 178, EntityAlreadyExists)', () => {
    expect(requireMfaForNewUsers.decide(eventOf(pantherRecord(178)), {}, config).nothingToDo[0]).toMatch(/failed \(EntityAlreadyExists\)/);
  });

  it('derives the new user from the event for the simulator', () => {
    const event = createUser();
    expect(requireMfaForNewUsers.decide(event, requireMfaForNewUsers.assumeFromEvent(event, config), config).actions).toHaveLength(1);
  });
});

describe('require-mfa-for-new-users on a read that failed unexpectedly', () => {
  it('does not attach the policy to a user whose path (maybe exempt) it could not read', () => {
    const decision = requireMfaForNewUsers.decide(createUser(), { user: { errorCode: 'InvalidInput' }, attachedPolicies: attached() }, config);
    expect(decision.actions).toEqual([]);
    expect(decision.problem).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/^reading user failed \(InvalidInput\)/) });
  });

  it('takes a user deleted between the two reads as gone', () => {
    const decision = requireMfaForNewUsers.decide(createUser(), { user: user('malicious-iam-user'), attachedPolicies: { errorCode: 'NoSuchEntity' } }, config);
    expect(decision.actions).toEqual([]);
    expect(decision.problem?.kind).toBe('gone');
  });
});
