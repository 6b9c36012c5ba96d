import { readFileSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { sourceAccounts } from '../../config/accounts';
import { Naming } from '../../config/naming';
import { PROJECT_ROOT } from '../../config/paths';
import type { Problem } from '../../config/problems';
import { Topology } from '../../config/schema';
import type { TargetKind } from '../../config/sections/events';
import { SIGMA_TARGET_OFF, type SigmaRulesOptions } from '../../config/sections/sigma';
import { convertSigmaRule, parseSigmaRule, sigmaRuleFiles, SigmaRuleError, type SigmaConversion, type ScopeValue } from '../../config/sigma';
import type { SigmaTagRule } from '../../functions/forwarder/rules-schema';
import type { RuleState } from './forwarding';
import { GLOBAL_EVENT_SOURCES } from './forwarding';

/** Physical rule ids of Sigma rules start with this, so they never meet a catalog id. */
export const SIGMA_RULE_ID_PREFIX = 'sigma-';
/** Catalog ids and custom rule names are at most 41 characters, which keeps `<name prefix>-<id>` within EventBridge's 64. */
export const MAX_SIGMA_RULE_ID = 41;

/**
 * Event names that are read-only by AWS's naming convention (Describe*, Get*, List*, ...), and calls CloudTrail
 * records as read-only though their names do not say so. A central rule in the ENABLED state never sees them.
 */
const READ_ONLY_PREFIXES = ['Get', 'List', 'Describe', 'Head', 'Lookup', 'BatchGet'];
const READ_ONLY_NAMES = ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'];

/** One Sigma rule of the topology as a central rule would carry it. */
export interface SigmaRuleInfo {
  readonly id: string;
  readonly title: string;
  readonly author?: string;
  readonly level: string;
  readonly file: string;
}

/** A Sigma rule that becomes a central rule. */
export interface PlannedSigmaRule {
  readonly id: string;
  readonly conversion: SigmaConversion & { readonly pattern: Record<string, unknown> };
  readonly target: TargetKind;
  readonly needsGlobalEvents: boolean;
  readonly info: SigmaRuleInfo;
  readonly tags: Readonly<Record<string, string>>;
}

/** The plan of the Sigma section: the rules to create and everything wrong with it. */
export interface SigmaPlan {
  readonly rules: readonly PlannedSigmaRule[];
  readonly problems: readonly Problem[];
}

const SECTION = 'events.sigma';

/** Whether some source forwards read-only management events (central rules then see them). */
export function forwardsReadOnlyEvents(topology: Topology): boolean {
  return sourceAccounts(topology).some((s) => s.source.forwarding.enabled && s.source.forwarding.readOnlyEvents);
}

/** A relative path of `events.sigma.paths` is resolved from the project root. */
export function resolveSigmaPath(path: string): string {
  return isAbsolute(path) ? path : resolve(PROJECT_ROOT, path);
}

/** `AWS CloudTrail Important Change` -> `sigma-aws-cloudtrail-important-change`, cut to MAX_SIGMA_RULE_ID. */
export function sigmaRuleId(title: string): string {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${SIGMA_RULE_ID_PREFIX}${slug}`.slice(0, MAX_SIGMA_RULE_ID).replace(/-+$/, '');
}

const conversionCache = new Map<string, { conversions: SigmaConversion[]; errors: SigmaRuleError[]; missing: string[] }>();

/** Reads and converts the rules of the paths once per process (synth plans the central rules several times). */
function convertAll(paths: readonly string[]): { conversions: SigmaConversion[]; errors: SigmaRuleError[]; missing: string[] } {
  const key = JSON.stringify(paths);
  const cached = conversionCache.get(key);
  if (cached) return cached;
  const conversions: SigmaConversion[] = [];
  const errors: SigmaRuleError[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    let files: string[];
    try {
      files = sigmaRuleFiles([resolveSigmaPath(path)]);
    } catch {
      missing.push(path);
      continue;
    }
    for (const file of files) {
      try {
        conversions.push(convertSigmaRule(parseSigmaRule(file, readFileSync(file, 'utf8'))));
      } catch (err) {
        if (!(err instanceof SigmaRuleError)) throw err;
        errors.push(err);
      }
    }
  }
  const result = { conversions, errors, missing };
  conversionCache.set(key, result);
  return result;
}

const isReadOnlyName = (value: ScopeValue): boolean =>
  READ_ONLY_PREFIXES.some((p) => value.text.toLowerCase().startsWith(p.toLowerCase())) ||
  (!value.prefix && READ_ONLY_NAMES.some((n) => n.toLowerCase() === value.text.toLowerCase()));

/** True when every alternative of the rule is limited to read-only event names. */
function matchesReadOnlyOnly(conversion: SigmaConversion): boolean {
  return conversion.alternatives.length > 0 && conversion.alternatives.every((a) => a.eventNames !== undefined && a.eventNames.every(isReadOnlyName));
}

/** True when some alternative may match events of a global service (or is not limited to event sources). */
function needsGlobal(conversion: SigmaConversion): boolean {
  const global = new Set(GLOBAL_EVENT_SOURCES);
  return conversion.alternatives.some((a) => a.eventSources === undefined || a.eventSources.some((s) => s.prefix || global.has(s.text.toLowerCase())));
}

function tagsOf(conversion: SigmaConversion, level: string): Record<string, string> {
  const tags: Record<string, string> = { 'sigma:level': level };
  if (conversion.rule.id !== undefined) tags['sigma:id'] = conversion.rule.id;
  // attack.* tags carry MITRE ATT&CK tactics and techniques; EventBridge tags take them as keys.
  for (const tag of conversion.rule.tags.filter((t) => t.startsWith('attack.'))) tags[tag] = 'true';
  return tags;
}

/** The rules of events.sigma that may be used (read, supported, exact or allowed approximate, not skipped), and the problems of the others. */
function acceptedConversions(options: SigmaRulesOptions): { accepted: SigmaConversion[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const { conversions, errors, missing } = convertAll(options.paths);
  for (const path of missing) add(`${SECTION}.paths[${options.paths.indexOf(path)}]`, `${resolveSigmaPath(path)} does not exist (a relative path is resolved from the project root ${PROJECT_ROOT})`);
  for (const error of errors) add(`${SECTION}.paths`, `${error.file}: ${error.path}: ${error.reason}`);
  const skipped = (c: SigmaConversion) => options.skip.includes(basename(c.rule.file)) || (c.rule.id !== undefined && options.skip.includes(c.rule.id));
  options.skip.forEach((entry, i) => {
    if (!conversions.some((c) => basename(c.rule.file) === entry || c.rule.id === entry)) add(`${SECTION}.skip[${i}]`, `${JSON.stringify(entry)} names no rule of events.sigma.paths; give a Sigma id or a file name`);
  });
  const accepted: SigmaConversion[] = [];
  for (const conversion of conversions.filter((c) => !skipped(c))) {
    const { rule, status, reasons } = conversion;
    const file = JSON.stringify(basename(rule.file));
    if (status === 'unsupported') add(`${SECTION}.paths`, `${rule.file}: unsupported: ${reasons.join('; ')}; add ${file} to events.sigma.skip`);
    else if (status === 'approximate' && !options.allowApproximate) add(`${SECTION}.paths`, `${rule.file}: approximate: ${reasons.join('; ')}; set events.sigma.allowApproximate or add ${file} to events.sigma.skip`);
    else accepted.push(conversion);
  }
  return { accepted, problems };
}

/**
 * The Sigma rules a topology turns into central rules, and its problems: files that are not Sigma rules,
 * unsupported rules, approximate ones without allowApproximate (unless skipped), ids that collide, skip entries
 * that name no rule, and rules that can only match read-only calls when no source forwards them.
 */
export function planSigmaRules(topology: Topology, readOnlyForwarded: boolean): SigmaPlan {
  const options: SigmaRulesOptions | undefined = topology.events.sigma;
  if (options === undefined) return { rules: [], problems: [] };
  const { accepted, problems } = acceptedConversions(options);
  const add = (message: string) => problems.push({ path: `${SECTION}.paths`, message });
  const rules: PlannedSigmaRule[] = [];
  const byId = new Map<string, string>();
  for (const conversion of accepted) {
    const { rule } = conversion;
    const level = rule.level ?? 'medium';
    const target = options.targets[level];
    if (target === SIGMA_TARGET_OFF) continue;
    const id = sigmaRuleId(rule.title);
    const other = byId.get(id);
    if (other !== undefined) {
      add(`${rule.file} and ${other} both become the rule ${id} (from their titles); change one title or skip one of them`);
      continue;
    }
    byId.set(id, rule.file);
    if (matchesReadOnlyOnly(conversion) && !readOnlyForwarded) {
      add(`${rule.file}: ${JSON.stringify(rule.title)} matches read-only calls only, which no source forwards, so its rule would never fire; set readOnlyEvents in a source's forwarding or add ${JSON.stringify(basename(rule.file))} to events.sigma.skip`);
      continue;
    }
    rules.push({
      id,
      conversion: conversion as PlannedSigmaRule['conversion'],
      target,
      needsGlobalEvents: needsGlobal(conversion),
      info: { id: rule.id ?? '', title: rule.title, author: rule.author, level, file: rule.file },
      tags: tagsOf(conversion, level),
    });
  }
  return { rules, problems };
}

/**
 * The Sigma rules the forwarder tags records with (forwarder.sigmaTags): every accepted rule of events.sigma,
 * whatever its level's target (informational rules are meant for tagging), read-only ones included (the
 * forwarder sees every record). The pattern is the compiled one's `detail`: the forwarder matches the record.
 */
export function sigmaTagRules(topology: Topology): SigmaTagRule[] {
  const options = topology.events.sigma;
  if (options === undefined || !topology.forwarder.sigmaTags) return [];
  return acceptedConversions(options).accepted.map(({ rule, pattern }) => ({
    id: rule.id ?? sigmaRuleId(rule.title),
    name: rule.title,
    level: rule.level ?? 'medium',
    pattern: (pattern as { detail: Record<string, unknown> }).detail,
  }));
}

/** What is wrong with the topology's events.sigma (empty without it). */
export function sigmaProblems(topology: Topology): Problem[] {
  const plan = planSigmaRules(topology, forwardsReadOnlyEvents(topology));
  const problems = [...plan.problems];
  if (topology.forwarder.sigmaTags && topology.events.sigma === undefined) {
    problems.push({ path: 'forwarder.sigmaTags', message: 'is on, but events.sigma names no Sigma rules; set events.sigma.paths or turn sigmaTags off' });
  }
  const custom = new Set(topology.events.customRules.map((c) => c.name));
  for (const rule of plan.rules) {
    if (custom.has(rule.id)) problems.push({ path: 'events.sigma.paths', message: `${rule.info.file} becomes the rule ${rule.id}, which is also the name of a custom rule; rename the custom rule` });
  }
  return problems;
}

/** The description of a Sigma rule's central rule: title, Sigma id, level and author (Detection Rule License 1.1). */
export function sigmaDescription(info: SigmaRuleInfo): string {
  return `${info.title} (Sigma ${info.id || 'rule without id'}, level ${info.level}${info.author ? `, by ${info.author}` : ''})`;
}

/** The central rules of the plan, in file order; a helper of centralRules. */
export function sigmaCentralRules(topology: Topology, state: RuleState, readOnlyForwarded: boolean) {
  const naming = new Naming(topology);
  return planSigmaRules(topology, readOnlyForwarded).rules.map((planned) => ({
    id: planned.id,
    name: naming.centralRuleName(planned.id),
    title: planned.info.title,
    description: sigmaDescription(planned.info),
    pattern: planned.conversion.pattern,
    target: planned.target,
    origin: 'sigma' as const,
    path: `events.sigma[${JSON.stringify(basename(planned.info.file))}]`,
    needsGlobalEvents: planned.needsGlobalEvents,
    state,
    tags: planned.tags,
    sigma: planned.info,
  }));
}
