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

/** Runs a command's body; user errors print their message and set the exit code. */
export async function runCli(body: () => unknown | Promise<unknown>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (USER_ERRORS.some((kind) => err instanceof kind) || (err instanceof Error && err.name === 'InvalidPatternError')) {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = err instanceof UsageError ? err.exitCode : 1;
      return;
    }
    throw err;
  }
}
