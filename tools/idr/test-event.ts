import { compilePattern, validatePattern } from '../../functions/lib/event-pattern';
import { Naming } from '../../config/naming';
import {
  DynatraceProblem,
  IDR_IDENTIFIER_FIELD,
  PutEventsEntry,
  deliveredEvent,
  fillWorkflowTemplate,
} from '../../stacks/constructs/idr-event-format';
import type { StackJson } from './synth-stack';
import { accountWithRole } from '../../config/accounts';

/**
 * `npm run idr -- test-event`, as pure functions: a simulated Dynatrace problem goes through the
 * workflow template the stack outputs, and the resulting PutEvents entry, as the bus would
 * deliver it, is matched against the rules the stack synthesizes.
 */

/** Name of the stack output holding the workflow template. */
export const WORKFLOW_OUTPUT = 'dynatrace_workflow_put_events_parameters';

export class IdrCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdrCheckError';
  }
}

export interface BusRule {
  /** Construct id (Terraform local name). */
  readonly id: string;
  readonly name: string;
  readonly pattern: unknown;
}

/** The EventBridge rules of a synthesized stack by name, patterns parsed and validated. */
export function busRules(stack: StackJson): BusRule[] {
  const rules = Object.entries<Record<string, any>>(stack.resource?.aws_cloudwatch_event_rule ?? {}).map(([id, body]) => ({
    id,
    name: String(body.name),
    pattern: JSON.parse(body.event_pattern),
  })).sort((a, b) => a.name.localeCompare(b.name));
  const problems = rules.flatMap((r) => validatePattern(r.pattern).map((p) => `rule ${r.name}: ${p}`));
  if (problems.length > 0) throw new IdrCheckError(`the synthesized rules are not valid EventBridge patterns:\n  ${problems.join('\n  ')}`);
  return rules;
}

export interface ProblemOptions {
  /** The IDR alarm identifier (the problem's title). @default 'trailbridge test problem' */
  readonly identifier?: string;
  /** @default - the current time */
  readonly now?: Date;
}

/** A Davis problem as the workflow's `event()` returns it, with every field the template reads. */
export function simulatedProblem(options: ProblemOptions = {}): DynatraceProblem {
  const now = options.now ?? new Date();
  return {
    'event.id': `-${now.getTime()}_trailbridgeV2`,
    display_id: 'P-TEST01',
    'event.name': options.identifier ?? 'trailbridge test problem',
    'event.status': 'ACTIVE',
    'event.category': 'AVAILABILITY',
    'event.start': now.toISOString(),
    affected_entity_ids: [],
  };
}

export interface RuleMatch {
  readonly rule: string;
  readonly matched: boolean;
}

export interface TestEvent {
  readonly region: string;
  readonly entries: readonly PutEventsEntry[];
  /** The events as rules on the bus see them. */
  readonly delivered: readonly Record<string, unknown>[];
  readonly matches: readonly RuleMatch[];
}

/**
 * Fills the stack's workflow template with a simulated problem and checks the result against the
 * stack's rules. Throws IdrCheckError when the test rule (what IDR's own rule matches) does not
 * match or the entry lacks the identifier IDR requires: such an event would never open a case.
 */
export function buildTestEvent(stack: StackJson, naming: Naming, options: ProblemOptions = {}): TestEvent {
  const now = options.now ?? new Date();
  const template = stack.output?.[WORKFLOW_OUTPUT]?.value;
  if (typeof template !== 'string') throw new IdrCheckError(`the incident-response stack has no ${WORKFLOW_OUTPUT} output`);
  const parameters = JSON.parse(fillWorkflowTemplate(template, simulatedProblem({ ...options, now }))) as { Entries: PutEventsEntry[] };
  const entries = parameters.Entries;
  const context = { account: accountWithRole(naming.topology, 'incident-response').id, region: naming.idrRegion(), time: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const delivered = entries.map((entry, i) => deliveredEvent(entry, { ...context, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));

  const rules = busRules(stack);
  const testRuleName = naming.idrTestRuleName();
  if (!rules.some((r) => r.name === testRuleName)) throw new IdrCheckError(`the stack has no rule ${testRuleName} to check the event against`);
  const matches = rules.map((rule) => {
    const compiled = compilePattern(rule.pattern);
    return { rule: rule.name, matched: delivered.every((event) => compiled.matches(event)) };
  });

  const failures: string[] = [];
  if (!matches.find((m) => m.rule === testRuleName)!.matched) {
    failures.push(`the event does not match ${testRuleName} (${JSON.stringify(rules.find((r) => r.name === testRuleName)!.pattern)}), so IDR would ignore it`);
  }
  delivered.forEach((event, i) => {
    const identifier = (event.detail as Record<string, unknown>)[IDR_IDENTIFIER_FIELD];
    if (typeof identifier !== 'string' || identifier === '') failures.push(`Entries[${i}].Detail has no "${IDR_IDENTIFIER_FIELD}", which IDR requires`);
  });
  if (failures.length > 0) throw new IdrCheckError(`test event check failed:\n  ${failures.join('\n  ')}`);
  return { region: naming.idrRegion(), entries, delivered, matches };
}

/** Quotes a string for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The `aws events put-events` command an operator runs (with credentials for the IDR account). */
export function putEventsCommand(event: Pick<TestEvent, 'region' | 'entries'>): string {
  return `aws events put-events --region ${event.region} --entries ${shellQuote(JSON.stringify(event.entries))}`;
}
