import { UsageError } from './cli';

/**
 * cdktf records a complete stack trace (Error.stackTraceLimit raised to MAX_SAFE_INTEGER, `.stack`
 * read at once) for every token it creates: each Lazy, Intrinsic, reference and computed list.
 * Under tsx, which turns source maps on, every frame is mapped back to TypeScript: at 500 source
 * stacks that was 12.5 s of a 35 s synth. The traces are only read when a token fails to resolve
 * ("Object creation stack: ..."), and cdktf has no switch for them (aws-cdk has
 * CDK_DISABLE_STACK_TRACE). So synth records none, unless this variable asks for them while
 * debugging such an error.
 */
export const CREATION_STACKS_ENV = 'TRAILBRIDGE_CREATION_STACKS';

/**
 * cdktf's own capture module, whose export every token constructor looks up at each call
 * (`(0, stack_trace_1.captureStackTrace)()`), so replacing the export reaches them all. It is
 * private to cdktf 0.21: the test of this module fails if a cdktf (or CDK Terrain) release moves it.
 */
const cdktfStackTrace: { captureStackTrace: (below?: Function) => string[] } = require('cdktf/lib/tokens/private/stack-trace');

const NO_CREATION_STACK = (): string[] => [];

/** Whether the environment asks for creation stacks: 1/true keeps them, 0/false/unset drops them. */
export function creationStacksWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[CREATION_STACKS_ENV]?.trim().toLowerCase() ?? '';
  if (value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new UsageError(`Environment variable ${CREATION_STACKS_ENV}: ${JSON.stringify(env[CREATION_STACKS_ENV])} is not 1, true, 0 or false; set it to 1 to record cdktf's token creation stacks, or unset it`);
}

/**
 * Runs a synchronous construction-and-synth body with cdktf's token creation stacks off (unless
 * TRAILBRIDGE_CREATION_STACKS=1), and puts cdktf's capture back afterwards, also when the body
 * throws. Error objects are not touched: an error of ours keeps its message and stack.
 */
export function withoutCreationStacks<T>(body: () => T, env: NodeJS.ProcessEnv = process.env): T {
  if (creationStacksWanted(env)) return body();
  const previous = cdktfStackTrace.captureStackTrace;
  cdktfStackTrace.captureStackTrace = NO_CREATION_STACK;
  try {
    return body();
  } finally {
    cdktfStackTrace.captureStackTrace = previous;
  }
}
