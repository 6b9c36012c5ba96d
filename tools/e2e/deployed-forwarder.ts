import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { unzipSync } from 'fflate';
import { ClientConfig } from './accounts';

export interface DeployedFunction {
  readonly name: string;
  readonly arn: string;
  readonly handler: string;
  readonly timeoutMs: number;
  /** The environment Terraform gave the function, as the emulator returns it. */
  readonly environment: Readonly<Record<string, string>>;
  /** The code zip Terraform uploaded, checked against the function's CodeSha256. */
  readonly zip: Uint8Array;
  /** Where the zip came from. */
  readonly codeSource: string;
}

const sha256Base64 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

/**
 * Reads the deployed function back from the target: configuration and environment from
 * GetFunction, the code from its Code.Location (AWS, LocalStack). moto answers with a placeholder
 * location and its /moto-api/data.json fails without Docker, so there the zip is taken from moto's
 * request recorder: the CreateFunction or UpdateFunctionCode body Terraform sent. Either way the
 * bytes must hash to the function's CodeSha256.
 */
export async function fetchDeployedFunction(config: ClientConfig, functionName: string, moto: boolean): Promise<DeployedFunction> {
  const out = await new LambdaClient(config).send(new GetFunctionCommand({ FunctionName: functionName }));
  const c = out.Configuration;
  if (!c?.FunctionArn || !c.CodeSha256 || !c.Handler) throw new Error(`GetFunction ${functionName} returned no configuration`);
  const expected = c.CodeSha256;

  let zip: Uint8Array | undefined;
  let codeSource: string;
  if (moto) {
    zip = await zipFromMotoRecording(config.endpoint, functionName, expected);
    codeSource = 'the emulator (the CreateFunction request Terraform sent, from moto\'s recorder)';
  } else {
    if (!out.Code?.Location) throw new Error(`GetFunction ${functionName} returned no Code.Location`);
    const res = await fetch(out.Code.Location, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`downloading the code of ${functionName} from Code.Location answered ${res.status}`);
    zip = new Uint8Array(await res.arrayBuffer());
    codeSource = 'Code.Location of GetFunction';
  }
  if (sha256Base64(zip) !== expected) throw new Error(`the code of ${functionName} hashes to ${sha256Base64(zip)}, not the deployed CodeSha256 ${expected}`);

  return {
    name: functionName,
    arn: c.FunctionArn,
    handler: c.Handler,
    timeoutMs: (c.Timeout ?? 3) * 1000,
    environment: c.Environment?.Variables ?? {},
    zip,
    codeSource,
  };
}

/** Starts moto's request recorder (it must run while Terraform uploads the code). */
export async function startMotoRecorder(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/recorder/start-recording`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto's recorder did not start (HTTP ${res.status})`);
}

export async function stopMotoRecorder(endpoint: string): Promise<void> {
  await fetch(`${endpoint}/moto-api/recorder/stop-recording`, { method: 'POST' });
}

async function zipFromMotoRecording(endpoint: string, functionName: string, sha256: string): Promise<Uint8Array> {
  const res = await fetch(`${endpoint}/moto-api/recorder/download-recording`);
  if (!res.ok) throw new Error(`GET /moto-api/recorder/download-recording answered ${res.status}`);
  const entries = recordingEntries(await res.text());
  for (const entry of entries.reverse()) {
    const url = new URL(entry.url);
    const create = entry.method === 'POST' && /\/2015-03-31\/functions\/?$/.test(url.pathname);
    const update = entry.method === 'PUT' && url.pathname.endsWith(`/functions/${functionName}/code`);
    if (!create && !update) continue;
    const body = JSON.parse(entry.body_encoded === 'True' || entry.body_encoded === true ? Buffer.from(entry.body, 'base64').toString('utf8') : entry.body);
    if (create && body.FunctionName !== functionName) continue;
    const encoded = create ? body.Code?.ZipFile : body.ZipFile;
    if (typeof encoded !== 'string') continue;
    const zip = new Uint8Array(Buffer.from(encoded, 'base64'));
    if (sha256Base64(zip) === sha256) return zip;
  }
  throw new Error(`moto's recording holds no upload of ${functionName} with CodeSha256 ${sha256} (was the recorder on during apply?)`);
}

/**
 * The entries of moto's recording, in order. The recorder writes an entry and its newline in two
 * calls from the server's request threads, so two concurrent requests can leave two entries on
 * one line: each line is read as one or more JSON objects, back to back.
 */
export function recordingEntries(text: string): any[] {
  const entries: unknown[] = [];
  for (const line of text.split('\n')) {
    let start = 0;
    while (start < line.length) {
      const end = objectEnd(line, start);
      if (end < 0) break;
      entries.push(JSON.parse(line.slice(start, end)));
      start = end;
    }
  }
  return entries;
}

/** The index after the JSON object that starts at or after `from` (-1 when none does); strings and escapes are skipped. */
function objectEnd(text: string, from: number): number {
  const open = text.indexOf('{', from);
  if (open < 0) return -1;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return i + 1;
    }
  }
  throw new Error(`moto's recording: an entry at character ${open} of its line is cut off`);
}

export type LambdaHandler = (event: unknown, context: Record<string, unknown>) => Promise<any>;

/**
 * Unpacks the zip into a directory of its own and loads the handler from it: a fresh module, as a
 * cold start is, that reads the environment present when it loads.
 */
export function loadHandler(fn: DeployedFunction, directory: string): LambdaHandler {
  const files = unzipSync(fn.zip);
  for (const [name, bytes] of Object.entries(files)) {
    const path = join(directory, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  const [file, exported] = fn.handler.split('.');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(join(directory, `${file}.js`));
  const handler = module[exported];
  if (typeof handler !== 'function') throw new Error(`${fn.handler}: the bundle exports no function ${exported}`);
  return handler;
}

/** A Lambda context for one invocation: the function's ARN and its real timeout. */
export function lambdaContext(fn: DeployedFunction, requestId: string): Record<string, unknown> {
  const deadline = Date.now() + fn.timeoutMs;
  return {
    awsRequestId: requestId,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `e2e/${requestId}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Sets environment variables for the duration of `body`, then puts the old values back. */
export async function withEnvironment<T>(vars: Readonly<Record<string, string>>, body: () => Promise<T>): Promise<T> {
  const saved = new Map(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
