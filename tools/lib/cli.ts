import { parseArgs, ParseArgsConfig } from 'node:util';
import { AccountError } from '../../config/accounts';
import { NamingError } from '../../config/naming';
import { TopologyError } from '../../config/problems';

/**
 * Exit code of a mistake in a command line (an unknown option, a missing or stray argument) of
 * the commands that keep 1 for what their run found: forward, replay, tfc.
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
 * UsageError with the usage appended and `usageExitCode`. When the table has a `help` option and
 * it is given, the usage goes to stdout and the result is undefined: the command exits 0.
 */
export function parseCommandLine<O extends OptionTable>(argv: readonly string[], options: O, usage: string, usageExitCode = 1): ParsedCommandLine<O> | undefined {
  let parsed: ParsedCommandLine<O>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`, usageExitCode);
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    process.stdout.write(`${usage}\n`);
    return undefined;
  }
  return parsed;
}
