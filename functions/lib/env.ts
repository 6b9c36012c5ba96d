/**
 * Typed readers for Lambda environment variables.
 *
 * Every reader trims the value and treats an empty string as unset, so a variable set to "" by a
 * template behaves like a missing one. Problems are collected by {@link EnvReader} and thrown
 * once, so an operator sees every bad variable in a single cold-start error.
 */

/** Thrown when the environment is incomplete or malformed. */
export class EnvironmentError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid environment:\n  - ${problems.join('\n  - ')}`);
    this.name = 'EnvironmentError';
    this.problems = problems;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Hosts a URL with a secret may reach over plain http: this machine only (WHATWG URL hostnames). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Collects every problem while reading, then {@link EnvReader.done} throws them together. */
export class EnvReader {
  private readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when unset or blank. */
  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) {
      this.problems.push(`Environment variable ${name} is required`);
      return '';
    }
    return value;
  }

  /** An integer within [min, max] (or 0, with `zeroTurnsOff`); the default applies when unset. */
  int(name: string, defaultValue: number, min: number, max: number, opts: { zeroTurnsOff?: boolean } = {}): number {
    const raw = this.optional(name);
    if (raw === undefined) return defaultValue;
    // Decimal digits only: Number() would also take "0x10", "1e3" or "0b1".
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (opts.zeroTurnsOff && value === 0) return 0;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`Environment variable ${name}: ${JSON.stringify(raw)} is not ${opts.zeroTurnsOff ? '0 or ' : ''}an integer in [${min}, ${max}]`);
      return defaultValue;
    }
    return value;
  }

  /** One of the allowed values (compared case-insensitively, returned as listed); the default applies when unset. */
  oneOf<T extends string>(name: string, allowed: readonly T[], defaultValue: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return defaultValue;
    const found = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (found === undefined) {
      this.problems.push(`Environment variable ${name}: ${JSON.stringify(raw)} is not one of ${allowed.join(', ')}`);
      return defaultValue;
    }
    return found;
  }

  /**
   * An http(s) URL without query or fragment; trailing slashes removed. `secret` names what the
   * URL is sent with (a token): then http is refused but to this machine (local tests).
   */
  url(name: string, opts: { required: true; secret?: string }): string;
  url(name: string, opts?: { required?: boolean; secret?: string }): string | undefined;
  url(name: string, opts: { required?: boolean; secret?: string } = {}): string | undefined {
    const raw = opts.required ? this.required(name) : this.optional(name);
    if (!raw) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      this.problems.push(`Environment variable ${name}: ${JSON.stringify(raw)} is not a URL; write it as https://host[:port][/path]`);
      return raw;
    }
    if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.search || parsed.hash) {
      this.problems.push(`Environment variable ${name}: ${JSON.stringify(raw)} must be an http(s) URL without query or fragment`);
    } else if (opts.secret && parsed.protocol === 'http:' && !LOOPBACK_HOSTS.has(parsed.hostname)) {
      this.problems.push(`Environment variable ${name}: ${JSON.stringify(raw)} would send the ${opts.secret} unencrypted; use https:// (http:// only for localhost, 127.0.0.1 or [::1])`);
    }
    return raw.replace(/\/+$/, '');
  }

  /** Throws an {@link EnvironmentError} listing every problem found so far. */
  done(): void {
    if (this.problems.length > 0) throw new EnvironmentError(this.problems);
  }
}
