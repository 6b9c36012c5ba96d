import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import defaultTopologyJson from '../../config/default-topology.json';
import { parseTopology } from '../../config/load';
import { buildStacks } from '../../stacks/app';
import { DEFERRED_POLICY_DOCUMENT, MOTO_LAMBDA_LOGGING_CONFIG, MOTO_SQS_REDRIVE_POLICY_FORMAT, toleratedChange } from '../../tools/e2e/quirks';
import { deployWaves, PlannedChange } from '../../tools/e2e/terraform-stacks';
import { E2E_REGIONS, e2eTopology, emulatorSwitches } from '../../tools/e2e/topology';

/**
 * The pure parts of `npm run e2e` (the run itself is __tests__/e2e.test.ts): which plan changes
 * it tolerates, what the e2e topology switches, and the order stacks apply in.
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
  test('moto-lambda-logging-config: only an update of logging_config alone, from empty', () => {
    const ok = change('aws_lambda_function.forwarder_function_BE8A981D', { logging_config: { before: [], after: [{ log_format: 'JSON' }] } });
    expect(toleratedChange(ok, [ok])).toBe(MOTO_LAMBDA_LOGGING_CONFIG);

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
