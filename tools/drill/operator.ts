/**
 * The operator's commands, run as an operator runs them: `npm run forward` and `npm run replay`
 * (tools/forward.ts, tools/replay.ts through tsx) in a process of their own, killed when they
 * outlast their time limit.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../config/paths';
import { TSX_CLI } from '../bench/synth-bench';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The JSON summary the commands print as their last line, when there is one. */
  readonly summary?: Record<string, number>;
}

const COMMAND_TIMEOUT_MS = 120_000;

/** `npm run <forward|replay> -- ARGS` with only PATH and `env` in its environment. */
export function operatorCommand(command: 'forward' | 'replay', args: readonly string[], env: Record<string, string>, timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX_CLI, join(PROJECT_ROOT, 'tools', `${command}.ts`), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) return reject(new Error(`npm run ${command} ${args.join(' ')}: ended by ${signal} (time limit ${timeoutMs} ms)\n${stderr}`));
      const last = stdout.trim().split('\n').pop() ?? '';
      let summary: Record<string, number> | undefined;
      try {
        summary = last.startsWith('{') ? JSON.parse(last) : undefined;
      } catch {
        summary = undefined;
      }
      resolve({ code: code ?? 1, stdout, stderr, summary });
    });
  });
}
