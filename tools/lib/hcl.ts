import { suppressionsOf } from '../../stacks/scanner-suppressions';

/**
 * Terraform JSON (cdk.tf.json) to native HCL, for reviewers.
 *
 * cdktf's own HCL output corrupts strings that hold both JSON and interpolations and quotes
 * provider references, so trailbridge renders HCL itself. JSON syntax cannot tell a nested block
 * from an object attribute; the provider schema can, so rendering takes the block shapes of the
 * provider (see `blockShapes`). The output is then passed through `terraform fmt` for alignment.
 */

/** The names of a block's nested block types, recursively. */
export interface BlockShape {
  readonly blocks: Readonly<Record<string, BlockShape>>;
}

export interface ProviderShapes {
  readonly provider: BlockShape;
  readonly resources: Readonly<Record<string, BlockShape>>;
  readonly dataSources: Readonly<Record<string, BlockShape>>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const EMPTY: BlockShape = { blocks: {} };
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INDENT = '  ';
/** Blocks of the `terraform` block, and of `lifecycle`, that are not in any provider schema. */
const TERRAFORM_SHAPE: BlockShape = { blocks: { cloud: { blocks: { workspaces: EMPTY } }, required_providers: EMPTY } };

/** Extracts block shapes from `terraform providers schema -json` output for one provider. */
export function blockShapes(schemaJson: any, providerAddress = 'registry.terraform.io/hashicorp/aws'): ProviderShapes {
  const schema = schemaJson?.provider_schemas?.[providerAddress];
  if (!schema) throw new Error(`the provider schema has no ${providerAddress}`);
  const shape = (block: any): BlockShape => ({
    blocks: Object.fromEntries(Object.entries(block?.block_types ?? {}).map(([name, t]: [string, any]) => [name, shape(t.block)])),
  });
  const all = (schemas: Record<string, any>) => Object.fromEntries(Object.entries(schemas ?? {}).map(([type, s]) => [type, shape(s.block)]));
  return { provider: shape(schema.provider.block), resources: all(schema.resource_schemas), dataSources: all(schema.data_source_schemas) };
}

/** Renders a Terraform JSON document as HCL (unaligned; run `terraform fmt` after). */
export function toHcl(doc: JsonObject, shapes: ProviderShapes): string {
  const out: string[] = [];
  const section = (text: string) => out.push(text);

  if (isObject(doc.terraform)) section(renderTerraformBlock(doc.terraform));
  for (const [name, configs] of entries(doc.provider)) {
    for (const config of asList(configs)) section(block(`provider ${quote(name)}`, config as JsonObject, shapes.provider, 0));
  }
  for (const [name, value] of entries(doc.variable)) section(variableBlock(name, value as JsonObject));
  if (isObject(doc.locals)) section(block('locals', doc.locals, EMPTY, 0));
  for (const [type, byName] of entries(doc.data)) {
    for (const [name, body] of entries(byName)) section(withPath(body, withSuppressions(body, block(`data ${quote(type)} ${quote(name)}`, body as JsonObject, shapes.dataSources[type] ?? EMPTY, 0))));
  }
  for (const [type, byName] of entries(doc.resource)) {
    for (const [name, body] of entries(byName)) section(withPath(body, withSuppressions(body, block(`resource ${quote(type)} ${quote(name)}`, body as JsonObject, shapes.resources[type] ?? EMPTY, 0))));
  }
  for (const [name, body] of entries(doc.output)) section(block(`output ${quote(name)}`, body as JsonObject, EMPTY, 0));
  for (const moved of asList(doc.moved ?? [])) section(movedBlock(moved as JsonObject));
  const unknown = Object.keys(doc).filter((key) => !TOP_LEVEL_KEYS.has(key));
  // Dropping a block silently would change what Terraform plans; a new kind must be taught here.
  if (unknown.length > 0) throw new Error(`toHcl: no HCL rendering for the top-level ${unknown.map((k) => JSON.stringify(k)).join(', ')} of the stack's JSON; add one in tools/lib/hcl.ts`);
  return `${out.join('\n')}`;
}

const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(['//', 'terraform', 'provider', 'variable', 'locals', 'data', 'resource', 'output', 'moved']);

/** `moved { from = a.b  to = a.c }`: the addresses are bare references, as Terraform wants them. */
function movedBlock(moved: JsonObject): string {
  return `moved {\n${INDENT}from = ${bareReference(String(moved.from))}\n${INDENT}to   = ${bareReference(String(moved.to))}\n}\n`;
}

/** In JSON a variable's `type` is a string holding a type expression; HCL takes the expression bare (quoted is a legacy hint Terraform rejects). */
function variableBlock(name: string, body: JsonObject): string {
  const { type, ...rest } = body;
  const text = block(`variable ${quote(name)}`, rest, EMPTY, 0);
  if (typeof type !== 'string') return text;
  const header = `variable ${quote(name)} {`;
  const typeLine = `\n${INDENT}type = ${type}`;
  return text.startsWith(`${header}}`) ? `${header}${typeLine}\n}\n` : `${header}${typeLine}${text.slice(header.length)}`;
}

function renderTerraformBlock(terraform: JsonObject): string {
  const body: string[] = [];
  for (const [key, value] of Object.entries(terraform)) {
    if (key === 'backend' && isObject(value)) {
      for (const [type, config] of Object.entries(value)) body.push(block(`backend ${quote(type)}`, config as JsonObject, EMPTY, 1));
    } else if (key === 'required_providers' && isObject(value)) {
      body.push(block('required_providers', value, EMPTY, 1));
    } else if (TERRAFORM_SHAPE.blocks[key] && isObject(value)) {
      body.push(block(key, value, TERRAFORM_SHAPE.blocks[key], 1));
    } else {
      body.push(`${INDENT}${key} = ${value_(value, 1)}`);
    }
  }
  return `terraform {\n${body.join('\n')}\n}\n`;
}

/** A block header and body; keys in `shape.blocks` become nested blocks, the rest attributes. */
function block(header: string, body: JsonObject, shape: BlockShape, depth: number): string {
  const pad = INDENT.repeat(depth);
  const inner = INDENT.repeat(depth + 1);
  const attributes: string[] = [];
  const nested: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === '//') continue;
    if (key === 'provider' && typeof value === 'string') attributes.push(`${inner}provider = ${bareReference(value)}`);
    else if (key === 'depends_on' && Array.isArray(value)) attributes.push(`${inner}depends_on = [${value.map((v) => bareReference(String(v))).join(', ')}]`);
    else if (key === 'lifecycle' && isObject(value)) nested.push(lifecycle(value, depth + 1));
    else if (shape.blocks[key] !== undefined && value !== null) {
      for (const item of asList(value)) if (isObject(item)) nested.push(block(key, item, shape.blocks[key], depth + 1));
    } else attributes.push(`${inner}${attributeName(key)} = ${value_(value, depth + 1)}`);
  }
  const lines = [...attributes, ...(attributes.length && nested.length ? [''] : []), ...nested.flatMap((n, i) => (i > 0 ? ['', n] : [n]))];
  return lines.length ? `${pad}${header} {\n${lines.join('\n')}\n${pad}}` + (depth === 0 ? '\n' : '') : `${pad}${header} {}` + (depth === 0 ? '\n' : '');
}

function lifecycle(value: JsonObject, depth: number): string {
  const inner = INDENT.repeat(depth + 1);
  const lines = Object.entries(value).map(([key, v]) =>
    key === 'ignore_changes' && Array.isArray(v)
      ? `${inner}ignore_changes = [${v.map((x) => bareReference(String(x))).join(', ')}]`
      : key === 'ignore_changes' && v === 'all'
        ? `${inner}ignore_changes = all`
        : `${inner}${key} = ${value_(v, depth + 1)}`,
  );
  return `${INDENT.repeat(depth)}lifecycle {\n${lines.join('\n')}\n${INDENT.repeat(depth)}}`;
}

/** Adds the construct path as a comment, so a reader can trace a resource back to the code. */
function withPath(body: Json, text: string): string {
  const path = isObject(body) && isObject(body['//']) && isObject(body['//'].metadata) ? body['//'].metadata.path : undefined;
  return typeof path === 'string' ? `# ${path}\n${text}` : text;
}

/**
 * The block's scanner justifications as checkov's suppression comments, one per check, as the
 * block's first lines: checkov reads them only between a block's first and last line.
 */
function withSuppressions(body: Json, text: string): string {
  const suppressions = isObject(body) ? Object.entries(suppressionsOf(body)) : [];
  if (suppressions.length === 0) return text;
  const open = text.indexOf('{\n');
  if (open < 0) throw new Error(`cannot place checkov suppressions in an empty block: ${text.split('\n')[0]}`);
  const lines = suppressions.map(([check, reason]) => `${INDENT}# checkov:skip=${check}:${reason.replace(/[\r\n]+/g, ' ')}\n`).join('');
  return `${text.slice(0, open + 2)}${lines}${text.slice(open + 2)}`;
}

function value_(value: Json, depth: number): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return expressionOrString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => value_(v, depth + 1));
    const oneLine = `[${items.join(', ')}]`;
    if (oneLine.length <= 80 && !oneLine.includes('\n')) return oneLine;
    const inner = INDENT.repeat(depth + 1);
    return `[\n${items.map((i) => `${inner}${i},`).join('\n')}\n${INDENT.repeat(depth)}]`;
  }
  const keys = Object.keys(value).filter((k) => k !== '//');
  if (keys.length === 0) return '{}';
  const inner = INDENT.repeat(depth + 1);
  return `{\n${keys.map((k) => `${inner}${objectKey(k)} = ${value_(value[k], depth + 1)}`).join('\n')}\n${INDENT.repeat(depth)}}`;
}

function attributeName(key: string): string {
  return IDENTIFIER.test(key) ? key : quote(key);
}

function objectKey(key: string): string {
  return IDENTIFIER.test(key) ? key : quote(key);
}

/** "${aws_x.y.arn}" -> aws_x.y.arn; "aws.eu-west-1" stays bare (a provider reference). */
function bareReference(text: string): string {
  const parts = templateParts(text);
  return parts.length === 1 && parts[0].kind === 'interpolation' ? parts[0].text : text;
}

/** A JSON-syntax string as HCL: a bare expression when it is one interpolation, else a template. */
export function expressionOrString(text: string): string {
  const parts = templateParts(text);
  if (parts.length === 1 && parts[0].kind === 'interpolation') return parts[0].text;
  return `"${parts.map((p) => (p.kind === 'literal' ? escapeLiteral(p.text) : `\${${p.text}}`)).join('')}"`;
}

interface TemplatePart {
  readonly kind: 'literal' | 'interpolation';
  /** Literal text, or the expression inside ${ }. */
  readonly text: string;
}

/**
 * Splits a template into literal text and ${ } interpolations. `$${` is an escaped literal.
 * Inside an interpolation, braces nest and quoted strings are skipped whole, so JSON inside
 * jsonencode(...) does not end it early.
 */
export function templateParts(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i) || text.startsWith('%%{', i)) {
      literal += text.slice(i, i + 3);
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = interpolationEnd(text, i + 2);
      if (end < 0) {
        literal += text.slice(i);
        break;
      }
      if (literal) parts.push({ kind: 'literal', text: literal });
      literal = '';
      parts.push({ kind: 'interpolation', text: text.slice(i + 2, end) });
      i = end + 1;
    } else {
      literal += text[i++];
    }
  }
  if (literal || parts.length === 0) parts.push({ kind: 'literal', text: literal });
  return parts;
}

function interpolationEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i + 1);
      if (i < 0) return -1;
    } else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Index of the closing quote of a string literal inside an expression. */
function stringEnd(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
    else if (text.startsWith('${', i)) {
      const end = interpolationEnd(text, i + 2);
      if (end < 0) return -1;
      i = end;
    }
  }
  return -1;
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!);
}

function quote(text: string): string {
  return `"${escapeLiteral(text)}"`;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(value: Json | undefined): [string, Json][] {
  return isObject(value) ? Object.entries(value) : [];
}

function asList(value: Json): Json[] {
  return Array.isArray(value) ? value : [value];
}
