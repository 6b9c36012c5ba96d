import { convertSigmaRule, parseSigmaRule, SigmaRuleError } from '../../../config/sigma';
import { matchesPattern, validatePattern } from '../../../functions/lib/event-pattern';

/** A CloudTrail rule with the given detection lines (YAML, indented under detection:). */
function rule(detection: string, extra = ''): string {
  return `title: Test rule\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n${detection}\n${extra}`;
}

const convert = (detection: string, extra = '') => convertSigmaRule(parseSigmaRule('test.yml', rule(detection, extra)));
const envelope = (detail: Record<string, unknown>) => ({ 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.s3', detail });

describe('convertSigmaRule', () => {
  test('matches string values ignoring case, as the specification says all values are', () => {
    const c = convert('    sel:\n        eventName: GetObject\n    condition: sel');
    expect(c.status).toBe('exact');
    expect(matchesPattern(c.pattern, envelope({ eventName: 'getobject' }))).toBe(true);
    expect(matchesPattern(c.pattern, envelope({ eventName: 'GetObjects' }))).toBe(false);
  });

  test('matches events of AWS only: an event put with the CloudTrail detail-type and another source is not a CloudTrail record', () => {
    const c = convert('    sel:\n        eventName: DeleteTrail\n    condition: sel');
    expect(c.pattern!.source).toEqual([{ prefix: 'aws.' }]);
    expect(matchesPattern(c.pattern, envelope({ eventName: 'DeleteTrail' }))).toBe(true);
    expect(matchesPattern(c.pattern, { ...envelope({ eventName: 'DeleteTrail' }), source: 'forged.cloudtrail' })).toBe(false);
  });

  test('startswith and endswith become prefix and suffix with equals-ignore-case, and stay exact', () => {
    const c = convert("    sel:\n        eventName|startswith: 'Put'\n        userAgent|endswith: 'CLI'\n    condition: sel");
    expect(c.status).toBe('exact');
    expect(c.pattern!.detail).toEqual({ eventName: [{ prefix: { 'equals-ignore-case': 'Put' } }], userAgent: [{ suffix: { 'equals-ignore-case': 'CLI' } }] });
  });

  test('contains is approximate, naming the field and EventBridge wildcards being case-sensitive', () => {
    const c = convert("    sel:\n        userAgent|contains: 'S3 Browser'\n    condition: sel");
    expect(c.status).toBe('approximate');
    expect(c.reasons.join()).toMatch(/detection\.sel\.userAgent\|contains: EventBridge wildcards are case-sensitive/);
  });

  test('contains of text without letters, or with |cased, is exact', () => {
    expect(convert("    sel:\n        sourceIPAddress|contains: ':'\n    condition: sel").status).toBe('exact');
    const cased = convert("    sel:\n        userAgent|contains|cased: 'Boto3'\n    condition: sel");
    expect(cased.status).toBe('exact');
    expect(cased.pattern!.detail).toEqual({ userAgent: [{ wildcard: '*Boto3*' }] });
  });

  test('escaped wildcards are literal, and a literal star is escaped for EventBridge', () => {
    const c = convert("    sel:\n        requestParameters.key|cased: 'a\\*b*'\n    condition: sel");
    expect(c.pattern!.detail).toEqual({ requestParameters: { key: [{ prefix: 'a*b' }] } });
    const w = convert("    sel:\n        requestParameters.key|cased: '*a\\*b*'\n    condition: sel");
    expect(w.pattern!.detail).toEqual({ requestParameters: { key: [{ wildcard: '*a\\*b*' }] } });
  });

  test('? is approximate: EventBridge wildcards have no single-character form', () => {
    const c = convert("    sel:\n        eventName|cased: 'Get?bject'\n    condition: sel");
    expect(c.status).toBe('approximate');
    expect(c.reasons.join()).toMatch(/`\?` \(one character\) becomes `\*`/);
  });

  test('null means missing or null, and not null means any other value', () => {
    const c = convert('    sel:\n        eventName: X\n    empty:\n        errorCode: null\n    condition: sel and not empty');
    expect(c.status).toBe('exact');
    expect(matchesPattern(c.pattern, envelope({ eventName: 'X', errorCode: 'AccessDenied' }))).toBe(true);
    expect(matchesPattern(c.pattern, envelope({ eventName: 'X', errorCode: null }))).toBe(false);
    expect(matchesPattern(c.pattern, envelope({ eventName: 'X' }))).toBe(false);
  });

  test("not of a selection also holds when the field is missing, as Sigma's not does", () => {
    const c = convert("    sel:\n        eventName: X\n    filter:\n        userIdentity.type: 'AssumedRole'\n    condition: sel and not filter");
    expect(matchesPattern(c.pattern, envelope({ eventName: 'X' }))).toBe(true);
    expect(matchesPattern(c.pattern, envelope({ eventName: 'X', userIdentity: { type: 'assumedrole' } }))).toBe(false);
  });

  test('not of a map of two fields is $or of the two negations', () => {
    const c = convert('    sel:\n        eventName: X\n    filter:\n        userIdentity.type: Root\n        eventType: AwsApiCall\n    condition: sel and not filter');
    expect(c.status).toBe('exact');
    expect(Object.keys(c.pattern!.detail as object)).toEqual(['eventName', '$or']);
    expect(matchesPattern(c.pattern, envelope({ eventName: 'X', userIdentity: { type: 'Root' }, eventType: 'AwsServiceEvent' }))).toBe(true);
    expect(matchesPattern(c.pattern, envelope({ eventName: 'X', userIdentity: { type: 'Root' }, eventType: 'AwsApiCall' }))).toBe(false);
  });

  test('1 of, all of and them follow the specification, them leaving out identifiers starting with _', () => {
    const oneOf = convert('    sel_a:\n        eventName: A\n    sel_b:\n        eventName: B\n    _c:\n        eventName: C\n    condition: 1 of them');
    expect(oneOf.pattern!.detail).toEqual({ eventName: [{ 'equals-ignore-case': 'A' }, { 'equals-ignore-case': 'B' }] });
    const allOf = convert('    sel_a:\n        eventName: A\n    sel_b:\n        eventSource: B\n    condition: all of sel_*');
    expect(allOf.pattern!.detail).toEqual({ eventName: [{ 'equals-ignore-case': 'A' }], eventSource: [{ 'equals-ignore-case': 'B' }] });
  });

  test('and binds tighter than or; parentheses change it', () => {
    const flat = convert('    a:\n        eventName: A\n    b:\n        eventSource: B\n    c:\n        awsRegion: C\n    condition: a or b and c');
    expect(matchesPattern(flat.pattern, envelope({ eventName: 'A' }))).toBe(true);
    const grouped = convert('    a:\n        eventName: A\n    b:\n        eventSource: B\n    c:\n        awsRegion: C\n    condition: (a or b) and c');
    expect(matchesPattern(grouped.pattern, envelope({ eventName: 'A' }))).toBe(false);
    expect(matchesPattern(grouped.pattern, envelope({ eventName: 'A', awsRegion: 'c' }))).toBe(true);
  });

  test('a value that reads as true or a number also matches the JSON boolean or number', () => {
    const c = convert("    sel:\n        responseElements.publiclyAccessible: 'true'\n        requestParameters.port: 22\n    condition: sel");
    expect(c.status).toBe('exact');
    expect(matchesPattern(c.pattern, envelope({ responseElements: { publiclyAccessible: true }, requestParameters: { port: 22 } }))).toBe(true);
  });

  test('|cidr takes IPv4 and IPv6 networks (a /32 or a bare IPv4 address as the address), |lt |lte |gt |gte numbers', () => {
    const c = convert(
      "    sel:\n        sourceIPAddress|cidr:\n            - 10.0.0.0/8\n            - 192.0.2.7/32\n            - 198.51.100.9\n            - '2001:db8::/32'\n        requestParameters.port|gte: 1024\n        requestParameters.maxResults|lt: 0x10\n    condition: sel",
    );
    expect(c.status).toBe('approximate');
    expect(c.pattern!.detail).toEqual({
      sourceIPAddress: [{ cidr: '10.0.0.0/8' }, '192.0.2.7', '198.51.100.9', { cidr: '2001:db8::/32' }],
      requestParameters: { port: [{ numeric: ['>=', 1024] }], maxResults: [{ numeric: ['<', 16] }] },
    });
    expect(matchesPattern(c.pattern, envelope({ sourceIPAddress: '198.51.100.9', requestParameters: { port: 8080, maxResults: 5 } }))).toBe(true);
  });

  test.each([
    ['re', "eventName|re: '^Get.*'", /`\|re`: EventBridge patterns have no regular expressions/],
    ['fieldref', 'userIdentity.arn|fieldref: requestParameters.userName', /`\|fieldref` compares two fields/],
    ['base64', "requestParameters.x|base64: 'abc'", /`\|base64` is not implemented/],
  ])('|%s is unsupported with the reason', (_name, line, reason) => {
    const c = convert(`    sel:\n        ${line}\n    condition: sel`);
    expect(c.status).toBe('unsupported');
    expect(c.pattern).toBeUndefined();
    expect(c.reasons.join()).toMatch(reason);
  });

  test('a keyword search and a correlation rule are unsupported, with the reason', () => {
    expect(convert("    keywords:\n        - 'evil'\n    condition: keywords").reasons.join()).toMatch(/keyword search over the whole event/);
    const correlation = convertSigmaRule(parseSigmaRule('c.yml', 'title: C\ncorrelation:\n    type: event_count\n    rules: [a]\n'));
    expect(correlation).toMatchObject({ status: 'unsupported', reasons: [expect.stringMatching(/^correlation rule/)] });
  });

  test.each([
    ['deprecated', /^status: deprecated: the rule is replaced by another \(its related rules\); convert that one instead$/],
    ['unsupported', /^status: unsupported: the rule says it cannot be used as it stands$/],
  ])('a rule whose status is %s is unsupported, saying so', (status, reason) => {
    const c = convert('    sel:\n        eventName: X\n    condition: sel', `status: ${status}\n`);
    expect(c).toMatchObject({ status: 'unsupported', reasons: [expect.stringMatching(reason)] });
    expect(c.pattern).toBeUndefined();
    expect(convert('    sel:\n        eventName: X\n    condition: sel', 'status: experimental\n').status).toBe('exact');
  });

  test('a rule for another log source is unsupported', () => {
    const c = convertSigmaRule(parseSigmaRule('w.yml', 'title: W\nlogsource:\n    product: windows\ndetection:\n    sel:\n        EventID: 1\n    condition: sel\n'));
    expect(c).toMatchObject({ status: 'unsupported', reasons: [expect.stringMatching(/only product aws, service cloudtrail converts/)] });
  });

  test('a pattern EventBridge would reject is unsupported with the validator reason', () => {
    const names = Array.from({ length: 200 }, (_, i) => `        - 'SomeRatherLongEventName${i}'`).join('\n');
    const c = convert(`    sel:\n        eventName:\n${names}\n    condition: sel`);
    expect(c.status).toBe('unsupported');
    expect(c.reasons.join()).toMatch(/EventBridge would reject the pattern: the pattern is \d+ characters; EventBridge accepts at most 4096/);
  });

  test('every converted pattern passes the shared validator', () => {
    const c = convert("    sel:\n        eventName|contains|all:\n            - 'a*b'\n            - 'c'\n    condition: sel");
    expect(c.status).toBe('approximate');
    expect(c.reasons.join()).toMatch(/a second test of eventName in one alternative/);
    expect(validatePattern(c.pattern)).toEqual([]);
  });
});

describe('parseSigmaRule', () => {
  const invalid = (text: string) => {
    try {
      parseSigmaRule('bad.yml', text);
    } catch (err) {
      return err as SigmaRuleError;
    }
    throw new Error('parsed');
  };

  test.each([
    ['a missing title', 'logsource: {product: aws}\ndetection: {sel: {a: 1}, condition: sel}\n', 'title', /is required/],
    ['an unknown modifier', rule('    sel:\n        eventName|contians: a\n    condition: sel'), 'detection.sel.eventName|contians', /"contians" is not a Sigma value modifier/],
    ['an unknown identifier', rule('    sel:\n        eventName: a\n    condition: sel and filter'), 'detection.condition', /"filter" is not a search identifier of this rule; it has sel/],
    ['an unclosed parenthesis', rule('    sel:\n        eventName: a\n    condition: (sel'), 'detection.condition', /"\(" is not closed|ends too early/],
    ['a pattern naming nothing', rule('    sel:\n        eventName: a\n    condition: 1 of filter*'), 'detection.condition', /"filter\*" names no search identifier/],
    ['null in a list', rule("    sel:\n        eventName:\n            - a\n            - null\n    condition: sel"), 'detection.sel.eventName', /null cannot be part of a list/],
    ['|all with one value', rule("    sel:\n        eventName|all: a\n    condition: sel"), 'detection.sel.eventName|all', /\|all needs a list of at least two values/],
    ['a bad level', rule('    sel:\n        eventName: a\n    condition: sel', 'level: severe'), 'level', /"severe" is not a Sigma level/],
    ['a bad status', rule('    sel:\n        eventName: a\n    condition: sel', 'status: production'), 'status', /"production" is not a Sigma status; use one of stable, test, experimental, deprecated, unsupported/],
    ['a nested map as a value', rule('    sel:\n        requestParameters:\n            bucketName: x\n    condition: sel'), 'detection.sel.requestParameters', /a value must be a string, number, boolean or null; for a field inside an object write its path with dots, e\.g\. requestParameters\.bucketName/],
    ['broken YAML', 'title: [x\n', '(line 2)', /not valid YAML/],
    ['several YAML documents', `${rule('    sel:\n        eventName: a\n    condition: sel')}---\ntitle: Second\n`, '(line 10)', /holds more than one YAML document .*; put each rule in a file of its own$/],
    ['|exists with a list', rule('    sel:\n        errorCode|exists:\n            - true\n            - false\n    condition: sel'), 'detection.sel.errorCode|exists', /\|exists takes one value, true or false/],
    ['|exists with a text', rule("    sel:\n        errorCode|exists: 'yes'\n    condition: sel"), 'detection.sel.errorCode|exists', /\|exists takes one value, true or false; got "yes"/],
    ['|exists with another modifier', rule('    sel:\n        errorCode|contains|exists: true\n    condition: sel'), 'detection.sel.errorCode|contains|exists', /\|exists stands alone; drop \|contains/],
    ['a Sigma 1 aggregation', rule('    sel:\n        eventName: a\n    condition: sel | count() by userIdentity.arn > 5'), 'detection.condition', /aggregations \(`\| count\(\) \.\.\.`\) were removed in Sigma 2; write a correlation rule/],
    ['an upper-case operator', rule('    sel:\n        eventName: a\n    filter:\n        eventSource: b\n    condition: sel AND NOT filter'), 'detection.condition', /unexpected "AND": operators are lower case \(and\)/],
    ['2 of', rule('    sel:\n        eventName: a\n    condition: 2 of them'), 'detection.condition', /"2 of" is not in the specification; use "1 of" or "all of"/],
    ['|cidr of a value that is not an address', rule('    sel:\n        sourceIPAddress|cidr: 10.0.0/8\n    condition: sel'), 'detection.sel.sourceIPAddress|cidr', /^"10\.0\.0\/8" is not a CIDR network: "10\.0\.0" is not an IPv4 or IPv6 address; write a network such as 10\.0\.0\.0\/8 or 2001:db8::\/32 \(modifiers appendix, "IP \(Internet Protocol\) Modifiers"\)$/],
    ['|cidr with an IPv4 prefix over 32', rule('    sel:\n        sourceIPAddress|cidr: 10.0.0.0/33\n    condition: sel'), 'detection.sel.sourceIPAddress|cidr', /"10\.0\.0\.0\/33" is not a CIDR network: the prefix length "33" is not a whole number from 0 to 32/],
    ['|cidr with host bits set', rule('    sel:\n        sourceIPAddress|cidr: 10.1.2.3/8\n    condition: sel'), 'detection.sel.sourceIPAddress|cidr', /"10\.1\.2\.3\/8" is not a CIDR network: it has host bits set; write the network, 10\.0\.0\.0\/8/],
    ['|cidr of an IPv6 network with host bits set', rule("    sel:\n        sourceIPAddress|cidr: '2001:db8:0:0:1::/48'\n    condition: sel"), 'detection.sel.sourceIPAddress|cidr', /"2001:db8:0:0:1::\/48" is not a CIDR network: it has host bits set; write the network, 2001:db8::\/48/],
    ['|cidr with two slashes', rule('    sel:\n        sourceIPAddress|cidr: 10.0.0.0/8/8\n    condition: sel'), 'detection.sel.sourceIPAddress|cidr', /"10\.0\.0\.0\/8\/8" is not a CIDR network: it has more than one "\/"/],
    ['|cidr of null', rule('    sel:\n        sourceIPAddress|cidr: null\n    condition: sel'), 'detection.sel.sourceIPAddress|cidr', /^null is not a CIDR network/],
    ['a bad |cidr in a list, named by its index', rule("    sel:\n        sourceIPAddress|cidr:\n            - 10.0.0.0/8\n            - 'fe80::/129'\n    condition: sel"), 'detection.sel.sourceIPAddress|cidr[1]', /"fe80::\/129" is not a CIDR network: the prefix length "129" is not a whole number from 0 to 128/],
    ['|gt of a word', rule('    sel:\n        requestParameters.maxResults|gt: many\n    condition: sel'), 'detection.sel.requestParameters.maxResults|gt', /^\|gt compares numbers \(modifiers appendix, "Numeric Modifiers"\), and "many" is not one$/],
    ['|lte of a quoted number', rule("    sel:\n        requestParameters.port|lte: '22'\n    condition: sel"), 'detection.sel.requestParameters.port|lte', /^\|lte compares numbers \(modifiers appendix, "Numeric Modifiers"\), and "22" is a string here: write the number without quotes$/],
    ['|lt of true', rule('    sel:\n        requestParameters.port|lt: true\n    condition: sel'), 'detection.sel.requestParameters.port|lt', /and true is not one$/],
    ['a bad |gte in a list, named by its index', rule('    sel:\n        requestParameters.port|gte:\n            - 1024\n            - high\n    condition: sel'), 'detection.sel.requestParameters.port|gte[1]', /^\|gte compares numbers .*, and "high" is not one$/],
    // YAML's special floats (and a number too large for a double) are numbers to the parser, but no JSON event holds one.
    ['|gt of .inf', rule('    sel:\n        requestParameters.port|gt: .inf\n    condition: sel'), 'detection.sel.requestParameters.port|gt', /^\|gt compares numbers \(modifiers appendix, "Numeric Modifiers"\), and \.inf is not a finite number \(YAML's infinity\): no JSON event holds one; write a finite number$/],
    ['|lte of -.Inf', rule('    sel:\n        requestParameters.port|lte: -.Inf\n    condition: sel'), 'detection.sel.requestParameters.port|lte', /, and -\.Inf is not a finite number \(YAML's infinity\): no JSON event holds one; write a finite number$/],
    ['|lt of .nan', rule('    sel:\n        requestParameters.port|lt: .nan\n    condition: sel'), 'detection.sel.requestParameters.port|lt', /, and \.nan is not a finite number \(YAML's not-a-number\): no JSON event holds one; write a finite number$/],
    ['|gte of a number beyond a double', rule('    sel:\n        requestParameters.port|gte: 1e999\n    condition: sel'), 'detection.sel.requestParameters.port|gte', /, and 1e999 is not a finite number \(YAML's infinity\): no JSON event holds one; write a finite number$/],
    ['a non-finite |gt in a list, named by its index', rule('    sel:\n        requestParameters.port|gt:\n            - 1024\n            - .NaN\n    condition: sel'), 'detection.sel.requestParameters.port|gt[1]', /, and \.NaN is not a finite number/],
  ])('%s is an invalid rule naming the YAML path', (_what, text, path, reason) => {
    const error = invalid(text);
    expect(error).toBeInstanceOf(SigmaRuleError);
    expect(error.path).toBe(path);
    expect(error.reason).toMatch(reason);
    expect(error.message).toMatch(/^bad\.yml: /);
  });

  test('keeps the raw text of a number (0x17 is not 23)', () => {
    const c = convert('    sel:\n        requestParameters.code: 0x17\n    condition: sel');
    expect(c.pattern!.detail).toEqual({ requestParameters: { code: [{ 'equals-ignore-case': '0x17' }] } });
  });
});
