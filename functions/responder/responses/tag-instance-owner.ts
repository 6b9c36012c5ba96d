import type { ResponderConfig } from '../config';
import { readProblem, decision, failedCall, type Action, type Decision, type Observed, type ReadCall, type Response, type Unreachable } from '../decision';
import { isObject, principalOf, requestParameters, responseElements, text, type Json, type ResponderEvent } from '../event';

/**
 * tag-instance-owner: when instances are run or started, tag each with who did it (the principal
 * ARN, and for an assumed role the role ARN and session name), under the topology's tag keys.
 * A key the instance already has is never overwritten.
 */

const TRIGGERS: ReadonlySet<string> = new Set(['RunInstances', 'StartInstances']);
/** EC2 limits a tag value to 256 characters. */
export const EC2_TAG_VALUE_MAX_LENGTH = 256;
/**
 * EC2 is eventually consistent: DescribeInstances may not show an instance for a while after
 * RunInstances. Within this time of the call an instance not found is retried (Lambda's two
 * asynchronous retries come about 1 and 3 minutes later); after it, the instance is taken as gone,
 * so a replay from the DLQ days later settles instead of retrying again.
 */
export const INSTANCE_VISIBILITY_WINDOW_MS = 10 * 60_000;

const items = (set: unknown): Json[] => (isObject(set) && Array.isArray(set.items) ? set.items.filter(isObject) : []);

/** Instance ids of the call: RunInstances answers with them; StartInstances names them in the request too. */
export function instanceIdsOf(event: ResponderEvent): string[] {
  const sets = [responseElements(event).instancesSet];
  if (event.record.eventName === 'StartInstances') sets.push(requestParameters(event).instancesSet);
  const ids = sets.flatMap(items).map((item) => text(item.instanceId)).filter((id): id is string => id !== undefined);
  return [...new Set(ids)];
}

/**
 * Read by an instance-id filter, not by InstanceIds: with InstanceIds one id that does not exist
 * fails the whole call (InvalidInstanceID.NotFound) and no instance of the event gets tagged; the
 * filter answers with those that exist.
 */
function readsFor(event: ResponderEvent): ReadCall[] {
  const ids = instanceIdsOf(event);
  return ids.length === 0 ? [] : [{ key: 'instances', service: 'ec2', api: 'DescribeInstances', params: { Filters: [{ Name: 'instance-id', Values: ids }] }, target: 'source' }];
}

/** A DescribeInstances-shaped answer with the tags the RunInstances request set (none for StartInstances). */
function assumeFromEvent(event: ResponderEvent): Observed {
  const requested = items(requestParameters(event).tagSpecificationSet)
    .filter((spec) => spec.resourceType === 'instance')
    .flatMap((spec) => (Array.isArray(spec.tags) ? spec.tags.filter(isObject) : []))
    .map((tag) => ({ Key: text(tag.key), Value: typeof tag.value === 'string' ? tag.value : '' }));
  const Instances = instanceIdsOf(event).map((InstanceId) => ({ InstanceId, Tags: event.record.eventName === 'RunInstances' ? requested : [] }));
  return { instances: { output: { Reservations: [{ Instances }] } } };
}

/** The owner tags the principal gets, by tag key. */
function ownerTags(event: ResponderEvent, tagKeys: { owner: string; role?: string; session?: string }): { Key: string; Value: string }[] | undefined {
  const principal = principalOf(event);
  if (!principal.arn) return undefined;
  const tags = [{ Key: tagKeys.owner, Value: principal.arn }];
  if (tagKeys.role && principal.roleArn) tags.push({ Key: tagKeys.role, Value: principal.roleArn });
  if (tagKeys.session && principal.sessionName) tags.push({ Key: tagKeys.session, Value: principal.sessionName });
  return tags.map((tag) => ({ Key: tag.Key, Value: tag.Value.slice(0, EC2_TAG_VALUE_MAX_LENGTH) }));
}

/** Tag keys per instance id, from a DescribeInstances answer. */
function existingTags(output: unknown): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const reservations = isObject(output) && Array.isArray(output.Reservations) ? output.Reservations.filter(isObject) : [];
  for (const instance of reservations.flatMap((r) => (Array.isArray(r.Instances) ? r.Instances.filter(isObject) : []))) {
    const id = text(instance.InstanceId);
    const tags = Array.isArray(instance.Tags) ? instance.Tags.filter(isObject) : [];
    if (id) found.set(id, new Set(tags.map((tag) => text(tag.Key)).filter((key): key is string => key !== undefined)));
  }
  return found;
}

function decide(event: ResponderEvent, observed: Observed, config: ResponderConfig): Decision {
  const base = (fields: Partial<Decision>) => decision('tag-instance-owner', config, fields);
  const tagKeys = config.responses['tag-instance-owner']?.tagKeys ?? { owner: 'owner' };
  const failed = failedCall(event);
  if (failed) return base({ nothingToDo: [failed] });
  const ids = instanceIdsOf(event);
  if (ids.length === 0) return base({ problem: { kind: 'bad-event', reason: 'the event names no instance id (responseElements.instancesSet)' } });
  const wanted = ownerTags(event, tagKeys);
  if (!wanted) return base({ problem: { kind: 'bad-event', reason: 'userIdentity.arn is missing: no owner to tag' } });
  const denied = readProblem(observed);
  if (denied) return base({ problem: denied });
  const existing = existingTags(observed.instances?.output);
  const notFound = ids.filter((id) => !existing.has(id));
  // A new instance EC2 does not show yet is retried; a started one that is not there is gone.
  const until = event.record.eventName === 'RunInstances' ? new Date(Date.parse(event.time) + INSTANCE_VISIBILITY_WINDOW_MS).toISOString() : undefined;
  const gone = (list: readonly string[]) => `instance ${list.join(', ')} not found: terminated or never existed`;
  const notVisible = (list: readonly string[]) => `instance ${list.join(', ')} not found: EC2 may not show a new instance yet, so it is retried until ${until} and taken as terminated or never existed after`;
  if (notFound.length === ids.length) {
    return base({ problem: until ? { kind: 'gone', reason: notVisible(ids), retryableUntil: until } : { kind: 'gone', reason: gone(ids) } });
  }
  const notDone: Unreachable[] = notFound.map((id) => ({ call: 'ec2:CreateTags', reason: gone([id]), ...(until ? { retryable: { until, reason: notVisible([id]) } } : {}) }));
  const actions: Action[] = [];
  const nothingToDo: string[] = [];
  for (const id of ids) {
    const keys = existing.get(id);
    if (!keys) continue;
    const missing = wanted.filter((tag) => !keys.has(tag.Key));
    const kept = wanted.filter((tag) => keys.has(tag.Key)).map((tag) => tag.Key);
    if (kept.length > 0) nothingToDo.push(`instance ${id} already has ${kept.join(', ')}: never overwritten`);
    if (missing.length === 0) continue;
    const why = `${event.record.eventName} by ${wanted[0]!.Value}: tag the instance with its owner`;
    actions.push({ service: 'ec2', api: 'CreateTags', params: { Resources: [id], Tags: missing }, target: 'source', why });
  }
  return base({ actions, nothingToDo, ...(notDone.length > 0 ? { notDone } : {}) });
}

export const tagInstanceOwner: Response = {
  id: 'tag-instance-owner',
  triggers: (event) => event.record.eventSource === 'ec2.amazonaws.com' && TRIGGERS.has(event.record.eventName),
  readsFor,
  assumeFromEvent,
  decide,
};
