import { join } from 'node:path';
import { readTopologyFile } from '../../config/load';
import { PROJECT_ROOT } from '../../config/paths';
import { DEFAULT_RESERVED_CONCURRENCY } from '../../config/sections/functions';
import { SynthesizedStack, synthesize, topologyWith } from '../support/synth';

/** The scanner findings fixed in the stacks (docs/review.md, "The scan: before and after"). */

const KEY_REFERENCE = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/;

function keyPolicyOf(stack: SynthesizedStack, keyReference: string): any[] {
  const match = KEY_REFERENCE.exec(keyReference);
  if (!match) throw new Error(`${stack.name}: ${keyReference} is not a reference to an aws_kms_key of the stack`);
  const key = stack.json.resource.aws_kms_key[match[1]];
  expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
  return stack.policyDocument(key.policy).statement;
}

function roleStatements(stack: SynthesizedStack, functionName: string): Record<string, any> {
  const fn = stack.resourceWhere('aws_lambda_function', 'function_name', functionName);
  const roleName = /^\$\{aws_iam_role\.([\w-]+)\.arn\}$/.exec(fn.role)![1];
  const [, policy] = stack.resources('aws_iam_role_policy').find(([, p]) => p.role === `\${aws_iam_role.${roleName}.id}`)!;
  return Object.fromEntries(stack.policyDocument(policy.policy).statement.map((s: any) => [s.sid, s]));
}

describe('CKV_AWS_158: every log group has a customer managed key that CloudWatch Logs may use for it alone', () => {
  const topologies = [
    ['the default topology', topologyWith()],
    ['the example topology', readTopologyFile(join(PROJECT_ROOT, 'examples', 'topology.example.json'))],
    ['trail copies and the IDR debug capture on', topologyWith((t) => {
      for (const a of t.accounts) if (a.source) a.source.cloudWatchLogs = {};
      t.incidentResponse = { debugCapture: { enabled: true } };
    })],
  ] as const;

  test.each(topologies)('%s', (_label, topology) => {
    const synth = synthesize(topology);
    let groups = 0;
    for (const stack of synth.byName.values()) {
      const provider = [stack.json.provider.aws].flat().find((p: any) => !p.alias);
      for (const [, group] of stack.resources('aws_cloudwatch_log_group')) {
        groups++;
        const groupArn = `arn:aws:logs:${provider.region}:${provider.allowed_account_ids[0]}:log-group:${group.name}`;
        const logs = keyPolicyOf(stack, group.kms_key_id).find((s) => s.sid === 'CloudWatchLogsEncryptsGroups');
        expect({ group: group.name, principals: logs?.principals }).toEqual({ group: group.name, principals: [{ type: 'Service', identifiers: [`logs.${provider.region}.amazonaws.com`] }] });
        expect(logs.condition).toEqual([{ test: 'ArnEquals', variable: 'kms:EncryptionContext:aws:logs:arn', values: expect.arrayContaining([groupArn]) }]);
      }
    }
    expect(groups).toBeGreaterThanOrEqual(3);
  });

  test('a function\'s key also encrypts its environment and its own failure queue, and its role may use it', () => {
    const stack = synthesize().stack('security-events');
    const fn = stack.resourceWhere('aws_lambda_function', 'function_name', 'trailbridge-bucket-logger');
    const group = stack.resourceWhere('aws_cloudwatch_log_group', 'name', '/aws/lambda/trailbridge-bucket-logger');
    const queue = stack.resourceWhere('aws_sqs_queue', 'name', 'trailbridge-bucket-logger-failures');
    expect(fn.kms_key_arn).toBe(group.kms_key_id);
    expect(queue.kms_master_key_id).toBe(group.kms_key_id);
    expect(roleStatements(stack, 'trailbridge-bucket-logger').UseFunctionKey).toMatchObject({ actions: ['kms:GenerateDataKey*', 'kms:Decrypt'], resources: [group.kms_key_id] });
    const alias = stack.resourceWhere('aws_kms_alias', 'name', 'alias/trailbridge-bucket-logger-logs');
    expect(alias.target_key_id).toBe(group.kms_key_id.replace(/\.arn\}$/, '.key_id}'));
  });
});

describe('CKV_AWS_337: the token parameter has a customer managed key', () => {
  test('of the observability stack by default, decrypted by the forwarder through SSM only', () => {
    const stack = synthesize().stack('observability');
    const parameter = stack.resourceWhere('aws_ssm_parameter', 'type', 'SecureString');
    const [aliasId, alias] = stack.resources('aws_kms_alias').find(([, a]) => a.name === 'alias/trailbridge-dynatrace-token')!;
    expect(parameter.key_id).toBe(`\${aws_kms_alias.${aliasId}.name}`);
    const keyArn = alias.target_key_id.replace(/\.key_id\}$/, '.arn}');
    expect(keyPolicyOf(stack, keyArn).map((s) => s.sid)).toEqual(['AccountAdministersKey']);
    expect(roleStatements(stack, 'trailbridge-forwarder').DecryptApiToken).toMatchObject({
      actions: ['kms:Decrypt'],
      resources: [keyArn],
      condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: ['ssm.us-east-1.amazonaws.com'] }],
    });
  });

  test('or the topology\'s own key, and then none of the stack\'s', () => {
    const own = 'arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const stack = synthesize(topologyWith((t) => (t.dynatrace.tokenKmsKeyArn = own))).stack('observability');
    expect(stack.resourceWhere('aws_ssm_parameter', 'type', 'SecureString').key_id).toBe(own);
    expect(stack.resources('aws_kms_alias').map(([, a]) => a.name)).not.toContain('alias/trailbridge-dynatrace-token');
    expect(roleStatements(stack, 'trailbridge-forwarder').DecryptApiToken.resources).toEqual([own]);
  });
});

test('CKV_AWS_356: the Dynatrace role lists regions of its own account only', () => {
  const stack = synthesize().stack('incident-response');
  const statements = stack.policyDocument(stack.resources('aws_iam_role_policy')[0][1].policy).statement;
  expect(statements.find((s: any) => s.sid === 'ListRegionsForConnector')).toMatchObject({ actions: ['account:ListRegions'], resources: ['arn:aws:account::444444444444:account'] });
});

describe('CKV_AWS_115: every function reserves concurrency', () => {
  test('by default, from the forwarder section and functions.reservedConcurrency', () => {
    const synth = synthesize(readTopologyFile(join(PROJECT_ROOT, 'examples', 'topology.example.json')));
    const reserved = new Map(
      [...synth.byName.values()].flatMap((s) => s.resources('aws_lambda_function').map(([, f]) => [f.function_name, f.reserved_concurrent_executions])),
    );
    expect(reserved.size).toBe(4);
    const example = readTopologyFile(join(PROJECT_ROOT, 'examples', 'topology.example.json'));
    expect(Object.fromEntries([...reserved].map(([name, n]) => [name.replace(`${example.name}-`, ''), n]))).toEqual({
      forwarder: example.forwarder.reservedConcurrency,
      ...DEFAULT_RESERVED_CONCURRENCY,
    });
  });

  test('false reserves none; a number overrides the default', () => {
    const stack = synthesize(topologyWith((t) => (t.functions = { reservedConcurrency: { 'bucket-logger': false } }))).stack('security-events');
    expect(stack.resourceWhere('aws_lambda_function', 'function_name', 'trailbridge-bucket-logger').reserved_concurrent_executions).toBeUndefined();
    const three = synthesize(topologyWith((t) => (t.functions = { reservedConcurrency: { 'bucket-logger': 3 } }))).stack('security-events');
    expect(three.resourceWhere('aws_lambda_function', 'function_name', 'trailbridge-bucket-logger').reserved_concurrent_executions).toBe(3);
  });
});

describe('CKV_AWS_50 and CKV_AWS_272: tracing and code signing are switches, off by default', () => {
  test('off: no tracing, no signing config, no X-Ray grant', () => {
    const stack = synthesize().stack('observability');
    const fn = stack.resourceWhere('aws_lambda_function', 'function_name', 'trailbridge-forwarder');
    expect([fn.tracing_config, fn.code_signing_config_arn]).toEqual([undefined, undefined]);
    expect(roleStatements(stack, 'trailbridge-forwarder').WriteTraces).toBeUndefined();
    expect(stack.resources('aws_signer_signing_profile')).toEqual([]);
  });

  test('on: every function traces and is signed by its stack\'s one profile', () => {
    const stack = synthesize(topologyWith((t) => (t.functions = { tracing: true, codeSigning: true }))).stack('security-events');
    const [[profileId, profile], ...others] = stack.resources('aws_signer_signing_profile');
    expect(others).toEqual([]);
    expect(profile).toMatchObject({ name: 'trailbridge_security_events', platform_id: 'AWSLambda-SHA384-ECDSA' });
    const [[configId, config]] = stack.resources('aws_lambda_code_signing_config');
    expect(config).toMatchObject({
      allowed_publishers: { signing_profile_version_arns: [`\${aws_signer_signing_profile.${profileId}.version_arn}`] },
      policies: { untrusted_artifact_on_deployment: 'Warn' },
    });
    const functions = stack.resources('aws_lambda_function');
    expect(functions.length).toBeGreaterThan(0);
    for (const [, fn] of functions) {
      expect(fn).toMatchObject({ tracing_config: { mode: 'Active' }, code_signing_config_arn: `\${aws_lambda_code_signing_config.${configId}.arn}` });
      expect(roleStatements(stack, fn.function_name).WriteTraces).toMatchObject({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] });
    }
  });
});
