/**
 * CloudTrail records generated from a Sigma rule's selections, read from its YAML without the compiler: one
 * record satisfying each selection (and each pair, and all together), and near misses of each: a value changed,
 * its case changed, a prefix or suffix added, the field removed, the field null, the value as a JSON number or
 * boolean, the value in a list.
 */
import { parse } from 'yaml';
// The CloudTrail record format, not the compiler's logic: fields CloudTrail documents as one value never hold a list.
import { SINGLE_VALUE_FIELDS } from '../../config/sigma/cloudtrail-fields';

type Json = unknown;
type Record_ = Record<string, Json>;

/** A plain API call with every field a rule might read present, to be overwritten. */
export function baseRecord(): Record_ {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', userName: 'alice' },
    eventTime: '2024-05-17T09:35:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeRegions',
    awsRegion: 'eu-central-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: null,
    responseElements: null,
    requestID: 'b1e2c3d4-0000-4000-8000-000000000001',
    eventID: 'b1e2c3d4-0000-4000-8000-000000000002',
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
  };
}

/** Text that the Sigma value matches: wildcards filled in, escapes resolved, padding where a modifier allows it. */
function sampleText(value: Json, modifiers: readonly string[]): string {
  const text = String(value)
    .replace(/\\([*?\\])|\*|\?/g, (whole, escaped: string | undefined) => (escaped !== undefined ? escaped : whole === '*' ? 'fill' : 'q'));
  if (modifiers.includes('contains')) return `pre ${text} post`;
  if (modifiers.includes('startswith')) return `${text}Tail`;
  if (modifiers.includes('endswith')) return `Head${text}`;
  return text;
}

function setPath(record: Record_, path: string, value: Json | undefined): void {
  const keys = path.split('.');
  let node = record;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) node[key] = {};
    node = node[key] as Record_;
  }
  if (value === undefined) delete node[keys[keys.length - 1]!];
  else node[keys[keys.length - 1]!] = value;
}

/** The fields one map of a selection sets, as path -> value (undefined: removed). */
function satisfying(map: Record<string, Json>): Map<string, Json | undefined> {
  const fields = new Map<string, Json | undefined>();
  for (const [key, expected] of Object.entries(map)) {
    const [field, ...modifiers] = key.split('|');
    const values = Array.isArray(expected) ? expected : [expected];
    if (modifiers.includes('exists')) fields.set(field!, values[0] === true ? 'present' : undefined);
    else if (values[0] === null) fields.set(field!, undefined);
    else if (modifiers.includes('all')) fields.set(field!, values.map((v) => sampleText(v, modifiers)).join(' '));
    else fields.set(field!, sampleText(values[0], modifiers));
  }
  return fields;
}

const swapCase = (text: string): string => [...text].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');

/** The variants of one field value: the near misses and typed twins. */
function variants(path: string, value: Json | undefined): (Json | undefined)[] {
  const out: (Json | undefined)[] = [undefined, null];
  if (typeof value !== 'string') return out;
  out.push(swapCase(value), `x${value}`, `${value}x`, value.toUpperCase(), `${value.slice(0, -1)}${value.endsWith('Q') ? 'R' : 'Q'}`);
  if (!SINGLE_VALUE_FIELDS.has(path)) out.push([value], ['other', value], ['other']);
  if (value.length > 0) out.push(`Q${value.slice(1)}`);
  if (/^(true|false)$/i.test(value)) out.push(value.toLowerCase() === 'true');
  if (/^-?\d+(\.\d+)?$/.test(value)) out.push(Number(value));
  return out;
}

/** Every generated record of a rule's YAML, with a label saying how it was made. */
export function generatedRecords(yamlText: string): { label: string; record: Record_ }[] {
  const rule = parse(yamlText) as { detection: Record<string, Json> };
  const { condition: _condition, ...selections } = rule.detection;
  const maps: { name: string; fields: Map<string, Json | undefined> }[] = [];
  for (const [name, selection] of Object.entries(selections)) {
    const list = Array.isArray(selection) ? selection : [selection];
    list.forEach((map, i) => {
      if (map !== null && typeof map === 'object') maps.push({ name: `${name}[${i}]`, fields: satisfying(map as Record<string, Json>) });
    });
  }
  const combos: { name: string; fields: Map<string, Json | undefined> }[] = [...maps];
  for (let i = 0; i < maps.length; i++) {
    for (let j = i + 1; j < maps.length; j++) combos.push({ name: `${maps[i]!.name}+${maps[j]!.name}`, fields: new Map([...maps[i]!.fields, ...maps[j]!.fields]) });
  }
  if (maps.length > 2) combos.push({ name: 'all', fields: new Map(maps.flatMap((m) => [...m.fields])) });

  const records: { label: string; record: Record_ }[] = [];
  for (const combo of combos) {
    const build = (override?: [string, Json | undefined]) => {
      const record = baseRecord();
      for (const [path, value] of combo.fields) setPath(record, path, value);
      if (override) setPath(record, override[0], override[1]);
      return record;
    };
    records.push({ label: combo.name, record: build() });
    for (const [path, value] of combo.fields) {
      for (const variant of variants(path, value)) records.push({ label: `${combo.name} ${path}=${JSON.stringify(variant)}`, record: build([path, variant]) });
    }
  }
  return records;
}
