/**
 * The logger of a Lambda function, made from its environment the same way for every function.
 *
 * | variable  | required | meaning                                                   |
 * | --------- | -------- | --------------------------------------------------------- |
 * | LOG_LEVEL | no       | DEBUG, INFO, WARN or ERROR (any case); default INFO       |
 *
 * Any other LOG_LEVEL fails the cold start with an {@link EnvironmentError}, as every other bad
 * variable does, rather than logging at INFO with a warning: a typo in LOG_LEVEL is a deployment
 * mistake like a typo in DT_ENV_URL, and falling back would hide it (the DEBUG lines asked for
 * while chasing a problem would silently not come). Stopping loses no event: every function's
 * asynchronous invocations are retried and then kept on its failure queue (stacks' NodeFunction),
 * and the error names the variable, the value and the values allowed. LOG_LEVEL is read once,
 * when the handler module loads.
 */
import { Env, EnvReader } from './env';
import { LOG_LEVELS, Logger, LoggerOptions } from './logger';

/**
 * A logger for `service` at the level LOG_LEVEL names; throws an {@link EnvironmentError} when it
 * names none. `options` replaces where lines go and the clock (tests).
 */
export function functionLogger(service: string, env: Env, options: Omit<LoggerOptions, 'service' | 'level'> = {}): Logger {
  const reader = new EnvReader(env);
  const level = reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'INFO');
  reader.done();
  return new Logger({ ...options, service, level });
}
