import { compilePattern, InvalidPatternError, matchesPattern, validatePattern } from '../../../../functions/lib/event-pattern';

/** An envelope with `detail` as given. */
const event = (detail: Record<string, unknown>): Record<string, unknown> => ({
  version: '0',
  source: 'aws.ec2',
  'detail-type': 'AWS API Call via CloudTrail',
  account: '111122223333',
  region: 'eu-west-1',
  detail,
});

const on = (field: string, values: unknown[]) => ({ detail: { [field]: values } });
const matchesValue = (values: unknown[], value: unknown): boolean => matchesPattern(on('v', values), event({ v: value }));

function rejection(pattern: unknown): InvalidPatternError {
  try {
    compilePattern(pattern);
  } catch (err) {
    if (err instanceof InvalidPatternError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(pattern)} to be rejected`);
}

describe('exact values', () => {
  it('matches strings exactly and case-sensitively', () => {
    expect(matchesValue(['running'], 'running')).toBe(true);
    expect(matchesValue(['running'], 'Running')).toBe(false);
  });

  it('compares numbers as numbers, never with numeric strings', () => {
    expect(matchesValue([300], 300.0)).toBe(true);
    expect(matchesValue([3e2], 300)).toBe(true);
    expect(matchesValue([300], '300')).toBe(false);
    expect(matchesValue(['300'], 300)).toBe(false);
  });

  it('keeps booleans and null apart from their spellings', () => {
    expect(matchesValue([false], false)).toBe(true);
    expect(matchesValue([false], 'false')).toBe(false);
    expect(matchesValue([null], null)).toBe(true);
    expect(matchesValue([null], 'null')).toBe(false);
  });

  it('tells null from the empty string and from a missing field', () => {
    expect(matchesValue([''], '')).toBe(true);
    expect(matchesValue([''], null)).toBe(false);
    expect(matchesValue([null], '')).toBe(false);
    expect(matchesPattern(on('v', [null]), event({}))).toBe(false);
  });

  it('matches an IP address literal in any spelling of the same address', () => {
    expect(matchesValue(['2001:db8::1'], '2001:0db8:0000:0000:0000:0000:0000:0001')).toBe(true);
    expect(matchesValue(['10.0.0.1'], '10.0.0.2')).toBe(false);
  });

  it('matches the exactly operator on strings', () => {
    expect(matchesValue([{ exactly: 'a' }], 'a')).toBe(true);
    expect(rejection(on('v', [{ exactly: 1 }])).reason).toBe('exact match pattern must be a string');
  });
});

describe('prefix, suffix and equals-ignore-case', () => {
  it('matches prefixes and suffixes of strings only', () => {
    expect(matchesValue([{ prefix: 'us-' }], 'us-east-1')).toBe(true);
    expect(matchesValue([{ prefix: 'us-' }], 'eu-west-1')).toBe(false);
    expect(matchesValue([{ prefix: '1' }], 12)).toBe(false);
    expect(matchesValue([{ suffix: '.png' }], 'a.png')).toBe(true);
    expect(matchesValue([{ suffix: '.png' }], 'a.PNG')).toBe(false);
  });

  it('accepts the empty prefix, which any string has', () => {
    expect(matchesValue([{ prefix: '' }], 'anything')).toBe(true);
    expect(matchesValue([{ prefix: '' }], null)).toBe(false);
  });

  it('ignores case when asked to', () => {
    expect(matchesValue([{ prefix: { 'equals-ignore-case': 'EventB' } }], 'eventbridge')).toBe(true);
    expect(matchesValue([{ suffix: { 'equals-ignore-case': '.png' } }], 'IMAGE.PNG')).toBe(true);
    expect(matchesValue([{ 'equals-ignore-case': 'Stopped' }], 'STOPPED')).toBe(true);
    expect(matchesValue([{ 'equals-ignore-case': 'Stopped' }], 'stopping')).toBe(false);
  });

  it('rejects non-string operands and unknown inner operators', () => {
    expect(rejection(on('v', [{ prefix: ['x'] }])).reason).toBe('prefix match pattern must be a string');
    expect(rejection(on('v', [{ suffix: 1 }])).reason).toBe('suffix match pattern must be a string');
    expect(rejection(on('v', [{ prefix: { wildcard: 'x' } }])).reason).toBe('Unsupported prefix pattern: wildcard');
    expect(rejection(on('v', [{ 'equals-ignore-case': ['x'] }])).reason).toBe('equals-ignore-case match pattern must be a string');
  });
});

describe('wildcard', () => {
  it('matches any run of characters, including none, at each star', () => {
    expect(matchesValue([{ wildcard: 'arn:aws:s3:::*-logs/*' }], 'arn:aws:s3:::acme-logs/2024/01')).toBe(true);
    expect(matchesValue([{ wildcard: 'a*b*c' }], 'abc')).toBe(true);
    expect(matchesValue([{ wildcard: 'a*b*c' }], 'acb')).toBe(false);
    expect(matchesValue([{ wildcard: '*.txt' }], 'x.txt.bak')).toBe(false);
    expect(matchesValue([{ wildcard: 'ab*ba' }], 'aba')).toBe(false);
  });

  it('treats escaped stars and backslashes literally', () => {
    expect(matchesValue([{ wildcard: 'a\\*b' }], 'a*b')).toBe(true);
    expect(matchesValue([{ wildcard: 'a\\*b' }], 'axb')).toBe(false);
    expect(matchesValue([{ wildcard: 'a\\\\*' }], 'a\\bc')).toBe(true);
  });

  it('rejects consecutive stars, bad escapes and too many repeating wildcards', () => {
    expect(rejection(on('v', [{ wildcard: 'a**b' }])).reason).toBe('Consecutive wildcard characters at pos 2');
    expect(rejection(on('v', [{ wildcard: 'a\\b' }])).reason).toBe('Invalid escape character at pos 1');
    expect(rejection(on('v', [{ wildcard: '*:*:*:*:*:event-bus/*' }])).reason).toMatch(/^Rule is too complex/);
  });

  it('weighs the wildcards of one field together', () => {
    const keys = (exts: string[]) => on('key', exts.map((ext) => ({ wildcard: `*/datasync/*.${ext}` })));
    expect(validatePattern(keys(['bif', 'tif']))).toEqual([]);
    expect(validatePattern(keys(['bif', 'tif', 'tiff', 'svs']))).toEqual([expect.stringMatching(/^detail\.key: Rule is too complex/)]);
  });
});

describe('anything-but', () => {
  it('matches every present value except the listed ones, null included', () => {
    expect(matchesValue([{ 'anything-but': 'stopped' }], 'running')).toBe(true);
    expect(matchesValue([{ 'anything-but': 'stopped' }], 'stopped')).toBe(false);
    expect(matchesValue([{ 'anything-but': 'stopped' }], null)).toBe(true);
    expect(matchesValue([{ 'anything-but': [100, 200] }], 200)).toBe(false);
    expect(matchesValue([{ 'anything-but': [100, 200] }], '200')).toBe(true);
  });

  it('never matches a missing field', () => {
    expect(matchesPattern(on('v', [{ 'anything-but': 'x' }]), event({}))).toBe(false);
  });

  it('excludes by prefix, suffix, case-insensitive value and wildcard, passing non-strings', () => {
    expect(matchesValue([{ 'anything-but': { prefix: 'init' } }], 'initializing')).toBe(false);
    expect(matchesValue([{ 'anything-but': { prefix: ['init', 'err'] } }], 'running')).toBe(true);
    expect(matchesValue([{ 'anything-but': { suffix: '.tmp' } }], 'a.tmp')).toBe(false);
    expect(matchesValue([{ 'anything-but': { 'equals-ignore-case': ['Stopped'] } }], 'STOPPED')).toBe(false);
    expect(matchesValue([{ 'anything-but': { wildcard: '*/lib/*' } }], 'src/lib/a.ts')).toBe(false);
    expect(matchesValue([{ 'anything-but': { wildcard: '*/lib/*' } }], 'src/bin/a.ts')).toBe(true);
    expect(matchesValue([{ 'anything-but': { prefix: 'init' } }], 42)).toBe(true);
  });

  it('rejects mixed, empty and typeless lists and unsupported forms', () => {
    const mixed = 'Inside anything but list, either all values are number or string, mixed type is not supported';
    expect(rejection(on('v', [{ 'anything-but': ['a', 1] }])).reason).toBe(mixed);
    expect(rejection(on('v', [{ 'anything-but': [] }])).reason).toBe(mixed);
    expect(rejection(on('v', [{ 'anything-but': [true] }])).reason).toBe('Inside anything but list, start|null|boolean is not supported.');
    expect(rejection(on('v', [{ 'anything-but': null }])).reason).toBe('Value of anything-but must be an array or single string/number value.');
    expect(rejection(on('v', [{ 'anything-but': { numeric: ['>', 1] } }])).reason).toBe('Unsupported anything-but pattern: numeric');
    expect(rejection(on('v', [{ 'anything-but': { prefix: '' } }])).reason).toBe('Null prefix/suffix not allowed');
  });
});

describe('numeric', () => {
  it('matches open, closed and two-sided ranges and equality on JSON numbers only', () => {
    expect(matchesValue([{ numeric: ['>', 0, '<=', 5] }], 5)).toBe(true);
    expect(matchesValue([{ numeric: ['>', 0, '<=', 5] }], 0)).toBe(false);
    expect(matchesValue([{ numeric: ['>=', 0, '<', 5] }], 5)).toBe(false);
    expect(matchesValue([{ numeric: ['<', 10] }], -1e9)).toBe(true);
    expect(matchesValue([{ numeric: ['=', 3.018e2] }], 301.8)).toBe(true);
    expect(matchesValue([{ numeric: ['>', 100] }], '300')).toBe(false);
  });

  it('rejects malformed expressions with the reason', () => {
    const reason = (terms: unknown) => rejection(on('v', [{ numeric: terms }])).reason;
    expect(reason(10)).toBe('Value of numeric must be an array.');
    expect(reason(['>', 0, '>', 5])).toBe('Bad numeric range operator: >');
    expect(reason(['>', 0, '<'])).toBe('Value of < must be numeric');
    expect(reason(['<', 5, '>', 0])).toBe('Too many elements in numeric expression');
    expect(reason(['>', 5, '<', 5])).toBe('Bottom must be less than top');
    expect(reason(['!=', 5])).toBe('Unrecognized numeric range operator: !=');
    expect(reason(['=', '5'])).toBe('Value of equals must be numeric');
  });
});

describe('cidr', () => {
  it('matches IPv4 and IPv6 addresses inside the block', () => {
    expect(matchesValue([{ cidr: '10.0.0.0/24' }], '10.0.0.255')).toBe(true);
    expect(matchesValue([{ cidr: '10.0.0.0/24' }], '10.0.1.0')).toBe(false);
    expect(matchesValue([{ cidr: '2001:db8:1234:1a00::/64' }], '2001:db8:1234:1a00:ffff::1')).toBe(true);
    expect(matchesValue([{ cidr: '2001:db8:1234:1a00::/64' }], '2001:db8:1234:1a01::')).toBe(false);
  });

  it('does not match other address families, hostnames or numbers', () => {
    expect(matchesValue([{ cidr: '10.0.0.0/8' }], '::ffff:1')).toBe(false);
    expect(matchesValue([{ cidr: '10.0.0.0/8' }], 'ec2.amazonaws.com')).toBe(false);
    expect(matchesValue([{ cidr: '10.0.0.0/8' }], 10)).toBe(false);
  });

  it('rejects malformed blocks with the reason', () => {
    const reason = (cidr: unknown) => rejection(on('v', [{ cidr }])).reason;
    expect(reason('10.0.0.0')).toBe("Malformed CIDR, one '/' required");
    expect(reason('10.0.0.0/x')).toBe('Malformed CIDR, mask bits must be an integer');
    expect(reason('10.0.0.0/33')).toBe('IPv4 mask bits must be < 32');
    expect(reason('10.0.0.300/8')).toBe('Invalid IP address: 10.0.0.300');
    expect(reason(['10.0.0.0/8'])).toBe('prefix match pattern must be a string');
  });
});

describe('exists', () => {
  it('matches presence of a leaf, null included, and absence otherwise', () => {
    expect(matchesValue([{ exists: true }], null)).toBe(true);
    expect(matchesPattern(on('v', [{ exists: true }]), event({}))).toBe(false);
    expect(matchesPattern(on('v', [{ exists: false }]), event({}))).toBe(true);
    expect(matchesValue([{ exists: false }], 'x')).toBe(false);
  });

  it('looks at leaf fields only: an object or an empty array is not a present leaf', () => {
    expect(matchesValue([{ exists: true }], { nested: 1 })).toBe(false);
    expect(matchesValue([{ exists: false }], { nested: 1 })).toBe(true);
    expect(matchesValue([{ exists: false }], [])).toBe(true);
  });

  it('rejects non-boolean operands', () => {
    expect(rejection(on('v', [{ exists: 'true' }])).reason).toBe('exists match pattern must be either true or false.');
  });
});

describe('$or', () => {
  const pattern = {
    source: ['aws.cloudwatch'],
    $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }],
  };

  it('matches when any alternative holds together with the fields beside it', () => {
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType' })).toBe(false);
    expect(matchesPattern(pattern, { source: 'aws.ec2', metricName: 'CPUUtilization' })).toBe(false);
  });

  it('nests inside objects and inside other alternatives', () => {
    const nested = { detail: { $or: [{ a: [1] }, { b: [2], $or: [{ c: [3] }, { d: [4] }] }] } };
    expect(matchesPattern(nested, { detail: { b: 2, d: 4 } })).toBe(true);
    expect(matchesPattern(nested, { detail: { b: 2 } })).toBe(false);
  });

  it('rejects a single alternative and operator names used as fields inside it', () => {
    expect(rejection({ $or: [{ a: [1] }] }).reason).toBe('There must have at least 2 Objects in $or relationship.');
    expect(rejection({ $or: [{ prefix: ['a'] }, { b: [1] }] }).path).toBe('$or[0].prefix');
  });

  it('stays an ordinary field name when followed by an object', () => {
    expect(matchesPattern({ $or: { a: ['x'] } }, { $or: { a: 'x' } })).toBe(true);
  });
});

describe('arrays and nesting in the event', () => {
  it('matches when any element of an array matches', () => {
    expect(matchesPattern({ resources: ['arn:b'] }, { resources: ['arn:a', 'arn:b'] })).toBe(true);
    expect(matchesPattern({ resources: ['arn:c'] }, { resources: ['arn:a', 'arn:b'] })).toBe(false);
  });

  it('flattens arrays of objects, nested arrays included', () => {
    const employees = { employees: [[{ first: 'John', last: 'Doe' }, { first: 'Anna', last: 'Smith' }], [{ first: 'Peter', last: 'Jones' }]] };
    expect(matchesPattern({ employees: { first: ['Anna'] } }, employees)).toBe(true);
    expect(matchesPattern({ employees: { first: ['Anna'], last: ['Smith'] } }, employees)).toBe(true);
  });

  it('never pairs fields from different elements of one array', () => {
    const employees = { employees: [[{ first: 'John', last: 'Doe' }, { first: 'Anna', last: 'Smith' }], [{ first: 'Peter', last: 'Jones' }]] };
    expect(matchesPattern({ employees: { first: ['Anna'], last: ['Jones'] } }, employees)).toBe(false);
    expect(matchesPattern({ employees: { first: ['Anna'], last: ['Doe'] } }, employees)).toBe(false);
  });

  it('joins keys with dots on both sides', () => {
    expect(matchesPattern({ detail: { 'state.status': ['running'] } }, { detail: { state: { status: 'running' } } })).toBe(true);
    expect(matchesPattern({ detail: { state: { status: ['running'] } } }, { detail: { 'state.status': 'running' } })).toBe(true);
  });

  it('does not parse JSON held in a string', () => {
    expect(matchesPattern({ detail: { key: ['value'] } }, { detail: '{"key": "value"}' })).toBe(false);
  });

  it('matches nothing when the event is not an object', () => {
    expect(compilePattern({ source: [{ exists: false }] }).matches(null)).toBe(false);
    expect(compilePattern({ source: [{ exists: false }] }).matches(['x'])).toBe(false);
  });
});

describe('pattern structure', () => {
  it('rejects leaves that are not arrays, empty arrays and empty objects', () => {
    expect(rejection({ source: 'aws.ec2' }).reason).toBe('"source" must be an object or an array');
    expect(rejection({ source: [] }).reason).toBe('Empty arrays are not allowed');
    expect(rejection({ detail: {} }).reason).toBe('Empty objects are not allowed');
    expect(rejection({ source: [['a']] }).reason).toBe('Match value must be String, number, true, false, or null');
  });

  it('rejects a pattern that is not an object', () => {
    expect(rejection(['source']).reason).toBe('Filter is not an object');
    expect(rejection('{"source": ["x"]}').reason).toBe('Filter is not an object');
  });

  it('rejects unknown, miscased and doubled operators', () => {
    expect(rejection(on('v', [{ EXISTS: true }])).reason).toBe('Unrecognized match type EXISTS');
    expect(rejection(on('v', [{ prefix: 'a', suffix: 'b' }])).reason).toBe('Only one key allowed in match expression');
    expect(rejection(on('v', [{}])).reason).toBe('Match expression name not found');
  });

  it('names the path of each problem and reports all of them', () => {
    const problems = validatePattern({ detail: { eventName: ['a', { prefix: 1 }], count: [{ numeric: ['>'] }] }, source: [] });
    expect(problems).toEqual([
      'detail.eventName[1].prefix: prefix match pattern must be a string',
      'detail.count[0].numeric: Value of > must be numeric',
      'source: Empty arrays are not allowed',
    ]);
    const error = rejection({ detail: { eventName: [{ prefix: 1 }] } });
    expect(error.path).toBe('detail.eventName[0].prefix');
    expect(error.message).toMatch(/detail\.eventName\[0\]\.prefix: prefix match pattern must be a string/);
  });

  it('validates a correct pattern to no problems', () => {
    expect(validatePattern({ source: ['aws.s3'], detail: { eventName: ['CreateBucket'] } })).toEqual([]);
  });
});
