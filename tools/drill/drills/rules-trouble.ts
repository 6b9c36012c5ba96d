/**
 * Drill 6: trouble with the forwarding rules (functions/forwarder/rules-source.ts). At a cold
 * start with the AppConfig extension down, or serving a document that fails its schema, or an
 * empty one, the built-in rules apply; on a warm container that had a good document, the last
 * good rules stay. Either way a log line and a metric say so, and every record is still sent.
 * The good document adds an annotation, so the sink can tell which rules an event went through.
 */
import { check, exactlyOnce } from '../checks';
import { Drill, DrillOutcome } from '../drill';
import { Invocation } from '../function-container';
import { tally } from '../ledger';
import { ExtensionAnswer } from '../rules-extension';
import { seededRandom, sizedTrailFile, TrailFile } from '../trail-files';
import { closedPort, DEFAULT_TIMEOUT_MS, DRILL_RULES, notification } from '../world';

const ANNOTATION = 'drill.rules';
const GOOD: ExtensionAnswer = {
  body: JSON.stringify({ ...DRILL_RULES, routes: [{ name: 'all', forward: true, annotations: { [ANNOTATION]: 'good' } }] }),
  version: '1',
};
const FAILS_SCHEMA: ExtensionAnswer = { body: JSON.stringify({ version: 1, limits: { maxEventsPerBatch: -5 }, unknownKey: true }), version: '2' };
const EMPTY: ExtensionAnswer = { body: '', version: '3' };

const BUILT_IN_LINE = 'NO FORWARDING RULES AVAILABLE';
const LAST_GOOD_LINE = 'keeping the last good version';

interface Case {
  readonly name: string;
  readonly file: TrailFile;
  readonly answer: Invocation;
  /** The log lines and EMF documents of this invocation only. */
  readonly lines: Record<string, any>[];
}

function metric(lines: readonly Record<string, any>[], name: string): number {
  return lines.filter((l) => l._aws && typeof l[name] === 'number').reduce((sum, l) => sum + (l[name] as number), 0);
}

function said(lines: readonly Record<string, any>[], text: string): boolean {
  return lines.some((l) => typeof l.message === 'string' && l.message.includes(text));
}

export const rulesTrouble: Drill = {
  name: 'rules-trouble',
  title: 'AppConfig extension down at cold start, a document failing its schema, an empty document',
  async run(world, { quick, seed }): Promise<DrillOutcome> {
    const random = seededRandom(seed);
    const bytes = quick ? 200_000 : 1_000_000;
    const sink = await world.startSink({ keepEvents: true });
    const extension = await world.startExtension();
    const cases: Case[] = [];
    const run = async (name: string, container: ReturnType<typeof world.container>) => {
      const file = world.put(sizedTrailFile(`rules-${name}`, bytes, random));
      const from = container.logLines().length;
      const answer = await container.invoke(notification([file], `rules-${name}`), DEFAULT_TIMEOUT_MS);
      cases.push({ name, file, answer, lines: container.logLines().slice(from) });
    };

    // Cold starts: nothing to fall back to but the built-in rules.
    await run('down-cold', world.container({ dtUrl: sink.url, extensionPort: await closedPort() }));
    for (const [name, answer] of [['schema-cold', FAILS_SCHEMA], ['empty-cold', EMPTY]] as const) {
      extension.answer = answer;
      await run(name, world.container({ dtUrl: sink.url, extensionPort: extension.port }));
    }
    // One warm container: a good document, then a bad one, an empty one, the extension failing.
    const warm = world.container({ dtUrl: sink.url, extensionPort: extension.port });
    for (const [name, answer] of [['good-warm', GOOD], ['schema-warm', FAILS_SCHEMA], ['empty-warm', EMPTY], ['error-warm', { status: 500 }]] as const) {
      extension.answer = answer;
      await run(name, warm);
    }

    const annotated = new Set(sink.events.filter((e) => e[ANNOTATION] === 'good').map((e) => String(e['log.source.aws.s3.key.name'])));
    const deliveries = world.deliveries();
    const checks = cases.flatMap((c) => {
      const warmCase = c.name.endsWith('-warm');
      const expectRules = c.name === 'good-warm' ? 'appconfig:1' : warmCase ? 'last-good:1' : 'built-in:built-in';
      const out = [
        check(`${c.name}: rules ${expectRules}`, c.answer.result?.rules === expectRules, JSON.stringify(c.answer.result?.rules ?? c.answer.error)),
        exactlyOnce(`${c.name}: every record sent`, c.file.ids, deliveries),
        check(`${c.name}: events ${warmCase ? 'carry' : 'lack'} the good document's annotation`, annotated.has(c.file.key) === warmCase),
      ];
      if (c.name === 'good-warm') return out;
      const line = warmCase ? LAST_GOOD_LINE : BUILT_IN_LINE;
      out.push(check(`${c.name}: a log line says "${line}"`, said(c.lines, line)));
      out.push(check(`${c.name}: metric RulesLoadFailed`, metric(c.lines, 'RulesLoadFailed') === 1, `${metric(c.lines, 'RulesLoadFailed')}`));
      if (!warmCase) out.push(check(`${c.name}: metric RulesDefaultsInUse`, metric(c.lines, 'RulesDefaultsInUse') === 1, `${metric(c.lines, 'RulesDefaultsInUse')}`));
      return out;
    });
    const standing = await world.drainQueue();
    checks.push(check('no ticket written', standing.length === 0, `${standing.length} ticket(s)`));
    const ledger = tally({ expected: cases.flatMap((c) => c.file.ids), deliveries, ticketed: new Set(), replayed: new Set() });
    return { ledger, checks, notes: [`${cases.length} invocations: ${cases.map((c) => `${c.name} -> ${c.answer.result?.rules ?? c.answer.error}`).join(', ')}`] };
  },
};
