import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing } from 'cdktf';
import defaultTopologyJson from '../../config/default-topology.json';
import { parseTopology } from '../../config/load';
import { buildStacks } from '../../stacks/app';
import {
  DEFERRED_POLICY_DOCUMENT,
  MOTO_EVENT_CONNECTION_UNSTORED_KEY,
  MOTO_LAMBDA_UNSTORED_CONFIG,
  MOTO_SQS_REDRIVE_POLICY_FORMAT,
  MOTO_STACK_SET_AUTO_DEPLOYMENT_UNREPORTED,
  MOTO_STACK_SET_UNREPORTED,
  toleratedChange,
} from '../../tools/e2e/quirks';
import { Report } from '../../tools/e2e/report';
import { deployWaves, PlannedChange, stacksLeftOut } from '../../tools/e2e/terraform-stacks';
import { E2E_REGIONS, E2E_SIGMA_RULE, e2eTopology, emulatorSwitches } from '../../tools/e2e/topology';
import { resolveSigmaPath } from '../../stacks/catalog/sigma-rules';
import type { TargetKind } from '../../config/sections/events';
import { centralRules, forwardingRules } from '../../stacks/catalog';
import { toEnvelope } from '../../tools/simulate/envelope';
import { Naming } from '../../config/naming';
import { RESPONSE_IDS } from '../../config/sections/responses';
import { evidenceRules, responderTargetRules, responseRules } from '../../stacks/catalog';
import { isPublicStatement } from '../../functions/responder/public-access';
import { assumedRoleIdentity, decisionLines, envelopeOf, halfPublicPolicy, recordOfCall, responderInputs, sharedRecords, statementIds, templateRecord } from '../../tools/e2e/response-events';
import { recordingEntries } from '../../tools/e2e/deployed-forwarder';
import { responseLines } from '../../tools/e2e/responses-check';
import {
  adjustRecord,
  chooseSamples,
  countEventIds,
  deliveryChecks,
  derivedEventId,
  EMULATOR_DELIVERED_KINDS,
  Flow2Event,
  flow2Events,
  matchingRules,
  sigmaPurpose,
  sharedCandidates,
  slotsOf,
  unsignedWebIdentityToken,
  wireEntry,
} from '../../tools/e2e/flow2-events';

/**
 * The pure parts of `npm run e2e` (the run itself is __tests__/e2e.test.ts): which plan changes
 * it tolerates, what the e2e topology switches, the order stacks apply in, and the events and
 * checks of flow 2.
 */

function change(address: string, values: Record<string, { before: unknown; after: unknown; unknown?: boolean }>, action = 'update'): PlannedChange {
  const attributes = Object.keys(values);
  return {
    address,
    action,
    attributes,
    details: attributes.map((a) => `${a}: ...`),
    values: Object.fromEntries(attributes.map((a) => [a, { before: values[a].before, after: values[a].after, unknown: values[a].unknown ?? false }])),
  };
}

const redrive = (json: string) => change('aws_sqs_queue.failure-queue_3729AB57', { redrive_policy: { before: json, after: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:dlq","maxReceiveCount":5}' } });

describe('e2e: tolerated plan quirks', () => {
  test('moto-event-connection-unstored-key: only an update of kms_key_identifier, from empty to a key', () => {
    const key = 'arn:aws:kms:us-east-1:333333333333:key/k';
    const ok = change('aws_cloudwatch_event_connection.rules_destination-e2e-hook-connection_1A2B3C4D', { kms_key_identifier: { before: null, after: key } });
    expect(toleratedChange(ok, [ok])).toBe(MOTO_EVENT_CONNECTION_UNSTORED_KEY);
    const otherKey = change('aws_cloudwatch_event_connection.c', { kms_key_identifier: { before: 'arn:aws:kms:us-east-1:333333333333:key/old', after: key } });
    const removed = change('aws_cloudwatch_event_connection.c', { kms_key_identifier: { before: '', after: '' } });
    const withMore = change('aws_cloudwatch_event_connection.c', { kms_key_identifier: { before: null, after: key }, description: { before: 'a', after: 'b' } });
    const replaced = change('aws_cloudwatch_event_connection.c', { kms_key_identifier: { before: null, after: key } }, 'delete+create');
    const otherType = change('aws_cloudwatch_event_bus.b', { kms_key_identifier: { before: null, after: key } });
    for (const c of [otherKey, removed, withMore, replaced, otherType]) expect(toleratedChange(c, [c])).toBeUndefined();
  });

  test('moto-lambda-unstored-config: only an update of logging_config and kms_key_arn, each from empty', () => {
    const ok = change('aws_lambda_function.forwarder_function_BE8A981D', { logging_config: { before: [], after: [{ log_format: 'JSON' }] } });
    expect(toleratedChange(ok, [ok])).toBe(MOTO_LAMBDA_UNSTORED_CONFIG);
    const withKey = change('aws_lambda_function.f', { kms_key_arn: { before: '', after: 'arn:aws:kms:us-east-1:1:key/k' }, logging_config: { before: [], after: [{}] } });
    expect(toleratedChange(withKey, [withKey])).toBe(MOTO_LAMBDA_UNSTORED_CONFIG);
    const otherKey = change('aws_lambda_function.f', { kms_key_arn: { before: 'arn:aws:kms:us-east-1:1:key/old', after: 'arn:aws:kms:us-east-1:1:key/k' } });
    expect(toleratedChange(otherKey, [otherKey])).toBeUndefined();

    const fromSomething = change('aws_lambda_function.f', { logging_config: { before: [{ log_format: 'Text' }], after: [{ log_format: 'JSON' }] } });
    const withMore = change('aws_lambda_function.f', { logging_config: { before: [], after: [{}] }, memory_size: { before: 256, after: 512 } });
    const replaced = change('aws_lambda_function.f', { logging_config: { before: [], after: [{}] } }, 'delete+create');
    const otherType = change('aws_iam_role.f', { logging_config: { before: [], after: [{}] } });
    for (const c of [fromSomething, withMore, replaced, otherType]) expect(toleratedChange(c, [c])).toBeUndefined();
  });

  test('moto-sqs-redrive-policy-format: only when the JSON is equal', () => {
    const reformatted = redrive('{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:dlq", "maxReceiveCount": 5}');
    expect(toleratedChange(reformatted, [reformatted])).toBe(MOTO_SQS_REDRIVE_POLICY_FORMAT);
    const different = redrive('{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:dlq", "maxReceiveCount": 3}');
    expect(toleratedChange(different, [different])).toBeUndefined();
    const notJson = redrive('not json');
    expect(toleratedChange(notJson, [notJson])).toBeUndefined();
  });

  test('a policy known only after apply is tolerated only beside a tolerated redrive-policy change', () => {
    const policy = change('aws_sqs_queue_policy.failure-queue_queue-policy_D876D91E', { policy: { before: '{}', after: undefined, unknown: true } });
    const reformatted = redrive('{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:dlq", "maxReceiveCount": 5}');
    expect(toleratedChange(policy, [policy, reformatted])).toBe(DEFERRED_POLICY_DOCUMENT);
    expect(toleratedChange(policy, [policy])).toBeUndefined();

    const knownPolicy = change('aws_sqs_queue_policy.q', { policy: { before: '{}', after: '{"Statement":[]}' } });
    expect(toleratedChange(knownPolicy, [knownPolicy, reformatted])).toBeUndefined();
  });

  test('moto-stack-set-unreported: an in-place update of attributes moto leaves out, from empty only', () => {
    const ok = change('aws_cloudformation_stack_set.s', { capabilities: { before: [], after: ['CAPABILITY_NAMED_IAM'] }, call_as: { before: null, after: 'SELF' } });
    expect(toleratedChange(ok, [ok])).toBe(MOTO_STACK_SET_UNREPORTED);
    const changed = change('aws_cloudformation_stack_set.s', { capabilities: { before: ['CAPABILITY_IAM'], after: ['CAPABILITY_NAMED_IAM'] } });
    const template = change('aws_cloudformation_stack_set.s', { template_body: { before: '{}', after: '{"Resources":{}}' } });
    for (const c of [changed, template]) expect(toleratedChange(c, [c])).toBeUndefined();
  });

  test('moto-stack-set-auto-deployment-unreported: the replacement caused by an empty auto_deployment, nothing else', () => {
    const values = {
      auto_deployment: { before: [], after: [{ enabled: true, retain_stacks_on_account_removal: false }] },
      capabilities: { before: [], after: ['CAPABILITY_NAMED_IAM'] },
      arn: { before: 'arn:aws:cloudformation:us-east-1:1:stackset/s:x', after: undefined, unknown: true },
      tags: { before: {}, after: null },
    };
    const ok = change('aws_cloudformation_stack_set.s', values, 'delete+create');
    expect(toleratedChange(ok, [ok])).toBe(MOTO_STACK_SET_AUTO_DEPLOYMENT_UNREPORTED);
    const alsoTemplate = change('aws_cloudformation_stack_set.s', { ...values, template_body: { before: '{}', after: '{"Resources":{}}' } }, 'delete+create');
    const fromSet = change('aws_cloudformation_stack_set.s', { ...values, auto_deployment: { before: [{ enabled: false }], after: [{ enabled: true }] } }, 'delete+create');
    for (const c of [alsoTemplate, fromSet]) expect(toleratedChange(c, [c])).toBeUndefined();
  });

  test('the replacement the service-linked role used to show is not tolerated', () => {
    const slr = change('aws_iam_service_linked_role.idr-service-linked-role', { custom_suffix: { before: 'EventProcessor', after: null } }, 'delete+create');
    expect(toleratedChange(slr, [slr])).toBeUndefined();
  });
});

describe('e2e: the e2e topology', () => {
  const { topology, switches } = e2eTopology('e2e-state');
  const production = parseTopology(structuredClone(defaultTopologyJson), 'default topology');

  test('the default accounts, two regions, local state in the run directory', () => {
    expect(topology.accounts.map((a) => a.id)).toEqual(production.accounts.map((a) => a.id));
    expect(topology.regions).toEqual([...E2E_REGIONS]);
    expect(topology.backend).toEqual(expect.objectContaining({ type: 'local', directory: 'e2e-state' }));
  });

  test('each switch is a topology option set to a value that differs from the production default', () => {
    const read = (doc: unknown, option: string): unknown =>
      option
        .replace(/\["([^"]+)"\]/g, '.$1')
        .split('.')
        .reduce<any>((node, part) => node?.[part], doc);
    expect(switches.length).toBeGreaterThan(0);
    for (const s of switches) {
      expect([s.option, read(topology, s.option)]).toEqual([s.option, s.value]);
      expect([s.option, read(production, s.option)]).not.toEqual([s.option, s.value]);
      expect(s.leavesOut.length).toBeGreaterThan(0);
      expect(s.why.length).toBeGreaterThan(0);
    }
  });

  test('the switches are exactly the ones docs/e2e.md lists', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'e2e.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Emulator switches'), doc.indexOf('Emulator bugs the run works around'));
    const documented = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual(emulatorSwitches('444444444444').map((s) => s.option));
  });

  test('an API destination, so the run applies a connection encrypted with its customer managed key', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'e2e-parts-'));
    const app = new App({ outdir, skipValidation: true });
    const securityEvents = buildStacks(app, topology).all.find((s) => s.stackName === 'security-events')!;
    const json = JSON.parse(Testing.synth(securityEvents));
    rmSync(outdir, { recursive: true, force: true });
    const connections = Object.values<any>(json.resource.aws_cloudwatch_event_connection ?? {});
    expect(connections.map((c) => c.name)).toEqual(['trailbridge-e2e-hook']);
    expect(connections[0].kms_key_identifier).toMatch(/^\$\{aws_kms_key\.[^.]*connection-key[^.]*\.arn\}$/);
  });

  test('stacks apply in dependency order: what a stack needs is in an earlier wave', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'e2e-parts-'));
    const stacks = buildStacks(new App({ outdir, skipValidation: true }), topology).all;
    rmSync(outdir, { recursive: true, force: true });
    const waves = deployWaves(stacks);
    const waveOf = new Map(waves.flatMap((wave, i) => wave.map((name) => [name, i] as const)));
    expect([...waveOf.keys()].sort()).toEqual(stacks.map((s) => s.stackName).sort());
    expect(stacks.flatMap((s) => s.dependencies)).not.toHaveLength(0);
    for (const stack of stacks) {
      for (const dependency of stack.dependencies as unknown as typeof stacks) expect(waveOf.get(dependency.stackName)!).toBeLessThan(waveOf.get(stack.stackName)!);
    }
    expect(deployWaves(stacks, ['observability']).flat().sort()).toEqual(['log-archive', 'observability']);
    expect(stacksLeftOut(stacks, deployWaves(stacks))).toEqual([]);
    expect(stacksLeftOut(stacks, deployWaves(stacks, ['observability'])).sort()).toEqual(
      stacks.map((s) => s.stackName).filter((n) => n !== 'log-archive' && n !== 'observability').sort(),
    );
    expect(() => deployWaves(stacks, ['nope'])).toThrow(/no stack nope; stacks: /);
  });
});

describe('e2e: command line', () => {
  test('a wrong option or a stray argument is a usage error with the usage; --help prints it', async () => {
    const { main } = await import('../../tools/e2e');
    await expect(main(['--bogus'])).rejects.toThrow(/Unknown option '--bogus'[\s\S]*usage: npm run e2e/);
    await expect(main(['extra'])).rejects.toThrow(/unexpected argument "extra"\nusage: npm run e2e/);
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await expect(main(['--help'])).resolves.toBe(0);
      expect(write).toHaveBeenCalledWith(expect.stringMatching(/^usage: npm run e2e/));
    } finally {
      write.mockRestore();
    }
  });
});

describe('e2e: flow 2 events and checks', () => {
  const { topology } = e2eTopology('e2e-state');
  const rules = centralRules(topology);
  const samples = chooseSamples(sharedCandidates(), rules, false);
  const sigmaRule = rules.find((r) => r.origin === 'sigma')!;
  const slots = slotsOf(forwardingRules(topology));
  const events = flow2Events(slots, samples, rules);
  const names = {
    centralBus: 'trailbridge-central',
    targets: new Map<TargetKind, string>([
      ['sqs', 'the SQS buffer q'],
      ['logs', 'the log group g'],
    ]),
  };
  const delivered = (event: Flow2Event) => toEnvelope(JSON.parse(event.entry.Detail)) as unknown as Record<string, unknown>;

  test('one real record per deliverable kind and one no rule matches, each reaching only sqs/logs targets', () => {
    expect(samples.map((s) => s.purpose)).toEqual(['sqs', 'logs', sigmaPurpose(sigmaRule), 'no rule']);
    for (const sample of samples) {
      const matched = matchingRules(toEnvelope(sample.record) as unknown as Record<string, unknown>, rules);
      const kinds = matched.map((r) => r.target);
      if (sample.purpose === 'no rule') expect(kinds).toEqual([]);
      else if (sample.purpose.startsWith('sigma ')) expect(matched.map(sigmaPurpose)).toContain(sample.purpose);
      else expect(kinds).toContain(sample.purpose);
      for (const kind of kinds) expect(EMULATOR_DELIVERED_KINDS).toContain(kind);
      expect(sample.record.readOnly).not.toBe(true);
    }
  });

  test('the Sigma rule of the e2e topology gets a sample whose event it delivers to logs', () => {
    expect(sigmaRule.sigma?.file).toBe(resolveSigmaPath(E2E_SIGMA_RULE));
    const sample = samples.find((s) => s.purpose === sigmaPurpose(sigmaRule))!;
    expect(matchingRules(toEnvelope(sample.record) as unknown as Record<string, unknown>, rules)).toContain(sigmaRule);
    const sigmaEvents = events.filter((e) => e.purpose === sigmaPurpose(sigmaRule));
    expect(sigmaEvents.length).toBeGreaterThan(0);
    for (const event of sigmaEvents) {
      expect(event.forwarded).toBe(true);
      expect(event.deliveries).toContainEqual({ rule: sigmaRule.name, target: 'logs' });
    }
  });

  test('a Sigma rule no record matches is named', () => {
    const unmatched = { ...sigmaRule, name: 'trailbridge-sigma-never', pattern: { source: ['aws.never'] } };
    expect(() => chooseSamples(sharedCandidates(), [...rules, unmatched], false)).toThrow(/"reaches the Sigma rule trailbridge-sigma-never"/);
  });

  test('a record matched by an sns rule is never a sample, and a missing purpose is named', () => {
    const candidates = sharedCandidates();
    const snsOnly = candidates.filter((c) => matchingRules(toEnvelope(c.record) as unknown as Record<string, unknown>, rules).some((r) => r.target === 'sns'));
    expect(snsOnly.length).toBeGreaterThan(0);
    expect(() => chooseSamples(snsOnly, rules, false)).toThrow(/no shared CloudTrail record fits "reaches only sqs targets", "reaches only logs targets", "reaches the Sigma rule trailbridge-sigma-aws-snapshot-backup-exfiltration", "matches no central rule"/);
  });

  test('an event for every source account and enabled region, every sample used, adjusted to its account and region, with a unique event id', () => {
    expect(slots.map((s) => `${s.accountName}/${s.region}`)).toEqual(['test/us-east-1', 'test/eu-west-1', 'prod/us-east-1', 'prod/eu-west-1']);
    expect(events.map((e) => `${e.slot.accountName}/${e.slot.region} ${e.purpose}`)).toEqual(['test/us-east-1 sqs', 'test/eu-west-1 logs', `prod/us-east-1 ${sigmaPurpose(sigmaRule)}`, 'prod/eu-west-1 no rule']);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (const event of events) {
      const detail = JSON.parse(event.entry.Detail);
      const original = samples.find((s) => s.purpose === event.purpose)!.record;
      expect([detail.recipientAccountId, detail.awsRegion, detail.eventID]).toEqual([event.slot.accountId, event.slot.region, event.id]);
      expect(event.entry.Detail).not.toContain(original.recipientAccountId);
      expect(event.entry).toEqual(expect.objectContaining({ EventBusName: 'default', Source: `aws.${original.eventSource.split('.')[0]}`, DetailType: 'AWS API Call via CloudTrail' }));
      expect(event.forwarded).toBe(true);
      expect(event.deliveries.length > 0).toBe(event.purpose !== 'no rule');
      expect(event.deliveries.map((d) => d.rule)).toEqual(matchingRules(delivered(event), rules).map((r) => r.name));
    }
    // More samples than slots: the first slot takes the rest, still one event per pair.
    const one = flow2Events(slots.slice(0, 1), samples, rules);
    expect(one.map((e) => `${e.slot.accountName}/${e.slot.region} ${e.purpose}`)).toEqual(['test/us-east-1 sqs', 'test/us-east-1 logs', `test/us-east-1 ${sigmaPurpose(sigmaRule)}`, 'test/us-east-1 no rule']);
    expect(() => flow2Events([], samples, rules)).toThrow(/no source account forwards events/);
  });

  test('every check holds when each event arrived as expected; a missing, doubled or stray arrival fails its line', () => {
    const centralBus = new Map(events.map((e) => [e.id, 1]));
    const count = (kind: TargetKind) => new Map(events.flatMap((e) => (e.deliveries.some((d) => d.target === kind) ? [[e.id, e.deliveries.filter((d) => d.target === kind).length] as const] : [])));
    const byKind = new Map<TargetKind, Map<string, number>>([['sqs', count('sqs')], ['logs', count('logs')]]);
    const lines = deliveryChecks(events, { centralBus, byKind }, names);
    expect(lines.length).toBe(slots.length + events.length);
    expect(lines.filter((l) => !l.ok)).toEqual([]);
    for (const line of lines) expect(line.text).toMatch(/central bus/);
    expect(lines[0].text).toBe('test (111111111111) us-east-1: 1/1 events put on the default bus reached the central bus trailbridge-central once (StartInstances)');

    const [sqsEvent, , , noRule] = events;
    const lost = new Map(centralBus);
    lost.delete(sqsEvent.id);
    const stray = new Map(byKind);
    stray.set('logs', new Map([...byKind.get('logs')!, [noRule.id, 1], [sqsEvent.id, 1]]));
    stray.set('sqs', new Map([...byKind.get('sqs')!, [sqsEvent.id, 2]]));
    const failed = deliveryChecks(events, { centralBus: lost, byKind: stray }, names).filter((l) => !l.ok).map((l) => l.text);
    expect(failed).toEqual([
      'test (111111111111) us-east-1: 0/1 events put on the default bus reached the central bus trailbridge-central once (StartInstances); StartInstances arrived 0 times',
      expect.stringMatching(/StartInstances reached the SQS buffer q 2 times, expected 1 through the central bus rule trailbridge-ec2-instance-state-changed$/),
      expect.stringMatching(/StartInstances reached the log group g once though no central bus rule of that target matches it$/),
      expect.stringMatching(/^prod \(222222222222\) eu-west-1: SendCommand \(no central bus rule matches\) reached the log group g once$/),
    ]);
  });

  test('arrivals are counted by detail.eventID; other ids and text that is not an event are ignored', () => {
    const ids = new Set(['a', 'b']);
    const counts = countEventIds([JSON.stringify({ detail: { eventID: 'a' } }), JSON.stringify({ detail: { eventID: 'a' } }), JSON.stringify({ detail: { eventID: 'c' } }), 'not json', '{}'], ids);
    expect([...counts]).toEqual([['a', 2]]);
  });

  test('record adjustment moves every mention of the recording account, and event ids are UUID-shaped and stable', () => {
    const record = { recipientAccountId: '123456789012', userIdentity: { accountId: '123456789012', arn: 'arn:aws:iam::123456789012:user/x' }, awsRegion: 'zz-north-9', eventID: 'old' };
    expect(adjustRecord(record, '111111111111', 'eu-west-1', 'new')).toEqual({
      recipientAccountId: '111111111111',
      userIdentity: { accountId: '111111111111', arn: 'arn:aws:iam::111111111111:user/x' },
      awsRegion: 'eu-west-1',
      eventID: 'new',
    });
    expect(derivedEventId('a', 'b')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedEventId('a', 'b')).toBe(derivedEventId('a', 'b'));
    expect(derivedEventId('a', 'b')).not.toBe(derivedEventId('ab', ''));
  });

  test('the web identity token carries the claims the trust reads', () => {
    const token = unsignedWebIdentityToken({ iss: 'https://token.dynatrace.com', aud: 'abc.apps.dynatrace.com/app-id/x', sub: 'dtid:connection/c' }, new Date(1_000_000));
    const [, claims, signature] = token.split('.');
    expect(signature).toBe('');
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({ iss: 'https://token.dynatrace.com', aud: 'abc.apps.dynatrace.com/app-id/x', sub: 'dtid:connection/c', iat: 1000, exp: 1900 });
  });

  test('a PutEvents entry goes on the wire with Time in epoch seconds; a bad time is named', () => {
    const entry = { EventBusName: 'default', Source: 'aws.ec2', DetailType: 'AWS API Call via CloudTrail', Detail: '{}' };
    expect(wireEntry({ ...entry, Time: '2024-08-01T12:04:19Z' })).toEqual({ ...entry, Time: 1722513859 });
    expect(wireEntry(entry)).toEqual(entry);
    expect(() => wireEntry({ ...entry, Time: 'yesterday' })).toThrow(/AWS API Call via CloudTrail: Time "yesterday" is not an ISO-8601 time/);
  });

  test('the report prints every flow-2 check, how many held, the seconds per section and the emulator notes', () => {
    const report = new Report();
    report.flow2 = [
      { ok: true, text: 'test: 3/3 events reached the central bus c once' },
      { ok: false, text: 'test: StartInstances reached the SQS buffer q 0 times, expected 1' },
    ];
    report.flow2Seconds = new Map([['central bus', 1.25], ['IDR bus', 0.5]]);
    report.flow2Notes = ['moto does X'];
    const text = report.render(1);
    expect(text).toContain('flow 2 checks: 1/2 held (central bus 1.3s, IDR bus 0.5s)\n  ok   test: 3/3 events reached the central bus c once\n  FAIL test: StartInstances reached the SQS buffer q 0 times, expected 1\n  note: moto does X\n');
  });
});

describe('e2e: the responses section', () => {
  const records = sharedRecords();
  const { topology } = e2eTopology('e2e-state');
  const naming = new Naming(topology);
  const rules = [...responseRules(topology), ...responderTargetRules(topology)];
  const sessionArn = 'arn:aws:sts::111111111111:assumed-role/OrganizationAccountAccessRole/trailbridge-e2e';
  const call = (eventSource: string, eventName: string, requestParameters: Record<string, unknown>) =>
    recordOfCall(templateRecord(records, eventSource, eventName), {
      account: '111111111111',
      region: 'us-east-1',
      eventId: `id-${eventName}`,
      time: new Date('2026-12-01T10:00:00.123Z'),
      sessionArn,
      requestParameters,
      responseElements: null,
    });

  test('every response is on in enforce mode in the e2e topology', () => {
    expect(Object.keys(topology.responses).sort()).toEqual([...RESPONSE_IDS].sort());
    for (const id of RESPONSE_IDS) expect([id, topology.responses[id]?.enabled, topology.responses[id]?.mode]).toEqual([id, true, 'enforce']);
    expect(evidenceRules(topology).map((r) => r.id).sort()).toEqual(['iam-user-created', 's3-bucket-policy-changed']);
  });

  test('a call becomes its event: the template with the run ids, the principal as an assumed role', () => {
    const record = call('s3.amazonaws.com', 'PutBucketPolicy', { bucketName: 'b' });
    expect(record).toEqual(expect.objectContaining({ eventID: 'id-PutBucketPolicy', eventTime: '2026-12-01T10:00:00Z', awsRegion: 'us-east-1', recipientAccountId: '111111111111', requestParameters: { bucketName: 'b' } }));
    expect(record.userIdentity.sessionContext.sessionIssuer.arn).toBe('arn:aws:iam::111111111111:role/OrganizationAccountAccessRole');
    expect(envelopeOf(record)).toEqual(expect.objectContaining({ account: '111111111111', region: 'us-east-1', id: 'e2e-id-PutBucketPolicy', source: 'aws.s3' }));
    expect(() => assumedRoleIdentity('arn:aws:iam::111111111111:user/x')).toThrow(/not an assumed-role session ARN/);
    expect(() => templateRecord(records, 's3.amazonaws.com', 'NoSuchCall')).toThrow(/no successful s3.amazonaws.com NoSuchCall record/);
  });

  test('each event reaches the responder through the rules that match it, as {rule, event}', () => {
    const byCall = (eventSource: string, eventName: string) => responderInputs(envelopeOf(call(eventSource, eventName, {})), rules).map((i) => i.rule).sort();
    expect(byCall('s3.amazonaws.com', 'PutBucketPolicy')).toEqual([naming.responseRuleName('block-public-bucket'), naming.centralRuleName('s3-bucket-policy-changed')].sort());
    expect(byCall('iam.amazonaws.com', 'CreateUser')).toEqual([naming.responseRuleName('require-mfa-for-new-users'), naming.centralRuleName('iam-user-created')].sort());
    expect(byCall('ec2.amazonaws.com', 'RunInstances')).toEqual([naming.responseRuleName('tag-instance-owner')]);
    expect(byCall('rds.amazonaws.com', 'DeleteDBInstance')).toEqual([naming.centralRuleName('database-deleted')]);
    // The responder's own session matches no action rule.
    const own = recordOfCall(templateRecord(records, 'ec2.amazonaws.com', 'RunInstances'), {
      account: '111111111111', region: 'us-east-1', eventId: 'x', time: new Date(), sessionArn: 'arn:aws:sts::111111111111:assumed-role/trailbridge-responder/trailbridge-responder', requestParameters: {}, responseElements: null,
    });
    expect(responderInputs(envelopeOf(own), rules)).toEqual([]);
  });

  test('the test policy has one public and one fixed-principal statement; Sids are read back in order', () => {
    const { policy, publicSid, keptSid } = halfPublicPolicy('aws', 'bkt', '111111111111');
    expect(policy.Statement.filter((s: any) => isPublicStatement(s))).toEqual([expect.objectContaining({ Sid: publicSid })]);
    expect(statementIds(JSON.stringify(policy))).toEqual([publicSid, keptSid]);
    expect(statementIds(undefined)).toEqual([]);
    expect(statementIds(JSON.stringify({ Statement: { Effect: 'Allow' } }))).toEqual(['(no Sid)']);
  });

  test('decision lines are picked out of the function output', () => {
    const out = ['{"message":"decision","response":"a"}', 'not json', '{"message":"other"}', '{broken', '{"message":"decision","response":"b"}'].join('\n');
    expect(decisionLines(out).map((l) => l.response)).toEqual(['a', 'b']);
  });
});

describe('e2e: the responses lines', () => {
  const made = { bucket: 'bkt', user: 'u', instanceId: 'i-1', publicSid: 'P', keptSid: 'K', inputs: [] };
  const off = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
  const on = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
  const evidence = ['a.json', 'a.md'].map((key) => ({ key, lockMode: 'COMPLIANCE', retainUntil: '2026-12-02T00:00:00.000Z', versions: 1 }));
  const before = { publicAccessBlock: off, policySids: ['P', 'K'], userPolicies: [], instanceTags: {}, evidence: [] };
  const after = { publicAccessBlock: on, policySids: ['K'], userPolicies: ['mfa'], instanceTags: { Owner: 'arn' }, evidence };
  const first = ['block-public-bucket', 'require-mfa-for-new-users', 'tag-instance-owner', 'audit-evidence'].map((response) => ({ response, done: ['x'] }));
  const quiet = first.map((d) => ({ ...d, done: [], summary: 'nothing to change' }));

  test('all hold: one ok line per response, named by its id', () => {
    const lines = responseLines(made, before, after, structuredClone(after), first, quiet, 'mfa', ['Owner'], 1);
    expect(lines.map((l) => [l.ok, l.text.split(':')[0]])).toEqual(first.map((d) => [true, d.response]));
  });

  test('a second delivery that acted, or a change between deliveries, fails the lines', () => {
    const acted = quiet.map((d) => (d.response === 'tag-instance-owner' ? { ...d, done: ['ec2:CreateTags'] } : d));
    expect(responseLines(made, before, after, after, first, acted, 'mfa', ['Owner'], 1).filter((l) => !l.ok).map((l) => l.text.split(':')[0])).toEqual(['tag-instance-owner']);
    const changed = { ...after, instanceTags: { Owner: 'other' } };
    expect(responseLines(made, before, after, changed, first, quiet, 'mfa', ['Owner'], 1).every((l) => !l.ok)).toBe(true);
  });

  test('a public statement left, a missing policy, an untagged instance or unlocked evidence fail their line', () => {
    const bad = { publicAccessBlock: on, policySids: ['P', 'K'], userPolicies: [], instanceTags: {}, evidence: evidence.map((e) => ({ ...e, lockMode: undefined })) };
    const lines = responseLines(made, before, bad, bad, first, quiet, 'mfa', ['Owner'], 1);
    expect(lines.map((l) => l.ok)).toEqual([false, false, false, false]);
  });
});

describe("moto's recording", () => {
  test('reads two entries that concurrent requests left on one line, braces and quotes inside strings included', () => {
    const a = { method: 'POST', url: 'http://m/2015-03-31/functions', body: '{"FunctionName":"f","Code":{"ZipFile":"a}b\\"{"}}' };
    const b = { method: 'PUT', url: 'http://m/x', body: 'plain \\ text }' };
    const c = { method: 'GET', url: 'http://m/y', body: '' };
    const text = `${JSON.stringify(a)}${JSON.stringify(b)}\n\n${JSON.stringify(c)}\n`;
    expect(recordingEntries(text)).toEqual([a, b, c]);
  });

  test('says so when an entry is cut off', () => {
    expect(() => recordingEntries(`${JSON.stringify({ a: 1 })}{"url":"http://m`)).toThrow(/cut off/);
  });
});
