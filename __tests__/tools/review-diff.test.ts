import { changesReport, summarize } from '../../tools/review/changes-report';
import { flattenSynth } from '../../tools/review/policy-statements';
import { changedPaths, diffStack, diffSynths } from '../../tools/review/resource-diff';
import { diffStatements } from '../../tools/review/statement-diff';

/** A stack with a role policy (data source) and a bucket policy (jsonencode), built from parts. */
function stack(options: {
  actions?: string[];
  roleConditions?: { test: string; variable: string; values: string[] }[];
  bucketStatements?: string;
  extraStatement?: boolean;
  description?: string;
} = {}): Record<string, any> {
  const statement: any[] = [
    {
      sid: 'Read',
      effect: 'Allow',
      actions: options.actions ?? ['s3:GetObject'],
      resources: ['arn:aws:s3:::logs/*'],
      condition: options.roleConditions ?? [{ test: 'StringEquals', variable: 'aws:PrincipalOrgID', values: ['o-1'] }],
    },
  ];
  if (options.extraStatement) statement.push({ effect: 'Allow', actions: ['sqs:SendMessage'], resources: ['*'] });
  return {
    '//': { metadata: { version: '0.21.0' } },
    provider: { aws: [{ region: 'us-east-1' }] },
    terraform: { backend: { local: { path: 'x.tfstate' } } },
    data: { aws_iam_policy_document: { doc: { statement } } },
    resource: {
      aws_iam_role_policy: { p: { '//': { metadata: { path: 's/reader/policy' } }, role: 'reader', policy: '${data.aws_iam_policy_document.doc.json}' } },
      aws_s3_bucket_policy: {
        b: {
          bucket: 'logs',
          policy: `\${jsonencode({"Statement" = [${
            options.bucketStatements ??
            '{"Sid" = "TlsOnly", "Effect" = "Deny", "Principal" = "*", "Action" = "s3:*", "Resource" = "*", "Condition" = {"Bool" = {"aws:SecureTransport" = "false"}}}'
          }]})}`,
        },
      },
      aws_sns_topic: { t: { name: 'topic', description: options.description ?? 'same' } },
    },
  };
}

const synth = (s: Record<string, any>) => new Map([['s', s]]);
const changes = (before: Record<string, any>, after: Record<string, any>) => diffStatements(flattenSynth(synth(before)), flattenSynth(synth(after)));

describe('security changes', () => {
  test('a widened action and a removed condition are both reported as security changes', () => {
    const found = changes(stack(), stack({ actions: ['s3:GetObject', 's3:PutObject'], roleConditions: [] }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'changed', stack: 's', resource: 'aws_iam_role_policy.p', broadens: true });
    expect(found[0].details).toEqual(['widened actions: + s3:PutObject', 'dropped condition: StringEquals aws:PrincipalOrgID = o-1']);
  });

  test('a widened action alone broadens access', () => {
    const [change] = changes(stack(), stack({ actions: ['s3:*'] }));
    expect(change.broadens).toBe(true);
    expect(change.details).toEqual(['widened actions: + s3:*', 'narrowed actions: − s3:GetObject']);
  });

  test('a removed condition alone broadens access', () => {
    const [change] = changes(stack(), stack({ roleConditions: [] }));
    expect(change.broadens).toBe(true);
    expect(change.details).toEqual(['dropped condition: StringEquals aws:PrincipalOrgID = o-1']);
  });

  test('more values in a condition widen it; in a negated condition they narrow it', () => {
    const more = [{ test: 'StringEquals', variable: 'aws:PrincipalOrgID', values: ['o-1', 'o-2'] }];
    expect(changes(stack(), stack({ roleConditions: more }))[0]).toMatchObject({ broadens: true, details: ['widened condition StringEquals aws:PrincipalOrgID: + o-2'] });
    const notBefore = [{ test: 'StringNotEquals', variable: 'aws:SourceVpc', values: ['vpc-1'] }];
    const notAfter = [{ test: 'StringNotEquals', variable: 'aws:SourceVpc', values: ['vpc-1', 'vpc-2'] }];
    expect(changes(stack({ roleConditions: notBefore }), stack({ roleConditions: notAfter }))[0]).toMatchObject({ broadens: false });
  });

  test('narrowing is reported but does not broaden access', () => {
    const found = changes(stack({ actions: ['s3:GetObject', 's3:PutObject'], roleConditions: [] }), stack());
    expect(found).toHaveLength(1);
    expect(found[0].broadens).toBe(false);
    expect(found[0].details).toEqual(['narrowed actions: − s3:PutObject', 'added condition: StringEquals aws:PrincipalOrgID = o-1']);
  });

  test('an added Allow statement broadens access; a removed one does not', () => {
    const added = changes(stack(), stack({ extraStatement: true }));
    expect(added).toEqual([expect.objectContaining({ kind: 'added', broadens: true, details: ['added statement'] })]);
    expect(added[0].statement).toMatchObject({ actions: ['sqs:SendMessage'], resources: ['*'] });
    expect(changes(stack({ extraStatement: true }), stack())).toEqual([expect.objectContaining({ kind: 'removed', broadens: false })]);
  });

  test('removing a Deny or shrinking what it denies broadens access; dropping its condition does not', () => {
    expect(changes(stack(), stack({ bucketStatements: '' }))).toEqual([expect.objectContaining({ kind: 'removed', resource: 'aws_s3_bucket_policy.b', broadens: true })]);
    const narrowerDeny = '{"Sid" = "TlsOnly", "Effect" = "Deny", "Principal" = "*", "Action" = "s3:GetObject", "Resource" = "*", "Condition" = {"Bool" = {"aws:SecureTransport" = "false"}}}';
    expect(changes(stack(), stack({ bucketStatements: narrowerDeny }))[0]).toMatchObject({ broadens: true });
    const unconditionalDeny = '{"Sid" = "TlsOnly", "Effect" = "Deny", "Principal" = "*", "Action" = "s3:*", "Resource" = "*"}';
    expect(changes(stack(), stack({ bucketStatements: unconditionalDeny }))[0]).toMatchObject({ broadens: false, details: ['dropped condition: Bool aws:SecureTransport = false'] });
  });

  test('a widened principal in a jsonencoded policy broadens access', () => {
    const before = '{"Sid" = "Read", "Effect" = "Allow", "Principal" = {"AWS" = "arn:aws:iam::1:root"}, "Action" = "s3:GetObject", "Resource" = "*"}';
    const after = '{"Sid" = "Read", "Effect" = "Allow", "Principal" = {"AWS" = ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]}, "Action" = "s3:GetObject", "Resource" = "*"}';
    expect(changes(stack({ bucketStatements: before }), stack({ bucketStatements: after }))[0]).toMatchObject({
      broadens: true,
      details: ['widened principals: + AWS:arn:aws:iam::2:root'],
    });
  });

  test('no change, no security change: key order and unrelated attributes do not count', () => {
    expect(changes(stack(), stack({ description: 'other' }))).toEqual([]);
  });

  test('a managed policy attachment appearing counts as broadening until someone looks', () => {
    const after = stack();
    after.resource.aws_iam_role_policy_attachment = { admin: { role: 'reader', policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess' } };
    expect(changes(stack(), after)).toEqual([
      expect.objectContaining({ kind: 'added', broadens: true, details: ['not readable from the synth: attaches managed policy arn:aws:iam::aws:policy/AdministratorAccess'] }),
    ]);
  });
});

describe('resource changes', () => {
  test('lists added, removed and changed resources with the changed attribute paths, cdktf metadata ignored', () => {
    const before = stack();
    const after = stack({ description: 'new', actions: ['s3:GetObject', 's3:PutObject'] });
    after.resource.aws_sns_topic.t['//'] = { metadata: { path: 'moved' } };
    delete after.resource.aws_s3_bucket_policy;
    after.resource.aws_sqs_queue = { q: { name: 'q' } };
    const diff = diffStack('s', before, after);
    expect(diff.status).toBe('changed');
    expect(diff.changes.map((c) => [c.kind, c.address, c.attributes])).toEqual([
      ['removed', 'aws_s3_bucket_policy.b', []],
      ['changed', 'aws_sns_topic.t', ['description']],
      ['added', 'aws_sqs_queue.q', []],
      ['changed', 'data.aws_iam_policy_document.doc', ['statement[0].actions']],
    ]);
  });

  test('a resource a moved block renames is moved, not removed and added; its other changes are listed', () => {
    const before = stack();
    before.resource.aws_sqs_queue = { 'q-0': { name: 'q' }, gone: { name: 'gone' } };
    const after = stack();
    after.resource.aws_sqs_queue = { 'q-a': { name: 'q', delay_seconds: 5 } };
    after.moved = [
      { from: 'aws_sqs_queue.q-0', to: 'aws_sqs_queue.q-a' },
      // Nothing of the base there: a block left for older states, not a change.
      { from: 'aws_sqs_queue.q-9', to: 'aws_sqs_queue.q-b' },
    ];
    const diff = diffStack('s', before, after);
    expect(diff.changes.map((c) => [c.kind, c.from, c.address, c.attributes])).toEqual([
      ['removed', undefined, 'aws_sqs_queue.gone', []],
      ['moved', 'aws_sqs_queue.q-0', 'aws_sqs_queue.q-a', ['delay_seconds']],
    ]);
    const report = changesReport([], [diff], synth(before), synth(after), 'base/');
    expect(report).toContain('| → | `aws_sqs_queue.q-0`<br>→ `aws_sqs_queue.q-a` |');
    expect(report).toContain('`→` moved: a `moved` block');
  });

  test('new and removed stacks are reported whole', () => {
    const diffs = diffSynths(new Map([['old', stack()]]), new Map([['new', stack()]]));
    expect(diffs.map((d) => [d.stack, d.status, d.changes.length])).toEqual([
      ['new', 'added', 0],
      ['old', 'removed', 0],
    ]);
  });

  test('changed paths name the leaf; a list of another length is one change', () => {
    expect(changedPaths({ a: { b: [1, 2] }, c: 1 }, { a: { b: [1, 3] }, c: 1 })).toEqual(['a.b[1]']);
    expect(changedPaths({ a: [1] }, { a: [1, 2] })).toEqual(['a']);
    expect(changedPaths({ a: 1 }, { b: 1 })).toEqual(['a', 'b']);
  });
});

describe('CHANGES.md', () => {
  test('puts the statement table before the resources and marks broadening', () => {
    const before = synth(stack());
    const after = synth(stack({ actions: ['s3:GetObject', 's3:PutObject'], roleConditions: [] }));
    const statementChanges = diffStatements(flattenSynth(before), flattenSynth(after));
    const stackDiffs = diffSynths(before, after);
    const report = changesReport(statementChanges, stackDiffs, before, after, 'base/');
    expect(report.indexOf('## IAM and resource-policy statements')).toBeLessThan(report.indexOf('## Resources'));
    expect(report).toMatch(/\| ~ \| s \| reader\/policy<br>policy<br>Sid Read \| Allow \|.*\*\*broadens\*\*<br>widened actions: \+ s3:PutObject<br>dropped condition/);
    expect(summarize(statementChanges, stackDiffs)).toEqual({ securityChanges: 1, broadening: 1, resourceChanges: 1, stacksChanged: 1 });
  });
});
