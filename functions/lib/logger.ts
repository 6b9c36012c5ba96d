/**
 * Structured JSON logger: one JSON object per line, CloudWatch friendly.
 *
 * The keys the logger writes itself ({@link RESERVED_LOG_KEYS}) are always its own: a context or
 * field of the same name is written as `fields.<name>` instead, so a caller can neither forge a
 * line's level or time nor lose the value it passed.
 *
 * Secrets registered with {@link Logger.addSecret} are masked in every line written, as a second
 * line of defence: code must still never pass a secret to the logger.
 *
 * Lambda functions do not construct one directly: `functionLogger` (./function-logger.ts) makes
 * theirs from the environment.
 */

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const LEVEL_ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };
const SECRET_MASK = '***';
/** The keys of every line, written by the logger. */
export const RESERVED_LOG_KEYS: ReadonlySet<string> = new Set(['level', 'timestamp', 'service', 'message']);
/** Where a caller's field with a reserved name goes. */
export const RENAMED_FIELD_PREFIX = 'fields.';

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
    const entry: Record<string, unknown> = { level, timestamp: new Date(this.clock()).toISOString(), service: this.options.service, message };
    addFields(entry, this.context);
    addFields(entry, fields);
    let line = JSON.stringify(entry, lineReplacer());
    for (const secret of this.secrets) line = line.split(secret).join(SECRET_MASK);
    this.write(line);
  }
}

/** Copies fields into a line; one with a reserved name is renamed, never written over the logger's own. */
function addFields(entry: Record<string, unknown>, fields: Record<string, unknown>): void {
  for (const key of Object.keys(fields)) entry[RESERVED_LOG_KEYS.has(key) ? `${RENAMED_FIELD_PREFIX}${key}` : key] = fields[key];
}

/**
 * The replacer of one line: errors as their name, message, own fields and cause chain (they are not
 * enumerable); a BigInt as its digits and a value that contains itself as "[Circular]", where
 * JSON.stringify would throw and take the caller down with the line.
 */
function lineReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  // The objects from the root to the one being written: [what was given, what is written].
  const ancestors: [unknown, unknown][] = [];
  return function (this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    while (ancestors.length > 0 && ancestors[ancestors.length - 1][1] !== this) ancestors.pop();
    if (ancestors.some(([given]) => given === value)) return '[Circular]';
    const written = value instanceof Error ? errorFields(value) : value;
    ancestors.push([value, written]);
    return written;
  };
}

function errorFields(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  for (const [k, v] of Object.entries(error)) out[k] = v;
  if (error.cause !== undefined) out.cause = error.cause;
  if (error.stack) out.stack = error.stack.split('\n').slice(0, 6).join('\n');
  return out;
}
