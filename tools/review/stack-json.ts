import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One synthesized stack: the parsed `cdk.tf.json`. */
export type StackJson = Record<string, any>;

/** Stack name -> its Terraform JSON, in name order. */
export type Synth = ReadonlyMap<string, StackJson>;

export class ReviewInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewInputError';
  }
}

/**
 * The `stacks` folder under a directory given by a user: a checkout or CI workspace holding
 * `cdktf.out/stacks`, a `cdktf.out` folder, or the `stacks` folder itself.
 */
export function findStacksDir(dir: string): string {
  for (const candidate of [join(dir, 'cdktf.out', 'stacks'), join(dir, 'stacks'), dir]) {
    if (existsSync(candidate) && readdirSync(candidate, { withFileTypes: true }).some((d) => d.isDirectory() && existsSync(join(candidate, d.name, 'cdk.tf.json')))) {
      return candidate;
    }
  }
  throw new ReviewInputError(
    `${dir} holds no synthesized stacks; give a directory with cdktf.out/stacks/<stack>/cdk.tf.json (for example a checkout of main after npm run synth)`,
  );
}

/** Every `<stack>/cdk.tf.json` under a stacks folder. */
export function readSynth(stacksDir: string): Synth {
  const names = readdirSync(stacksDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(stacksDir, d.name, 'cdk.tf.json')))
    .map((d) => d.name)
    .sort();
  return new Map(names.map((name) => [name, JSON.parse(readFileSync(join(stacksDir, name, 'cdk.tf.json'), 'utf8')) as StackJson]));
}

/** [address, type, local name, body] of every managed resource of a stack. */
export function resourcesOf(stack: StackJson): { address: string; type: string; name: string; body: Record<string, any> }[] {
  return Object.entries<Record<string, any>>(stack.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries<Record<string, any>>(byName).map(([name, body]) => ({ address: `${type}.${name}`, type, name, body })),
  );
}

/** The construct path of a resource without the stack (readable, unlike the hashed local name). */
export function displayName(stackName: string, address: string, body: Record<string, any>): string {
  const path: unknown = body['//']?.metadata?.path;
  if (typeof path === 'string') return path.startsWith(`${stackName}/`) ? path.slice(stackName.length + 1) : path;
  return address.slice(address.indexOf('.') + 1);
}

/** The region each provider of a stack works in: "aws" and "aws.<alias>". */
export function providerRegions(stack: StackJson): Map<string, string> {
  const providers: Record<string, any>[] = [stack.provider?.aws ?? []].flat();
  return new Map(providers.map((p) => [p.alias ? `aws.${p.alias}` : 'aws', String(p.region ?? '(unknown)')]));
}

/** Region of a resource: its `provider`'s, else the default provider's. */
export function regionOf(body: Record<string, any>, regions: ReadonlyMap<string, string>): string {
  return regions.get(typeof body.provider === 'string' ? body.provider : 'aws') ?? regions.get('aws') ?? '(unknown)';
}

const REFERENCE = /^\$\{([a-z0-9_]+)\.([\w-]+)\.([\w.]+)\}$/;

/** `${aws_sns_topic.x.arn}` -> { address: 'aws_sns_topic.x', attribute: 'arn' }. */
export function parseReference(value: unknown): { type: string; address: string; attribute: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = REFERENCE.exec(value);
  if (!match || match[1] === 'data' || match[1] === 'var' || match[1] === 'local') return undefined;
  return { type: match[1], address: `${match[1]}.${match[2]}`, attribute: match[3] };
}

/** The physical name a resource is known by, for people: name, bucket, function_name, ... */
export function physicalName(body: Record<string, any>): string | undefined {
  for (const key of ['name', 'bucket', 'function_name', 'name_prefix', 'aws_service_name', 'url', 'policy_name']) {
    if (typeof body[key] === 'string' && !body[key].includes('${')) return body[key];
  }
  return undefined;
}
