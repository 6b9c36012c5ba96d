import { parseArgs, ParseArgsConfig } from 'node:util';
import { AccountError } from '../../config/accounts';
import { NamingError } from '../../config/naming';
import { TopologyError } from '../../config/problems';

/**
 * Exit code of a mistake in a command line (an unknown option, an unknown or missing command, a
 * stray argument, a bad option value), in every command: 1 stays for what a run found (a failed
 * check, records ticketed, an invalid topology), so a script can tell the two apart.
 */
export const USAGE_EXIT_CODE = 2;

/** Errors a user fixes in their input: printed as a message, without a stack trace. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UsageError';
  }
}

const USER_ERRORS = [TopologyError, NamingError, AccountError, UsageError];

/** Runs a command's body; a number it returns is the exit code; user errors print their message and set it. */
export async function runCli(body: () => unknown | Promise<unknown>): Promise<void> {
  try {
    const result = await body();
    if (typeof result === 'number') process.exitCode = result;
  } catch (err) {
    if (USER_ERRORS.some((kind) => err instanceof kind) || (err instanceof Error && err.name === 'InvalidPatternError')) {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = err instanceof UsageError ? err.exitCode : 1;
      return;
    }
    throw err;
  }
}

type OptionTable = NonNullable<ParseArgsConfig['options']>;
type ParsedCommandLine<O extends OptionTable> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>;

/**
 * Parses a command line against its option table (positionals allowed). A mistake is a
 * UsageError with the usage appended and {@link USAGE_EXIT_CODE}. When the table has a `help` option and
 * it is given, the usage goes to stdout and the result is undefined: the command exits 0.
 */
export function parseCommandLine<O extends OptionTable>(argv: readonly string[], options: O, usage: string): ParsedCommandLine<O> | undefined {
  let parsed: ParsedCommandLine<O>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`, USAGE_EXIT_CODE);
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    process.stdout.write(`${usage}\n`);
    return undefined;
  }
  return parsed;
}

/**
 * Parses the command line of a command that takes no argument but --help: undefined when --help
 * printed the usage (the command exits 0 without doing anything).
 */
export function parseNoArguments(argv: readonly string[], usage: string): true | undefined {
  const parsed = parseCommandLine(argv, { help: { type: 'boolean', short: 'h', default: false } }, usage);
  if (!parsed) return undefined;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}\n${usage}`, USAGE_EXIT_CODE);
  return true;
}
