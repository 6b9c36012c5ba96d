import { Logger, RESERVED_LOG_KEYS } from '../../../functions/lib/logger';

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

  it('never throws on what it is given: a circular value, a BigInt; the line still goes out', () => {
    const lines: string[] = [];
    const logger = new Logger({ service: 'svc', write: (l) => lines.push(l), clock: () => 0 });
    const request: Record<string, unknown> = { host: 'example.com' };
    request.self = request;
    const error = Object.assign(new Error('socket hang up'), { request });
    expect(() => logger.error('publish failed', { key: 'k', error, size: BigInt(12) })).not.toThrow();
    expect(JSON.parse(lines[0])).toMatchObject({ message: 'publish failed', key: 'k', size: '12', error: { message: 'socket hang up', request: { host: 'example.com', self: '[Circular]' } } });
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

describe('reserved keys', () => {
  function line(build: (logger: Logger) => Logger, fields: Record<string, unknown>): Record<string, unknown> {
    const lines: string[] = [];
    const logger = build(new Logger({ service: 'svc', write: (l) => lines.push(l), clock: () => 0 }));
    logger.warn('the message', fields);
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]);
  }
  const own = { level: 'WARN', timestamp: '1970-01-01T00:00:00.000Z', service: 'svc', message: 'the message' };
  const forged = { level: 'DEBUG', timestamp: 'yesterday', service: 'other', message: 'forged' };

  it.each([...RESERVED_LOG_KEYS])('a field named %s does not replace the logger\'s own, and is kept as fields.%s', (key) => {
    const written = line((l) => l, { [key]: 'from the caller', other: 1 });
    expect(written).toEqual({ ...own, [`fields.${key}`]: 'from the caller', other: 1 });
  });

  it('holds for fields, child fields and appended context alike; other fields keep their names', () => {
    expect(line((l) => l, forged)).toEqual({ ...own, 'fields.level': 'DEBUG', 'fields.timestamp': 'yesterday', 'fields.service': 'other', 'fields.message': 'forged' });
    expect(line((l) => l.child({ service: 'child', part: 'x' }), {})).toEqual({ ...own, 'fields.service': 'child', part: 'x' });
    expect(
      line((l) => {
        l.appendContext({ level: 'ERROR', requestId: 'r1' });
        return l;
      }, { requestId: 'r2' }),
    ).toEqual({ ...own, 'fields.level': 'ERROR', requestId: 'r2' });
  });

  it('covers every key the logger writes itself', () => {
    expect(Object.keys(line((l) => l, {})).sort()).toEqual([...RESERVED_LOG_KEYS].sort());
  });
});
