import { readFileSync } from 'node:fs';
import type { Topology } from '../../config/schema';
import { parseResponderConfig, ResponderConfigError, type ResponderConfig, type ResponseId } from '../../functions/responder/config';
import type { Action, Problem } from '../../functions/responder/decision';
import { parseEvent } from '../../functions/responder/event';
import { planFromEvent } from '../../functions/responder/plan';
import { RESPONSE_IDS, responses as responsesSchema } from '../../config/sections/responses';
import { responderEnabled } from '../../stacks/catalog';
import { responderConfigFor } from '../../stacks/responder-config';
import { toEnvelope } from './envelope';
import { SimulateInputError, type CloudTrailFile } from './read-cloudtrail';
import type { SimulationReport } from './simulate-records';

/**
 * The responder's plan for every record that reaches the central bus, in both modes, without AWS
 * access: the responder's own pure modules decide on a state derived from the event (the policy,
 * ACL or public access block the request set; a new user without policies; an instance with the
 * tags the request set; no evidence written yet).
 */

/** One response's plan for one record. */
export interface SimulatedResponse {
  readonly response: ResponseId;
  /** The read-only calls the responder makes first, as `service:Api`. */
  readonly reads: readonly string[];
  /** Calls on the customer's account: made in enforce mode, reported as "would have done" in report mode. */
  readonly actions: readonly string[];
  /** Evidence writes, made in both modes. */
  readonly evidence: readonly string[];
  readonly nothingToDo: readonly string[];
  readonly alert?: string;
  readonly problem?: Problem;
}

export interface RecordResponses {
  readonly file: string;
  readonly index: number;
  readonly rule?: string;
  readonly responses: readonly SimulatedResponse[];
}

/** What the state the plans decide on is, printed with them. */
export const DERIVED_STATE_NOTE = 'state derived from the event (no AWS access): what the request set, nothing else assumed present';

/**
 * A responder configuration for the simulator: the file's (a RESPONDER_CONFIG document) when
 * given, else the topology's own (responderConfigFor, the names and ARNs the stacks create); a
 * topology that enables no response gets every response, in report mode, so there is a plan to show.
 */
export function simulationResponderConfig(topology: Topology, file?: string): ResponderConfig {
  if (file !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new SimulateInputError(`${file}: cannot read a responder configuration (${(err as Error).message})`);
    }
    try {
      return parseResponderConfig(raw);
    } catch (err) {
      if (err instanceof ResponderConfigError) throw new SimulateInputError(`${file}: ${err.message}`);
      throw err;
    }
  }
  const planned = responderEnabled(topology) ? topology : { ...topology, responses: responsesSchema.parse(Object.fromEntries(RESPONSE_IDS.map((id) => [id, {}]))) };
  return parseResponderConfig(responderConfigFor(planned));
}

const describeCall = (action: Action): string => `${action.service}:${action.api} ${JSON.stringify({ ...action.params, Body: undefined, Policy: undefined, ...(action.params.Policy ? { Policy: JSON.parse(action.params.Policy as string) } : {}) })}: ${action.why}`;

/** Plans the responses of every record that reached the central bus; records with none are left out. */
export function simulateResponses(files: readonly CloudTrailFile[], report: SimulationReport, config: ResponderConfig): RecordResponses[] {
  const records = new Map(files.map((f) => [f.file, f.records]));
  const planned: RecordResponses[] = [];
  for (const outcome of report.outcomes) {
    if (outcome.dropped !== undefined) continue;
    const record = records.get(outcome.file)?.[outcome.index];
    const built = record ? toEnvelope(record) : undefined;
    if (!built || 'reason' in built) continue;
    // The responder is invoked once per rule that targets it; a sensitive rule is the one that writes evidence.
    const rule = outcome.rules.find((name) => config.evidence?.rules.includes(name)) ?? outcome.rules[0];
    const parsed = parseEvent({ rule, event: { ...built, account: outcome.account, region: outcome.region } });
    if (!parsed.ok) continue;
    const responses = planFromEvent(parsed.event, config).map(({ response, reads, decision }) => ({
      response,
      reads: reads.map((read) => `${read.service}:${read.api}`),
      actions: decision.actions.map(describeCall),
      evidence: decision.evidence.map((action) => `s3:PutObject s3://${String(action.params.Bucket)}/${String(action.params.Key)}`),
      nothingToDo: decision.nothingToDo,
      alert: decision.alert,
      problem: decision.problem,
    }));
    if (responses.length > 0) planned.push({ file: outcome.file, index: outcome.index, rule, responses });
  }
  return planned;
}

/** The lines printed under a record: each response, then its plan in report and in enforce mode. */
export function formatRecordResponses(entry: RecordResponses): string[] {
  const lines: string[] = [];
  for (const r of entry.responses) {
    lines.push(`    response ${r.response}${r.reads.length > 0 ? ` (reads ${r.reads.join(', ')}; state derived from the event)` : ''}`);
    if (r.problem) lines.push(`      cannot decide (${r.problem.kind}): ${r.problem.reason}`);
    if (r.actions.length > 0) {
      lines.push(`      report:  changes nothing; alerts "would have done" ${r.actions.length} call${r.actions.length === 1 ? '' : 's'}`);
      r.actions.forEach((action, i) => lines.push(`      ${i === 0 ? 'enforce: ' : '         '}${action}`));
    }
    if (r.alert) lines.push(`      alert (both modes): ${r.alert}`);
    for (const write of r.evidence) lines.push(`      evidence (both modes): ${write}`);
    for (const reason of r.nothingToDo) lines.push(`      nothing to do: ${reason}`);
  }
  return lines;
}
