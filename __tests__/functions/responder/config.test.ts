import { parseResponderConfig, ResponderConfigError, responderConfigFromEnv } from '../../../functions/responder/config';
import { testConfig } from './support/records';

const minimal = { selfRoleArns: ['arn:aws:iam::333333333333:role/r'], accounts: {}, responses: { 'database-deleted': {} } };

/** The problems a configuration is refused with; fails the test when it is accepted. */
function problemsOf(raw: unknown): readonly string[] {
  try {
    parseResponderConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ResponderConfigError);
    return (err as ResponderConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}

describe('responder configuration', () => {
  it('defaults every mode to report and the partition to aws', () => {
    const config = parseResponderConfig(minimal);
    expect(config.partition).toBe('aws');
    expect(config.responses['database-deleted']?.mode).toBe('report');
    expect(config.responses['block-public-bucket']).toBeUndefined();
  });

  it('names the JSON path of every problem at once', () => {
    const bad = { ...minimal, accounts: { '1234': { roleArn: 'nope', mfaPolicyArn: 'arn:aws:iam::1:policy/x' } }, responses: { 'tag-instance-owner': { mode: 'always' } } };
    const problems = problemsOf(bad).join('\n');
    expect(problems).toMatch(/accounts\["1234"\]: "1234" is not a 12-digit AWS account id/);
    expect(problems).toMatch(/accounts\["1234"\]\.roleArn: must be an ARN/);
    expect(problems).toMatch(/responses\["tag-instance-owner"\]\.mode/);
    expect(problems).toMatch(/responses\["tag-instance-owner"\]\.tagKeys/);
  });

  it('refuses an unknown response and requires the evidence bucket for audit-evidence', () => {
    expect(() => parseResponderConfig({ ...minimal, responses: { 'block-pubic-bucket': {} } })).toThrow(/responses: .*block-pubic-bucket/);
    expect(() => parseResponderConfig({ ...minimal, responses: { 'audit-evidence': {} } })).toThrow(/evidence: is required when responses\["audit-evidence"\] is on/);
  });

  it("refuses a source account whose role or MFA policy is another account's, or an ARN of another partition", () => {
    const crossed = {
      ...minimal,
      accounts: {
        '111111111111': { roleArn: 'arn:aws:iam::222222222222:role/trailbridge-responder', mfaPolicyArn: 'arn:aws:iam::111111111111:policy/trailbridge-require-mfa' },
        '222222222222': { roleArn: 'arn:aws:iam::222222222222:role/trailbridge-responder', mfaPolicyArn: 'arn:aws-cn:iam::222222222222:policy/trailbridge-require-mfa' },
      },
    };
    expect(problemsOf(crossed)).toEqual([
      'accounts["111111111111"].roleArn: "arn:aws:iam::222222222222:role/trailbridge-responder" is not an IAM role of account 111111111111 in partition aws (arn:aws:iam::111111111111:role/...); the responder would act in another account',
      'accounts["222222222222"].mfaPolicyArn: "arn:aws-cn:iam::222222222222:policy/trailbridge-require-mfa" is not an IAM policy of account 222222222222 in partition aws (arn:aws:iam::222222222222:policy/...); the responder would act in another account',
    ]);
    expect(() => parseResponderConfig({ ...minimal, partition: 'aws-us-gov', selfRoleArns: ['arn:aws-us-gov:iam::333333333333:role/r'], accounts: { '222222222222': { roleArn: 'arn:aws-us-gov:iam::222222222222:role/path/r', mfaPolicyArn: 'arn:aws-us-gov:iam::222222222222:policy/p' } } })).not.toThrow();
  });

  it('reads RESPONDER_CONFIG from the environment, saying what is wrong', () => {
    expect(() => responderConfigFromEnv({})).toThrow(/Environment variable RESPONDER_CONFIG is required/);
    expect(() => responderConfigFromEnv({ RESPONDER_CONFIG: '{oops' })).toThrow(/\(root\): not JSON/);
    expect(responderConfigFromEnv({ RESPONDER_CONFIG: JSON.stringify(minimal) }).selfRoleArns).toEqual(minimal.selfRoleArns);
  });

  it('accepts the full test configuration', () => {
    expect(Object.keys(testConfig().responses)).toHaveLength(5);
  });
});
