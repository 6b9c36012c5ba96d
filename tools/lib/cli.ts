import { NamingError } from '../../config/naming';
import { TopologyError } from '../../config/problems';

/** Errors a user fixes in their input: printed as a message, without a stack trace. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UsageError';
  }
}

const USER_ERRORS = [TopologyError, NamingError, UsageError];

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
