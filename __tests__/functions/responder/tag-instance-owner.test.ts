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

  it('reads the instances with an instance-id filter, which answers with those that exist instead of failing for all', () => {
    const event = eventOf(pantherRecord(131));
    expect(tagInstanceOwner.readsFor(event, config)).toEqual([
      expect.objectContaining({ api: 'DescribeInstances', params: { Filters: [{ Name: 'instance-id', Values: instanceIdsOf(event) }] } }),
    ]);
  });

  it('tags the instances that exist; one not found is not done (terminated or never existed), not a reason to tag none', () => {
    const event = eventOf(pantherRecord(131)); // StartInstances of two instances
    const decision = tagInstanceOwner.decide(event, described({ 'i-EXAMPLE56126103cb': [] }), config);
    expect(decision.problem).toBeUndefined();
    expect(decision.actions.map((a) => (a.params.Resources as string[])[0])).toEqual(['i-EXAMPLE56126103cb']);
    expect(decision.notDone).toEqual([{ call: 'ec2:CreateTags', reason: 'instance i-EXAMPLEaff4840c22 not found: terminated or never existed' }]);
    expect(decision.nothingToDo).toEqual([]);
    const none = tagInstanceOwner.decide(event, described({}), config);
    expect(none.problem).toMatchObject({ kind: 'gone', reason: 'instance i-EXAMPLEaff4840c22, i-EXAMPLE56126103cb not found: terminated or never existed' });
    expect(none.problem?.retryableUntil).toBeUndefined();
  });

  it('after RunInstances an instance not found may be one EC2 does not show yet: retryable for a while; after StartInstances it is gone', () => {
    const run = eventOf(pantherRecord(99));
    const problem = tagInstanceOwner.decide(run, described({}), config).problem!;
    expect(problem).toMatchObject({ kind: 'gone', reason: expect.stringMatching(/not found: .*retried until 2024-12-16T18:51:07\.000Z/) });
    expect(Date.parse(problem.retryableUntil!) - Date.parse(run.time)).toBe(INSTANCE_VISIBILITY_WINDOW_MS);

    const record = pantherRecord(99);
    const items = (record.responseElements as { instancesSet: { items: object[] } }).instancesSet.items;
    items.push({ ...items[0], instanceId: 'i-0second0000000000' });
    const two = eventOf(record);
    const partly = tagInstanceOwner.decide(two, described({ 'i-07d06021b0da55115': [] }), config);
    expect(partly.actions.map((a) => (a.params.Resources as string[])[0])).toEqual(['i-07d06021b0da55115']);
    expect(partly.notDone).toEqual([
      { call: 'ec2:CreateTags', reason: 'instance i-0second0000000000 not found: terminated or never existed', retryable: { until: problem.retryableUntil, reason: expect.stringMatching(/^instance i-0second0000000000 not found: EC2 may not show a new instance yet/) } },
    ]);
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
