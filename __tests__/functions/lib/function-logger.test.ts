import { EnvironmentError } from '../../../functions/lib/env';
import { functionLogger } from '../../../functions/lib/function-logger';
import { LOG_LEVELS } from '../../../functions/lib/logger';

/** The levels of the lines a logger made from `env` writes when it logs once at each level. */
function levelsWritten(env: Record<string, string>): string[] {
  const lines: string[] = [];
  const logger = functionLogger('svc', env, { write: (line) => lines.push(line) });
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  return lines.map((line) => JSON.parse(line).level);
}

describe('functionLogger', () => {
  it('logs from INFO up when LOG_LEVEL is unset or blank', () => {
    expect(levelsWritten({})).toEqual(['INFO', 'WARN', 'ERROR']);
    expect(levelsWritten({ LOG_LEVEL: '  ' })).toEqual(['INFO', 'WARN', 'ERROR']);
  });

  it.each(LOG_LEVELS.map((level, i) => [level, LOG_LEVELS.slice(i)]))('logs from %s up when LOG_LEVEL says so, in any case', (level, expected) => {
    expect(levelsWritten({ LOG_LEVEL: level })).toEqual(expected);
    expect(levelsWritten({ LOG_LEVEL: ` ${level.toLowerCase()} ` })).toEqual(expected);
  });

  it('writes the service it is given', () => {
    const lines: string[] = [];
    functionLogger('bucket-logger', {}, { write: (line) => lines.push(line), clock: () => 0 }).info('hello');
    expect(JSON.parse(lines[0])).toEqual({ level: 'INFO', timestamp: '1970-01-01T00:00:00.000Z', service: 'bucket-logger', message: 'hello' });
  });

  it('refuses any other LOG_LEVEL with an error naming the variable, the value and the values allowed', () => {
    expect(() => functionLogger('svc', { LOG_LEVEL: 'x' })).toThrow(EnvironmentError);
    expect(() => functionLogger('svc', { LOG_LEVEL: 'x' })).toThrow('Environment variable LOG_LEVEL: "x" is not one of DEBUG, INFO, WARN, ERROR');
    expect(() => functionLogger('svc', { LOG_LEVEL: 'TRACE' })).toThrow(/LOG_LEVEL: "TRACE" is not one of/);
  });
});

describe.each([
  ['forwarder', '../../../functions/forwarder/handler'],
  ['notifier', '../../../functions/notifier/handler'],
  ['bucket-logger', '../../../functions/bucket-logger/handler'],
])('the %s handler', (_name, modulePath) => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('fails its cold start on a bad LOG_LEVEL', () => {
    // The other variables may be missing too: LOG_LEVEL is checked first and reported alone.
    process.env = { ...saved, LOG_LEVEL: 'verbose' };
    jest.isolateModules(() => {
      expect(() => require(modulePath)).toThrow('Environment variable LOG_LEVEL: "verbose" is not one of DEBUG, INFO, WARN, ERROR');
    });
  });
});
