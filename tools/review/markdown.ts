import { StackJson, physicalName } from './stack-json';

/** Markdown building blocks shared by the review sheets. */

/** A cell's text: pipes escaped, newlines as <br>, empty as a dash. */
export function cell(text: string): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
  return escaped === '' ? '–' : escaped;
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

/** Inline code for a list of values (actions, ARNs), one per line. */
export function codeList(values: readonly string[]): string {
  return values.map((v) => `\`${v.replace(/`/g, "'")}\``).join('\n');
}

const INNER_REFERENCE = /\$\{([a-z0-9_]+)\.([\w-]+)\.([\w.]+)\}/g;

/**
 * Terraform references made readable: `${aws_s3_bucket.bucket-prod_bucket_E3411072.arn}` becomes
 * `${aws_s3_bucket:event-trail-prod.arn}` when the resource has a physical name in the stack.
 */
export function humanize(text: string, stack: StackJson | undefined): string {
  if (!stack) return text;
  return text.replace(INNER_REFERENCE, (whole, type: string, name: string, attribute: string) => {
    if (type === 'data') return whole;
    const body = stack.resource?.[type]?.[name];
    const physical = body ? physicalName(body) : undefined;
    return physical ? `\${${type}:${physical}.${attribute}}` : whole;
  });
}
