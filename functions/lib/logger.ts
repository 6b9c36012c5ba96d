/**
 * Structured JSON logger: one JSON object per line, CloudWatch friendly.
 *
 * Secrets registered with {@link Logger.addSecret} are masked in every line written, as a second
 * line of defence: code must still never pass a secret to the logger.
 */

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
const LEVEL_ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };
const SECRET_MASK = '***';

export interface LoggerOptions {
  /** Name of the service, written in every line. */
  readonly service: string;
  /** Lowest level written. @default 'INFO' */
  readonly level?: LogLevel;
  /** Where lines go. @default - process.stdout */
  readonly write?: (line: string) => void;
  /** Clock for the `timestamp` field. @default Date.now */
  readonly clock?: () => number;
}

export class Logger {
  private readonly write: (line: string) => void;
  private readonly clock: () => number;
  private readonly minLevel: number;
  private context: Record<string, unknown>;

  constructor(
    private readonly options: LoggerOptions,
    context: Record<string, unknown> = {},
    /** Shared between a logger and its children, so a secret added later is masked everywhere. */
    private readonly secrets: Set<string> = new Set(),
  ) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.clock = options.clock ?? Date.now;
    this.minLevel = LEVEL_ORDER[options.level ?? 'INFO'];
    this.context = context;
  }

  /** A logger that writes the same lines plus the given fields; secrets are shared. */
  child(fields: Record<string, unknown>): Logger {
    return new Logger({ ...this.options, write: this.write, clock: this.clock }, { ...this.context, ...fields }, this.secrets);
  }

  /** Fields added to every later line of this logger (e.g. the request id). */
  appendContext(fields: Record<string, unknown>): void {
    this.context = { ...this.context, ...fields };
  }

  /** Masks this value wherever it would appear in a log line. Values shorter than 4 chars are ignored. */
  addSecret(value: string): void {
    if (value.length >= 4) this.secrets.add(value);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('DEBUG', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log('INFO', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('WARN', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('ERROR', message, fields);
  }

  private log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    if (LEVEL_ORDER[level] < this.minLevel) return;
    const entry = {
      level,
      timestamp: new Date(this.clock()).toISOString(),
      service: this.options.service,
      message,
      ...this.context,
      ...fields,
    };
    let line = JSON.stringify(entry, errorReplacer);
    for (const secret of this.secrets) line = line.split(secret).join(SECRET_MASK);
    this.write(line);
  }
}

/** Errors are not enumerable: write name, message, own fields and the cause chain. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    for (const [k, v] of Object.entries(value)) out[k] = v;
    if (value.cause !== undefined) out.cause = value.cause;
    if (value.stack) out.stack = value.stack.split('\n').slice(0, 6).join('\n');
    return out;
  }
  return value;
}
