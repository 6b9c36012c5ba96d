import { ProviderShapes, blockShapes, expressionOrString, templateParts, toHcl } from '../../tools/lib/hcl';

const shapes: ProviderShapes = {
  provider: { blocks: { assume_role: { blocks: {} }, default_tags: { blocks: {} } } },
  resources: {
    aws_sqs_queue: { blocks: {} },
    aws_lambda_function: { blocks: { environment: { blocks: {} }, logging_config: { blocks: {} } } },
  },
  dataSources: { aws_iam_policy_document: { blocks: { statement: { blocks: { principals: { blocks: {} }, condition: { blocks: {} } } } } } },
};

describe('templateParts and expressionOrString', () => {
  test('a string that is one interpolation becomes a bare expression', () => {
    expect(expressionOrString('${aws_sqs_queue.q.arn}')).toBe('aws_sqs_queue.q.arn');
  });

  test('JSON with interpolations stays one valid template, quotes escaped only outside ${}', () => {
    const json = '{"deadLetterTargetArn":"${aws_sqs_queue.q.arn}","maxReceiveCount":5}';
    expect(expressionOrString(json)).toBe('"{\\"deadLetterTargetArn\\":\\"${aws_sqs_queue.q.arn}\\",\\"maxReceiveCount\\":5}"');
  });

  test('quotes and braces inside an interpolation do not end it', () => {
    const text = '${jsonencode({"a" = "}"})}';
    expect(templateParts(text)).toEqual([{ kind: 'interpolation', text: 'jsonencode({"a" = "}"})' }]);
    expect(expressionOrString(text)).toBe('jsonencode({"a" = "}"})');
  });

  test('escaped $${ stays literal', () => {
    expect(templateParts('cost: $${price}')).toEqual([{ kind: 'literal', text: 'cost: $${price}' }]);
    expect(expressionOrString('cost: $${price}')).toBe('"cost: $${price}"');
  });

  test('backslashes, newlines and tabs are escaped', () => {
    expect(expressionOrString('a\\b\n\t"c"')).toBe('"a\\\\b\\n\\t\\"c\\""');
  });

  test('an unterminated ${ is kept as literal text', () => {
    expect(templateParts('x ${y')).toEqual([{ kind: 'literal', text: 'x ${y' }]);
  });

  test('several interpolations in one string keep their literal parts', () => {
    expect(expressionOrString('arn:aws:s3:::${var.b}/${var.k}*')).toBe('"arn:aws:s3:::${var.b}/${var.k}*"');
  });
});

describe('toHcl', () => {
  const doc = {
    terraform: {
      backend: { local: { path: '../../../state/x.tfstate' } },
      required_providers: { aws: { source: 'hashicorp/aws', version: '5.100.0' } },
    },
    provider: {
      aws: [
        { region: 'us-east-1', default_tags: [{ tags: { 'managed-by': 'trailbridge', 'trailbridge:stack': 'x' } }] },
        { alias: 'eu-west-1', region: 'eu-west-1', assume_role: [{ role_arn: 'arn:aws:iam::1:role/r' }] },
      ],
    },
    data: {
      aws_iam_policy_document: {
        doc: {
          '//': { metadata: { path: 'x/doc' } },
          provider: 'aws.eu-west-1',
          statement: [{ actions: ['sqs:SendMessage'], principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }], condition: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: ['arn:x'] }] }],
        },
      },
    },
    resource: {
      aws_sqs_queue: {
        q: { '//': { metadata: { path: 'x/q' } }, name: 'a', tags: { a: 'b' }, provider: 'aws.eu-west-1' },
        q2: { name: 'b', depends_on: ['aws_sqs_queue.q'], policy: '${data.aws_iam_policy_document.doc.json}', lifecycle: { ignore_changes: ['tags'] } },
      },
      aws_lambda_function: { f: { environment: { variables: { A: '1' } }, logging_config: { log_format: 'JSON' } } },
    },
    output: { out: { value: '${aws_sqs_queue.q.arn}', sensitive: false } },
  };
  const hcl = toHcl(doc as any, shapes);

  test('renders backend and required_providers inside the terraform block', () => {
    expect(hcl).toContain('backend "local" {\n    path = "../../../state/x.tfstate"\n  }');
    expect(hcl).toMatch(/required_providers \{\n\s+aws = \{\n\s+source = "hashicorp\/aws"/);
  });

  test('provider references are bare, never quoted', () => {
    expect(hcl).toContain('provider = aws.eu-west-1');
    expect(hcl).not.toContain('"aws.eu-west-1"');
  });

  test('nested blocks from the schema are blocks; maps stay attributes', () => {
    expect(hcl).toMatch(/default_tags \{\n\s+tags = \{\n\s+managed-by = "trailbridge"\n\s+"trailbridge:stack" = "x"/);
    expect(hcl).toMatch(/statement \{[\s\S]*principals \{[\s\S]*condition \{/);
    expect(hcl).toMatch(/environment \{\n\s+variables = \{\n\s+A = "1"/);
    expect(hcl).toMatch(/tags = \{\n\s+a = "b"/);
  });

  test('meta-arguments: depends_on and lifecycle.ignore_changes hold bare references', () => {
    expect(hcl).toContain('depends_on = [aws_sqs_queue.q]');
    expect(hcl).toContain('ignore_changes = [tags]');
  });

  test('each resource is preceded by its construct path, and metadata is dropped', () => {
    expect(hcl).toContain('# x/q\nresource "aws_sqs_queue" "q" {');
    expect(hcl).not.toContain('metadata');
  });

  test("a variable's type is a bare type expression (a quoted one is a legacy hint Terraform rejects)", () => {
    const typed = toHcl({ variable: { creds: { type: 'map(object({ file = string }))', description: 'd' } }, output: {} }, shapes);
    expect(typed).toMatch(/^variable "creds" \{\n {2}type = map\(object\(\{ file = string \}\)\)\n {2}description = "d"\n\}/);
    expect(toHcl({ variable: { bare: { type: 'string' } } }, shapes)).toMatch(/^variable "bare" \{\n {2}type = string\n\}/);
    expect(toHcl({ variable: { untyped: { description: 'd' } } }, shapes)).toMatch(/^variable "untyped" \{\n {2}description = "d"\n\}/);
  });

  test('scanner justifications under // become checkov suppressions inside the block, one per check', () => {
    const doc = {
      resource: {
        aws_lambda_function: {
          f: { '//': { metadata: { path: 'x/f' }, checkov: { CKV_AWS_117: 'no VPC: calls public endpoints only', CKV_AWS_50: 'tracing is a switch' } }, function_name: 'f' },
        },
      },
    };
    expect(toHcl(doc, shapes)).toContain(
      '# x/f\nresource "aws_lambda_function" "f" {\n  # checkov:skip=CKV_AWS_117:no VPC: calls public endpoints only\n  # checkov:skip=CKV_AWS_50:tracing is a switch\n  function_name = "f"\n}',
    );
  });

  test('moved blocks render with bare addresses; a top-level key with no rendering is refused, not dropped', () => {
    const moved = toHcl({ moved: [{ from: 'aws_sqs_queue.q-0', to: 'aws_sqs_queue.q-a' }] }, shapes);
    expect(moved).toBe('moved {\n  from = aws_sqs_queue.q-0\n  to   = aws_sqs_queue.q-a\n}\n');
    expect(() => toHcl({ import: [{ to: 'aws_sqs_queue.q', id: 'u' }] } as any, shapes)).toThrow(/no HCL rendering for the top-level "import".*tools\/lib\/hcl\.ts/);
  });

  test('outputs render with bare expressions', () => {
    expect(hcl).toMatch(/output "out" \{\n\s+value = aws_sqs_queue.q.arn\n\s+sensitive = false/);
  });
});

describe('blockShapes', () => {
  test('keeps only nested block names, recursively', () => {
    const schema = {
      provider_schemas: {
        'registry.terraform.io/hashicorp/aws': {
          provider: { block: { attributes: { region: {} }, block_types: { assume_role: { block: { attributes: {} } } } } },
          resource_schemas: { aws_x: { block: { block_types: { outer: { block: { block_types: { inner: { block: {} } } } } } } } },
          data_source_schemas: {},
        },
      },
    };
    expect(blockShapes(schema)).toEqual({
      provider: { blocks: { assume_role: { blocks: {} } } },
      resources: { aws_x: { blocks: { outer: { blocks: { inner: { blocks: {} } } } } } },
      dataSources: {},
    });
  });

  test('fails clearly when the provider is absent', () => {
    expect(() => blockShapes({ provider_schemas: {} })).toThrow(/has no registry\.terraform\.io\/hashicorp\/aws/);
  });
});
