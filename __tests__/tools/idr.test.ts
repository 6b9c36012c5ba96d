import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { matchesPattern } from '../../functions/lib/event-pattern';
import { Naming } from '../../config/naming';
import { SEED_TEST_RULE_PATTERN } from '../../stacks/constructs/idr-event-format';
import { main } from '../../tools/idr';
import { synthIncidentResponse } from '../../tools/idr/synth-stack';
import { IdrCheckError, buildTestEvent, putEventsCommand, shellQuote } from '../../tools/idr/test-event';
import { UsageError } from '../../tools/lib/cli';
import { topologyWith } from '../support/synth';

function run(argv: string[], env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  main(argv, out, err, env);
  return { stdout, stderr };
}

/** The entries JSON inside a printed `aws events put-events ... --entries '<json>'` command, as the shell would pass it. */
function entriesOf(command: string): any[] {
  const quoted = command.slice(command.indexOf('--entries ') + '--entries '.length).trim();
  const shell = spawnSync('sh', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' });
  return JSON.parse(shell.stdout);
}

const NOW = new Date('2025-03-04T05:06:07.000Z');

describe('npm run idr -- test-event', () => {
  const topology = topologyWith();
  const naming = new Naming(topology);
  const stack = synthIncidentResponse(topology);

  test('prints an aws events put-events command for the IDR bus and region', () => {
    const { stdout, stderr } = run(['test-event']);
    expect(stdout).toMatch(/^aws events put-events --region us-east-1 --entries '\[.*\]'\n$/s);
    const [entry] = entriesOf(stdout);
    expect(entry.EventBusName).toBe('arn:aws:events:us-east-1:444444444444:event-bus/dynatrace-idr-bus');
    expect(entry.Source).toBe('GenericAPMEvent');
    expect(entry.DetailType).toBe('ams.monitoring/generic-apm');
    expect(JSON.parse(entry.Detail)['incident-detection-response-identifier']).toBe('trailbridge test problem');
    expect(stderr.split('\n')[0]).toBe('# matches rule trailbridge-idr-test on dynatrace-idr-bus (us-east-1)');
  });

  test('says, with the file and the key, that the Dynatrace role trusts no token while the connection id is empty', () => {
    const { stdout, stderr } = run(['test-event']);
    expect(stdout).toMatch(/^aws events put-events /);
    expect(stderr).toMatch(
      /^# note: \(embedded default topology\): incidentResponse\.oidc\.connectionId is empty, so the role trailbridge-dynatrace-idr trusts no Dynatrace token yet: .*set it to the id of the Dynatrace connection and apply incident-response again/m,
    );

    const dir = mkdtempSync(join(tmpdir(), 'idr-cli-'));
    try {
      const file = join(dir, 'topology.json');
      writeFileSync(file, JSON.stringify(topologyWith((t) => (t.incidentResponse = { oidc: { connectionId: 'abc-123' } }))));
      expect(run(['test-event'], { TRAILBRIDGE_TOPOLOGY: file }).stderr).toBe('# matches rule trailbridge-idr-test on dynatrace-idr-bus (us-east-1)\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--format entries prints only the entries JSON, with the identifier asked for', () => {
    const { stdout } = run(['test-event', '--format', 'entries', '--identifier', `it's "quoted"`]);
    const entries = JSON.parse(stdout);
    expect(JSON.parse(entries[0].Detail)['incident-detection-response-identifier']).toBe(`it's "quoted"`);
  });

  test('the printed event, as the bus delivers it, matches the rules the stack synthesizes', () => {
    const event = buildTestEvent(stack, naming, { now: NOW });
    expect(event.matches).toEqual([{ rule: 'trailbridge-idr-test', matched: true }]);
    const testRule = JSON.parse(stack.resource.aws_cloudwatch_event_rule['test-rule'].event_pattern);
    expect(event.delivered).toHaveLength(1);
    expect(matchesPattern(testRule, event.delivered[0])).toBe(true);
    expect(event.delivered[0]).toMatchObject({ account: '444444444444', region: 'us-east-1', time: '2025-03-04T05:06:07Z', 'detail-type': 'ams.monitoring/generic-apm' });
    expect((event.delivered[0].detail as any)['start-time']).toBe('2025-03-04T05:06:07.000Z');
  });

  test('checks against the debug capture rule too when it is on', () => {
    const withCapture = topologyWith((t) => (t.incidentResponse = { debugCapture: { enabled: true } }));
    const event = buildTestEvent(synthIncidentResponse(withCapture), new Naming(withCapture), { now: NOW });
    expect(event.matches).toEqual([
      { rule: 'trailbridge-idr-debug-capture', matched: true },
      { rule: 'trailbridge-idr-test', matched: true },
    ]);
  });

  test('refuses to print an event the test rule would not match (the seed pattern, for one)', () => {
    const broken = structuredClone(stack);
    broken.resource.aws_cloudwatch_event_rule['test-rule'].event_pattern = JSON.stringify(SEED_TEST_RULE_PATTERN);
    expect(() => buildTestEvent(broken, naming, { now: NOW })).toThrow(IdrCheckError);
    expect(() => buildTestEvent(broken, naming, { now: NOW })).toThrow(/does not match trailbridge-idr-test .*IDR would ignore it/);
  });

  test('refuses a template whose Detail lacks the identifier IDR requires', () => {
    const broken = structuredClone(stack);
    const output = broken.output.dynatrace_workflow_put_events_parameters;
    output.value = output.value.replace('"incident-detection-response-identifier"', '"title"');
    expect(() => buildTestEvent(broken, naming, { now: NOW })).toThrow(/has no "incident-detection-response-identifier", which IDR requires/);
  });

  test('refuses an invalid rule pattern with the rule named', () => {
    const broken = structuredClone(stack);
    broken.resource.aws_cloudwatch_event_rule['test-rule'].event_pattern = JSON.stringify({ source: 'GenericAPMEvent' });
    expect(() => buildTestEvent(broken, naming, { now: NOW })).toThrow(/rule trailbridge-idr-test: /);
  });

  test('quotes entries for the shell, single quotes included', () => {
    const text = `a 'b' "c" $HOME \\n`;
    expect(spawnSync('sh', ['-c', `printf %s ${shellQuote(text)}`], { encoding: 'utf8' }).stdout).toBe(text);
    expect(putEventsCommand({ region: 'eu-west-1', entries: [] })).toBe(`aws events put-events --region eu-west-1 --entries '[]'`);
  });

  test('rejects an unknown command or format with the usage', () => {
    expect(() => run(['send'])).toThrow(UsageError);
    expect(() => run(['send'])).toThrow(/usage: npm run idr -- test-event/);
    expect(() => run(['test-event', '--format', 'yaml'])).toThrow(/--format "yaml" is not one of command, entries/);
    expect(() => run(['test-event', '--identifier', ' '])).toThrow(/--identifier must not be empty/);
  });

  test('a mistyped or valueless option is a usage error naming the option, not a stack trace', () => {
    expect(() => run(['test-event', '--frmat', 'entries'])).toThrow(UsageError);
    expect(() => run(['test-event', '--frmat', 'entries'])).toThrow(/'--frmat'[\s\S]*usage: npm run idr -- test-event/);
    expect(() => run(['test-event', '--identifier'])).toThrow(UsageError);
    expect(() => run(['test-event', '--identifier'])).toThrow(/'--identifier <value>' argument missing[\s\S]*usage: npm run idr -- test-event/);
  });
});
