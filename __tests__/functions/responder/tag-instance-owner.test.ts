import { instanceIdsOf, tagInstanceOwner } from '../../../functions/responder/responses';
import { INSTANCE_VISIBILITY_WINDOW_MS } from '../../../functions/responder/responses/tag-instance-owner';
import { eventOf, pantherRecord, stratusRecord, testConfig } from './support/records';

const config = testConfig('enforce');
const described = (instances: Record<string, string[]>) => ({
  instances: { output: { Reservations: [{ Instances: Object.entries(instances).map(([InstanceId, keys]) => ({ InstanceId, Tags: keys.map((Key) => ({ Key, Value: 'x' })) })) }] } },
});

describe('tag-instance-owner', () => {
  it('finds instance ids in RunInstances answers and StartInstances requests (panther 99, 131; stratus)', () => {
    expect(instanceIdsOf(eventOf(pantherRecord(99)))).toEqual(['i-07d06021b0da55115']);
    expect(instanceIdsOf(eventOf(pantherRecord(131))).sort()).toEqual(['i-EXAMPLE56126103cb', 'i-EXAMPLEaff4840c22']);
    expect(instanceIdsOf(eventOf(stratusRecord('aws.execution.ec2-user-data.json', 'StartInstances')))).toEqual(['i-DDd6c7B0e18F0E35f']);
  });

  it('tags an IAM user owner on StartInstances (stratus record), without role or session tags', () => {
    const event = eventOf(stratusRecord('aws.execution.ec2-user-data.json', 'StartInstances'));
    expect(tagInstanceOwner.triggers(event, config)).toBe(true);
    const decision = tagInstanceOwner.decide(event, described({ 'i-DDd6c7B0e18F0E35f': ['Name'] }), config);
    expect(decision.actions).toEqual([
      expect.objectContaining({ api: 'CreateTags', params: { Resources: ['i-DDd6c7B0e18F0E35f'], Tags: [{ Key: 'owner', Value: 'arn:aws:iam::309303190113:user/christophe' }] } }),
    ]);
  });

  it('tags an assumed role with the role ARN and the session name (panther 111)', () => {
    const event = eventOf(pantherRecord(111));
    const [id] = instanceIdsOf(event);
    const decision = tagInstanceOwner.decide(event, described({ [id!]: [] }), config);
    expect(decision.actions[0]!.params.Tags).toEqual([
      { Key: 'owner', Value: 'arn:aws:sts::123123123123:assumed-role/DevAdministrator/temp_user' },
      { Key: 'owner-role', Value: 'arn:aws:iam::123123123123:role/DevAdministrator' },
      { Key: 'owner-session', Value: 'temp_user' },
    ]);
  });

  it('never overwrites a tag the instance has; an instance fully tagged needs nothing (a second delivery)', () => {
    const event = eventOf(pantherRecord(111));
    const [id] = instanceIdsOf(event);
    const partly = tagInstanceOwner.decide(event, described({ [id!]: ['owner'] }), config);
    expect((partly.actions[0]!.params.Tags as { Key: string }[]).map((t) => t.Key)).toEqual(['owner-role', 'owner-session']);
    expect(partly.nothingToDo).toEqual([`instance ${id} already has owner: never overwritten`]);
    const full = tagInstanceOwner.decide(event, described({ [id!]: ['owner', 'owner-role', 'owner-session'] }), config);
    expect(full.actions).toEqual([]);
  });

  it('says which instances are gone', () => {
    const event = eventOf(pantherRecord(131));
    const decision = tagInstanceOwner.decide(event, described({ 'i-EXAMPLE56126103cb': [] }), config);
    expect(decision.actions.map((a) => (a.params.Resources as string[])[0])).toEqual(['i-EXAMPLE56126103cb']);
    expect(decision.nothingToDo).toEqual(['instance i-EXAMPLEaff4840c22 no longer exists']);
    expect(tagInstanceOwner.decide(event, { instances: { errorCode: 'InvalidInstanceID.NotFound' } }, config).problem).toMatchObject({ kind: 'gone' });
  });

  it('after RunInstances a NotFound may be EC2 not showing the new instance yet: retryable for a while; after StartInstances it is gone', () => {
    const notFound = { instances: { errorCode: 'InvalidInstanceID.NotFound' } };
    const run = eventOf(pantherRecord(99));
    const problem = tagInstanceOwner.decide(run, notFound, config).problem!;
    expect(problem).toMatchObject({ kind: 'gone', reason: expect.stringMatching(/not found .*retried until 2024-12-16T18:51:07\.000Z/) });
    expect(Date.parse(problem.retryableUntil!) - Date.parse(run.time)).toBe(INSTANCE_VISIBILITY_WINDOW_MS);
    expect(tagInstanceOwner.decide(eventOf(pantherRecord(131)), notFound, config).problem?.retryableUntil).toBeUndefined();
    expect(tagInstanceOwner.decide(run, { instances: { errorCode: 'InvalidInstanceID.Malformed' } }, config).problem?.retryableUntil).toBeUndefined();
  });

  it('does nothing for a failed RunInstances (stratus, UnauthorizedOperation)', () => {
    const event = eventOf(stratusRecord('aws.execution.ec2-launch-unusual-instances.json', 'RunInstances'));
    expect(tagInstanceOwner.decide(event, {}, config).nothingToDo[0]).toMatch(/failed \(Client\.UnauthorizedOperation\)/);
  });

  it('derives the requested tags from RunInstances for the simulator (panther 145 sets Name only)', () => {
    const event = eventOf(pantherRecord(145));
    const decision = tagInstanceOwner.decide(event, tagInstanceOwner.assumeFromEvent(event, config), config);
    expect(decision.actions.length).toBeGreaterThan(0);
    for (const action of decision.actions) expect((action.params.Tags as { Key: string }[]).map((t) => t.Key)).not.toContain('Name');
  });
});

describe('tag-instance-owner on a read that failed unexpectedly', () => {
  it('says it could not read the instances, not that they no longer exist', () => {
    const decision = tagInstanceOwner.decide(eventOf(pantherRecord(131)), { instances: { errorCode: 'InvalidParameterCombination' } }, config);
    expect(decision.nothingToDo).toEqual([]);
    expect(decision.problem).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/^reading instances failed \(InvalidParameterCombination\)/) });
  });
});
