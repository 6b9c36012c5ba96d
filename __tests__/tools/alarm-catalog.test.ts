import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTopology } from '../../config/load';
import { PROJECT_ROOT } from '../../config/paths';
import { ALARMS_BEGIN_MARKER, ALARMS_DOC, ALARMS_END_MARKER, alarmCatalog, alarmCatalogSection, firstCheck, withStackSets } from '../../tools/alarm-catalog';
import { synthesize } from '../support/synth';

/**
 * docs/monitoring.md lists every alarm of the default topology, grouped by stack. The section is
 * generated (npm run docs:monitoring); these tests hold the committed text to the synth, so a
 * stack that gains an alarm fails here until the doc is regenerated.
 */

const committedSection = (): string => {
  const document = readFileSync(ALARMS_DOC, 'utf8');
  const begin = document.indexOf(ALARMS_BEGIN_MARKER);
  const end = document.indexOf(ALARMS_END_MARKER);
  expect({ begin: begin >= 0, end: end > begin }).toEqual({ begin: true, end: true });
  return document.slice(begin, end + ALARMS_END_MARKER.length);
};

describe('docs/monitoring.md: every alarm of the default topology', () => {
  const topology = loadTopology({});
  const synth = synthesize(topology);

  test('equals what the stacks build (npm run docs:monitoring rewrites it)', () => {
    expect(committedSection()).toBe(alarmCatalogSection(topology));
  });

  test('names every alarm of every synthesized stack, and nothing that is not one', () => {
    const section = committedSection();
    // The alarm patterns of the committed table, per stack heading.
    const listed = [...section.matchAll(/^### `([^`]+)`[^]*?(?=^### |<!-- alarms:end)/gm)].map((m) => ({
      stack: new RegExp(`^${m[1].replace(/<account>/g, '[\\w-]+')}$`),
      alarms: [...m[0].matchAll(/^\| `([^`]+)` \|/gm)].map((a) => new RegExp(`^${a[1].replace(/<name>/g, topology.name).replace(/<rule>/g, '[\\w-]+')}$`)),
    }));
    const unlisted: string[] = [];
    const used = new Set<RegExp>();
    for (const stack of synth.byName.values()) {
      for (const [, alarm] of stack.resources('aws_cloudwatch_metric_alarm')) {
        const match = listed.filter((l) => l.stack.test(stack.name)).flatMap((l) => l.alarms).find((p) => p.test(alarm.alarm_name));
        if (match) used.add(match);
        else unlisted.push(`${stack.name}: ${alarm.alarm_name}`);
      }
    }
    expect(unlisted).toEqual([]);
    expect(listed.flatMap((l) => l.alarms).filter((p) => !used.has(p)).map(String)).toEqual([]);
  });

  test('covers each stack of the default topology that has alarms, flows 1 to 3', () => {
    const stacks = alarmCatalog(topology).map((g) => g.stackPattern);
    expect(stacks).toEqual(['log-archive', 'observability', 'security-events', 'source-<account>', 'incident-response']);
  });

  test('a row gives the metric, threshold and window, missing data, topic and first check', () => {
    const section = committedSection();
    const silence = section.split('\n').find((l) => l.startsWith('| `<name>-forwarder-silence` |'));
    expect(silence).toBeDefined();
    expect(silence).toContain('Trailbridge/Forwarder `RecordsSent` (Sum; `service=forwarder`)');
    expect(silence).toContain('< 1 in each of 12 periods of 5 min (1 h)');
    expect(silence).toContain('| breaching |');
    expect(silence).toContain('`<name>-forwarder-alarms`');
    expect(silence).toContain("the function's Invocations (AWS/Lambda)");
    const perRule = section.split('\n').find((l) => l.startsWith('| `<name>-central-<rule>-failed-deliveries` |'));
    expect(perRule).toMatch(/one per rule on the central bus \(\d+ in this topology\)/);
    expect(perRule).toContain('`RuleName=<name>-<rule>`');
  });

  test('lists the alarms of every StackSet template of the topology with its StackSet modes on', () => {
    const variant = withStackSets(topology);
    expect(variant.organizationForwarding).toBeDefined();
    expect(variant.accounts.some((a) => a.source?.forwardingDeployment === 'stackset')).toBe(true);
    const templates = [...synthesize(variant).byName.values()].flatMap((stack) =>
      stack.resources('aws_cloudformation_stack_set').flatMap(([, set]) => {
        const template = JSON.parse(String(set.template_body).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'));
        return Object.values<Record<string, any>>(template.Resources)
          .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
          .map((r) => `${String(set.name).replace(topology.name, '<name>')} ${String(r.Properties.AlarmName).replace(topology.name, '<name>')}`);
      }),
    );
    expect(templates.length).toBeGreaterThanOrEqual(4);
    const table = committedSection().split('### StackSet templates')[1] ?? '';
    const listed = [...table.matchAll(/^\| `([^`]+)` \| every stack instance of `([^`]+)`/gm)].map((m) => `${m[2]} ${m[1]}`);
    expect(listed.sort()).toEqual([...new Set(templates)].sort());
  });

  test('the first thing to check is read from the description', () => {
    expect(firstCheck('Something failed. First check: the log. Then the queue. See docs/x.md#y')).toBe('the log. Then the queue.');
    expect(firstCheck('Something failed; nothing says what to check. See docs/x.md')).toBe('Something failed; nothing says what to check.');
  });

  test('README and the flow docs link to it', () => {
    for (const doc of ['README.md', 'docs/flow-1-archive.md', 'docs/flow-1-forwarder.md', 'docs/flow-2-events.md', 'docs/flow-3-incident-response.md']) {
      expect({ doc, links: readFileSync(join(PROJECT_ROOT, doc), 'utf8').includes('monitoring.md') }).toEqual({ doc, links: true });
    }
  });
});
