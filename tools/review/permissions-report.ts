import { codeList, humanize, table } from './markdown';
import { Condition, PolicyStatement } from './policy-document';
import { FlattenedPolicies, FlatStatement, flagsOf } from './policy-statements';
import { Synth } from './stack-json';

/** PERMISSIONS.md: every statement of the synth in one table, with what deserves a second look flagged. */

export function formatPrincipals(s: PolicyStatement & { holder?: string }): string[] {
  const principals = s.principals.map((p) => (p === '*' ? '* (everyone)' : p));
  const not = s.notPrincipals.map((p) => `NOT ${p}`);
  const all = [...principals, ...not];
  if (all.length === 0 && s.holder) return [`(identity policy of ${s.holder})`];
  return all;
}

export function formatCondition(c: Condition): string {
  return `${c.test} ${c.variable} = ${c.values.join(', ')}`;
}

export function formatActions(s: PolicyStatement): string[] {
  return [...s.actions, ...s.notActions.map((a) => `NOT ${a}`)];
}

export function formatResources(s: PolicyStatement): string[] {
  return [...s.resources, ...s.notResources.map((r) => `NOT ${r}`)];
}

function sortKey(s: FlatStatement): string {
  return `${s.stack}\u0000${s.display}\u0000${s.attribute}\u0000${String(s.index).padStart(4, '0')}`;
}

export function permissionsReport(policies: FlattenedPolicies, synth: Synth): string {
  const statements = [...policies.statements].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  const flagged = statements.filter((s) => flagsOf(s).length > 0);
  const rows = statements.map((s) => {
    const stack = synth.get(s.stack);
    const h = (v: string) => humanize(v, stack);
    return [
      s.stack,
      `${s.display}\n\`${s.resource.split('.')[0]}\` ${s.attribute}${s.sid ? `\nSid ${s.sid}` : ''}`,
      s.effect,
      codeList(formatPrincipals(s).map(h)),
      codeList(formatActions(s)),
      codeList(formatResources(s).map(h)),
      codeList(s.conditions.map(formatCondition).map(h)),
      flagsOf(s).join('\n'),
    ];
  });
  const parts = [
    '# Permissions\n',
    `${statements.length} statements in ${new Set(statements.map((s) => `${s.stack} ${s.resource}`)).size} policies across ${synth.size} stacks; ` +
      `${flagged.length} flagged. Flags: ⚠ all actions / resource * / NotAction / NotResource / public principal without a condition; ` +
      'plain "wildcard" marks a partial pattern (such as `log-group:x:*` or `kms:GenerateDataKey*`). Deny statements are never flagged.\n',
    table(['stack', 'resource', 'effect', 'principal', 'actions', 'resources', 'conditions', 'flags'], rows),
  ];
  if (policies.unreadable.length > 0) {
    parts.push('\n## Policies not readable from the synth\n');
    parts.push(
      table(
        ['stack', 'resource', 'attribute', 'why'],
        policies.unreadable.map((u) => [u.stack, u.display, u.attribute, humanize(u.reason, synth.get(u.stack))]),
      ),
    );
  }
  return parts.join('\n');
}
