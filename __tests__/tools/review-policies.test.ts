import { HclParseError, jsonencodeArgument, parseHclExpression } from '../../tools/review/hcl-expression';
import { parsePolicyValue } from '../../tools/review/policy-document';
import { flagsOf, flattenStack } from '../../tools/review/policy-statements';
import { cell } from '../../tools/review/markdown';
import { permissionsReport } from '../../tools/review/permissions-report';

/** A stack with one policy of every shape the flattener must read. */
function stackWithEveryShape(): Record<string, any> {
  return {
    provider: { aws: [{ region: 'us-east-1', allowed_account_ids: ['111111111111'] }] },
    data: {
      aws_iam_policy_document: {
        trust: {
          statement: [
            {
              sid: 'TrustLambda',
              effect: 'Allow',
              actions: ['sts:AssumeRole'],
              principals: [{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }],
            },
          ],
        },
        base: { statement: [{ sid: 'Shared', actions: ['sqs:SendMessage'], resources: ['${aws_sqs_queue.q.arn}'] }] },
        combined: {
          source_policy_documents: ['${data.aws_iam_policy_document.base.json}'],
          override_policy_documents: [JSON.stringify({ Statement: [{ Sid: 'Shared', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:111111111111:other' }] })],
          statement: [
            {
              effect: 'Deny',
              not_actions: ['s3:GetObject'],
              resources: ['*'],
              principals: [{ type: '*', identifiers: ['*'] }],
              condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
            },
          ],
        },
      },
    },
    resource: {
      aws_sqs_queue: { q: { name: 'queue-one' } },
      aws_iam_role: {
        r: {
          name: 'role-one',
          assume_role_policy: '${data.aws_iam_policy_document.trust.json}',
          inline_policy: [{ name: 'inline', policy: JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'logs:*', Resource: '*' } }) }],
          managed_policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
        },
      },
      aws_iam_role_policy: { p: { role: '${aws_iam_role.r.id}', policy: '${data.aws_iam_policy_document.combined.json}' } },
      aws_s3_bucket_policy: {
        encoded: {
          bucket: 'b',
          policy:
            '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Sid" = "Public", "Effect" = "Allow", "Principal" = "*", "Action" = ["s3:GetObject", "s3:ListBucket"], "Resource" = "${aws_s3_bucket.b.arn}/*"}, {"Sid" = "Org", "Effect" = "Allow", "Principal" = {"AWS" = "*"}, "Action" = "s3:PutObject", "Resource" = aws_s3_bucket.b.arn, "Condition" = {"StringEquals" = {"aws:PrincipalOrgID" = ["o-abc"]}}}]})}',
        },
      },
      aws_sns_topic_policy: { literal: { arn: 'x', policy: '{"Statement":[{"Effect":"Allow","Principal":{"Service":["s3.amazonaws.com","events.amazonaws.com"]},"NotAction":"sns:Subscribe","NotResource":"arn:aws:sns:*:*:private"}]}' } },
      aws_kms_key: { k: { policy: '${data.aws_iam_policy.managed.policy}' } },
      aws_lambda_permission: {
        invoke: { statement_id: 'AllowSns', action: 'lambda:InvokeFunction', function_name: '${aws_lambda_function.f.function_name}', principal: 'sns.amazonaws.com', source_arn: 'arn:aws:sns:us-east-1:2:t' },
        open: { action: 'lambda:InvokeFunctionUrl', function_name: 'f', principal: '*', function_url_auth_type: 'NONE' },
      },
      aws_cloudwatch_event_permission: { org: { principal: '*', statement_id: 'Org', condition: { key: 'aws:PrincipalOrgID', type: 'StringEquals', value: 'o-abc' } } },
      aws_iam_role_policy_attachment: { admin: { role: '${aws_iam_role.r.name}', policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess' } },
      aws_appautoscaling_policy: { scaling: { policy: 'not an IAM policy' } },
    },
  };
}

describe('policy flattening', () => {
  const flat = flattenStack('s', stackWithEveryShape());
  const find = (resource: string, predicate: (s: (typeof flat.statements)[number]) => boolean = () => true) => {
    const found = flat.statements.filter((s) => s.resource === resource && predicate(s));
    expect(found).toHaveLength(1);
    return found[0];
  };

  test('reads an aws_iam_policy_document data source referenced by assume_role_policy', () => {
    const trust = find('aws_iam_role.r', (s) => s.attribute === 'assume_role_policy');
    expect(trust).toMatchObject({ sid: 'TrustLambda', effect: 'Allow', principals: ['Service:lambda.amazonaws.com'], actions: ['sts:AssumeRole'], resources: [], holder: undefined });
  });

  test('reads a literal JSON inline policy with a single statement object and string Action/Resource', () => {
    const inline = find('aws_iam_role.r', (s) => s.attribute === 'inline_policy[0].policy');
    expect(inline).toMatchObject({ effect: 'Allow', actions: ['logs:*'], resources: ['*'], holder: 'role role-one' });
    expect(flagsOf(inline)).toEqual(['⚠ all actions', '⚠ resource *']);
  });

  test('merges source and override documents by Sid, keeping NotAction, principal * and conditions of a data source statement', () => {
    const statements = flat.statements.filter((s) => s.resource === 'aws_iam_role_policy.p');
    expect(statements.map((s) => s.sid ?? s.effect)).toEqual(['Shared', 'Deny']);
    expect(statements[0].resources).toEqual(['arn:aws:sqs:us-east-1:111111111111:other']);
    expect(statements[0].holder).toBe('role ${aws_iam_role.r.id}');
    expect(statements[1]).toMatchObject({
      effect: 'Deny',
      principals: ['*'],
      actions: [],
      notActions: ['s3:GetObject'],
      conditions: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
    });
    expect(flagsOf(statements[1])).toEqual([]);
  });

  test('reads a jsonencode()d policy, with list and string actions, a template and a bare reference', () => {
    const [publicRead, org] = flat.statements.filter((s) => s.resource === 'aws_s3_bucket_policy.encoded');
    expect(publicRead).toMatchObject({ sid: 'Public', principals: ['*'], actions: ['s3:GetObject', 's3:ListBucket'], resources: ['${aws_s3_bucket.b.arn}/*'] });
    expect(flagsOf(publicRead)).toEqual(['resource wildcard', '⚠ public: Principal * without condition']);
    expect(org).toMatchObject({ principals: ['*'], actions: ['s3:PutObject'], resources: ['${aws_s3_bucket.b.arn}'], conditions: [{ test: 'StringEquals', variable: 'aws:PrincipalOrgID', values: ['o-abc'] }] });
    expect(flagsOf(org)).toEqual([]);
  });

  test('reads NotAction and NotResource and a list of service principals from a literal JSON string', () => {
    const topic = find('aws_sns_topic_policy.literal');
    expect(topic).toMatchObject({ principals: ['Service:s3.amazonaws.com', 'Service:events.amazonaws.com'], notActions: ['sns:Subscribe'], notResources: ['arn:aws:sns:*:*:private'] });
    expect(flagsOf(topic)).toEqual(['⚠ NotAction', '⚠ NotResource']);
  });

  test('turns lambda and EventBridge permissions into statements with their conditions', () => {
    const invoke = find('aws_lambda_permission.invoke');
    expect(invoke).toMatchObject({ sid: 'AllowSns', principals: ['Service:sns.amazonaws.com'], actions: ['lambda:InvokeFunction'], conditions: [{ test: 'ArnLike', variable: 'AWS:SourceArn', values: ['arn:aws:sns:us-east-1:2:t'] }] });
    expect(flagsOf(find('aws_lambda_permission.open'))).toEqual([]); // conditioned on FunctionUrlAuthType
    const bus = find('aws_cloudwatch_event_permission.org');
    expect(bus).toMatchObject({ principals: ['*'], actions: ['events:PutEvents'], resources: ['default'], conditions: [{ test: 'StringEquals', variable: 'aws:PrincipalOrgID', values: ['o-abc'] }] });
  });

  test('lists what it cannot read: a policy computed elsewhere and managed policy attachments', () => {
    expect(flat.unreadable.map((u) => [u.resource, u.attribute, u.reason])).toEqual([
      ['aws_iam_role.r', 'managed_policy_arns', 'attaches managed policy arn:aws:iam::aws:policy/ReadOnlyAccess'],
      ['aws_kms_key.k', 'policy', 'computed elsewhere: ${data.aws_iam_policy.managed.policy}'],
      ['aws_iam_role_policy_attachment.admin', 'policy_arn', 'attaches managed policy arn:aws:iam::aws:policy/AdministratorAccess'],
    ]);
  });

  test('ignores policy attributes of resource types that are not IAM', () => {
    expect(flat.statements.some((s) => s.resource.startsWith('aws_appautoscaling_policy'))).toBe(false);
    expect(flat.unreadable.some((u) => u.resource.startsWith('aws_appautoscaling_policy'))).toBe(false);
  });

  test('PERMISSIONS.md has one row per statement, then the unreadable policies', () => {
    const stack = stackWithEveryShape();
    const report = permissionsReport(flattenStack('s', stack), new Map([['s', stack]]));
    const [statements, unreadable] = report.split('## Policies not readable from the synth');
    expect(statements.split('\n').filter((l) => l.startsWith('| s |'))).toHaveLength(flat.statements.length);
    expect(unreadable.split('\n').filter((l) => l.startsWith('| s |'))).toHaveLength(flat.unreadable.length);
    expect(statements).toContain('(identity policy of role ${aws_iam_role:role-one.id})');
    expect(statements).toMatch(/⚠ public: Principal \* without condition/);
  });

  test('table cells escape pipes and keep line breaks', () => {
    expect(cell('a|b\nc')).toBe('a\\|b<br>c');
    expect(cell('')).toBe('–');
  });
});

describe('policy values', () => {
  test('a reference to a missing data source or to itself is reported, not thrown', () => {
    expect(parsePolicyValue('${data.aws_iam_policy_document.nope.json}', {})).toEqual({ unresolved: 'no data.aws_iam_policy_document.nope in the stack' });
    const loop = { data: { aws_iam_policy_document: { a: { source_policy_documents: ['${data.aws_iam_policy_document.a.json}'] } } } };
    expect(parsePolicyValue('${data.aws_iam_policy_document.a.json}', loop)).toEqual({ unresolved: 'data.aws_iam_policy_document.a includes itself' });
    expect(parsePolicyValue('{not json', {})).toEqual({ unresolved: 'a policy string that is not valid JSON' });
  });
});

describe('HCL expressions', () => {
  test('reads objects with = and :, tuples, escapes, numbers, booleans and null', () => {
    expect(parseHclExpression('{"a" = [1, -2.5, true, false, null], b: "x\\"y\\n", "c" = {}}')).toEqual({ a: [1, -2.5, true, false, null], b: 'x"y\n', c: {} });
  });

  test('keeps templates and bare references as ${...} text', () => {
    expect(parseHclExpression('{"r" = "${aws_s3_bucket.b.arn}/*", "s" = aws_s3_bucket.b.arn, "t" = format("%s", var.x)}')).toEqual({
      r: '${aws_s3_bucket.b.arn}/*',
      s: '${aws_s3_bucket.b.arn}',
      t: '${format("%s", var.x)}',
    });
  });

  test('finds the argument of a whole-string jsonencode only', () => {
    expect(jsonencodeArgument('${jsonencode({"a" = 1})}')).toBe('{"a" = 1}');
    expect(jsonencodeArgument('x ${jsonencode({})}')).toBeUndefined();
  });

  test('fails with the offset on broken input', () => {
    expect(() => parseHclExpression('{"a" 1}')).toThrow(HclParseError);
    expect(() => parseHclExpression('{"a" 1}')).toThrow(/expected "=" or ":" after key "a" at offset 5/);
  });
});
