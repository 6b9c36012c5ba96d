import { codeList, humanize, table } from './markdown';
import { formatActions, formatCondition, formatPrincipals, formatResources } from './permissions-report';
import { StackDiff } from './resource-diff';
import { StatementChange } from './statement-diff';
import { Synth } from './stack-json';

/** CHANGES.md: security changes first, in their own table, then the resources per stack. */

const SIGN = { added: '+', removed: '−', changed: '~', moved: '→' } as const;

export interface ChangesSummary {
  readonly securityChanges: number;
  readonly broadening: number;
  readonly resourceChanges: number;
  readonly stacksChanged: number;
}

export function summarize(statements: readonly StatementChange[], stacks: readonly StackDiff[]): ChangesSummary {
  return {
    securityChanges: statements.length,
    broadening: statements.filter((c) => c.broadens).length,
    resourceChanges: stacks.reduce((n, s) => n + (s.status === 'added' || s.status === 'removed' ? 1 : s.changes.length), 0),
    stacksChanged: stacks.filter((s) => s.status !== 'unchanged').length,
  };
}

export function changesReport(statements: readonly StatementChange[], stacks: readonly StackDiff[], base: Synth, current: Synth, baseLabel: string): string {
  const summary = summarize(statements, stacks);
  const parts = [
    '# Changes\n',
    `Against \`${baseLabel}\`: ${summary.securityChanges} IAM / resource-policy statement change(s), ${summary.broadening} of them broadening access; ` +
      `${summary.resourceChanges} resource change(s) in ${summary.stacksChanged} stack(s).\n`,
    '## IAM and resource-policy statements\n',
  ];
  if (statements.length === 0) parts.push('No statement changed.\n');
  else {
    parts.push('`+` added, `−` removed, `~` changed. **broadens** marks a change that can give someone access they did not have.\n');
    parts.push(
      table(
        ['', 'stack', 'resource', 'effect', 'principal', 'actions', 'resources', 'conditions', 'change'],
        statements.map((c) => {
          const stack = (c.kind === 'removed' ? base : current).get(c.stack);
          const h = (v: string) => humanize(v, stack);
          const s = c.statement;
          return [
            SIGN[c.kind],
            c.stack,
            `${c.display}\n${c.attribute}${s?.sid ? `\nSid ${s.sid}` : ''}`,
            s?.effect ?? '',
            s ? codeList(formatPrincipals(s).map(h)) : '',
            s ? codeList(formatActions(s)) : '',
            s ? codeList(formatResources(s).map(h)) : '',
            s ? codeList(s.conditions.map(formatCondition).map(h)) : '',
            `${c.broadens ? '**broadens**\n' : ''}${c.details.map(h).join('\n')}`,
          ];
        }),
      ),
    );
  }
  parts.push('\n## Resources\n');
  for (const stack of stacks) {
    if (stack.status === 'unchanged') continue;
    parts.push(`\n### ${stack.stack}${stack.status === 'added' ? ' (new stack)' : stack.status === 'removed' ? ' (stack removed)' : ''}\n`);
    if (stack.status !== 'changed') continue;
    if (stack.changes.some((c) => c.kind === 'moved')) parts.push('`→` moved: a `moved` block, so Terraform keeps the resource under its new address.\n');
    parts.push(
      table(
        ['', 'address', 'resource', 'changed attributes'],
        stack.changes.map((c) => [SIGN[c.kind], c.from ? `\`${c.from}\`\n→ \`${c.address}\`` : `\`${c.address}\``, c.display, c.attributes.join('\n')]),
      ),
    );
  }
  const unchanged = stacks.filter((s) => s.status === 'unchanged').map((s) => s.stack);
  if (unchanged.length > 0) parts.push(`\nUnchanged: ${unchanged.join(', ')}.\n`);
  return parts.join('\n');
}
