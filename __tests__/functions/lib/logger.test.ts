import { Logger } from '../../../functions/lib/logger';

describe('Logger', () => {
  it('writes one JSON object per line with level, time, service, context and fields', () => {
    const lines: string[] = [];
    const logger = new Logger({ service: 'svc', write: (l) => lines.push(l), clock: () => 0 });
    logger.appendContext({ requestId: 'r1' });
    logger.info('hello', { n: 1 });
    logger.debug('hidden');
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ level: 'INFO', timestamp: '1970-01-01T00:00:00.000Z', service: 'svc', message: 'hello', requestId: 'r1', n: 1 }]);
  });

  it('serializes errors with their cause', () => {
    const lines: string[] = [];
    const logger = new Logger({ service: 'svc', write: (l) => lines.push(l) });
    logger.error('failed', { error: new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'E1' }) }) });
    const { error } = JSON.parse(lines[0]);
    expect(error).toMatchObject({ name: 'Error', message: 'outer', cause: { message: 'inner', code: 'E1' } });
  });

  it('masks registered secrets in every line, also in children', () => {
    const lines: string[] = [];
    const logger = new Logger({ service: 'svc', write: (l) => lines.push(l) });
    const child = logger.child({ part: 'x' });
    logger.addSecret('dt0c01.SECRET');
    child.warn('token dt0c01.SECRET leaked', { header: 'Api-Token dt0c01.SECRET' });
    expect(lines[0]).not.toContain('dt0c01.SECRET');
    expect(JSON.parse(lines[0])).toMatchObject({ message: 'token *** leaked', header: 'Api-Token ***', part: 'x' });
  });
});
