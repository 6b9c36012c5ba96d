/**
 * A function as Lambda runs it (the forwarder, or the responder): the deployed bundle
 * (stacks/constructs/bundle.ts, the zip Terraform uploads) loaded by a plain `node` process, one
 * process per container. Invocations go
 * in on stdin and answers come back on a pipe of their own (fd 3), so the function's log lines on
 * stdout and stderr are kept apart and whole. A container stays warm between invocations (module
 * state such as the last good rules and the cached token survives) until it is stopped or killed.
 *
 * A Lambda timeout is what Lambda does: the process is killed when the handler has not answered
 * by the simulated timeout; `getRemainingTimeInMillis` counts down to that same timeout.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { unzipSync } from 'fflate';
import { bundleFunction } from '../../stacks/constructs/bundle';

const HARNESS = `
const { handler } = require(process.env.DRILL_BUNDLE);
const answers = require('node:fs').createWriteStream(null, { fd: 3 });
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let at = buffered.indexOf('\\n'); at >= 0; at = buffered.indexOf('\\n')) {
    const line = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    const { id, event, timeoutMs, clientContext } = JSON.parse(line);
    const started = Date.now();
    const context = {
      clientContext,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:999999999999:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
      awsRequestId: 'drill-' + id,
      getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    };
    Promise.resolve()
      .then(() => handler(event, context))
      .then(
        (result) => answers.write(JSON.stringify({ id, result, durationMs: Date.now() - started }) + '\\n'),
        (err) => answers.write(JSON.stringify({ id, error: String((err && err.message) || err), durationMs: Date.now() - started }) + '\\n'),
      );
  }
});
`;

export interface Invocation {
  /** The handler's answer (summary, or the SQS partial batch response). */
  readonly result?: any;
  /** The handler threw (Lambda would deliver the event again). */
  readonly error?: string;
  readonly durationMs: number;
  /** Killed at the simulated timeout, as Lambda would. */
  readonly timedOut?: boolean;
  /** Killed by the drill (or died) before answering. */
  readonly died?: boolean;
}

/** The functions the drills run (functions/<name>). */
export type DrillFunction = 'forwarder' | 'responder';

const unpacked = new Map<DrillFunction, string>();
/** A function's deployment zip, unpacked once per process. */
export function functionBundle(name: DrillFunction): string {
  const cached = unpacked.get(name);
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), `drill-${name}-`));
  for (const [file, content] of Object.entries(unzipSync(readFileSync(bundleFunction(name).zipPath)))) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  writeFileSync(join(dir, 'drill-harness.js'), HARNESS);
  unpacked.set(name, dir);
  return dir;
}

/** The forwarder's deployment zip, unpacked once per process. */
export const forwarderBundle = (): string => functionBundle('forwarder');

export class FunctionContainer {
  private readonly child: ChildProcess;
  private output = '';
  private readonly pending = new Map<number, (answer: Invocation) => void>();
  private next = 0;
  private readonly exited: Promise<void>;

  constructor(env: Record<string, string>, fn: DrillFunction = 'forwarder') {
    const dir = functionBundle(fn);
    this.child = spawn(process.execPath, ['--enable-source-maps', '--no-warnings', join(dir, 'drill-harness.js')], {
      env: { PATH: process.env.PATH ?? '', AWS_LAMBDA_FUNCTION_NAME: `trailbridge-${fn}`, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env, DRILL_BUNDLE: join(dir, 'index.js') },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    let buffered = '';
    (this.child.stdio[3] as Readable).on('data', (chunk) => {
      buffered += chunk;
      for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
        const answer = JSON.parse(buffered.slice(0, at)) as Invocation & { id: number };
        buffered = buffered.slice(at + 1);
        this.pending.get(answer.id)?.(answer);
        this.pending.delete(answer.id);
      }
    });
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    void this.exited.then(() => {
      for (const settle of this.pending.values()) settle({ died: true, durationMs: 0 });
      this.pending.clear();
    });
  }

  /** Everything the function wrote to stdout and stderr so far (its log lines and metrics). */
  get logs(): string {
    return this.output;
  }

  /** Log lines parsed as JSON (lines that are not JSON are skipped), from character `from` of the output on. */
  logLines(from = 0): Record<string, any>[] {
    return this.output
      .slice(from)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, any>];
        } catch {
          return [];
        }
      });
  }

  /**
   * Invokes the handler; kills the container when it has not answered `timeoutMs` (plus 2 s of
   * grace) later. `clientContext` is the context's `clientContext`, as Lambda's Node runtime gives
   * it: the JSON of the Invoke's ClientContext (tools/lib/invoke-stand-in.ts decodes it).
   */
  invoke(event: unknown, timeoutMs: number, clientContext?: unknown): Promise<Invocation> {
    const id = ++this.next;
    const started = Date.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill();
        resolve({ timedOut: true, durationMs: Date.now() - started });
      }, timeoutMs + 2_000);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.child.stdin!.write(`${JSON.stringify({ id, event, timeoutMs, clientContext })}\n`);
    });
  }

  /** SIGKILL, as a crash or a Lambda timeout ends a container. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Ends the container, as Lambda retires one: no goodbye (keep-alive sockets would hold a process open). */
  async stop(): Promise<void> {
    this.kill();
    await this.exited;
  }
}
