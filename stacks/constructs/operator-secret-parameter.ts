import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

export interface OperatorSecretParameterProps {
  /** Parameter name, starting with "/". */
  readonly parameterName: string;
  readonly description: string;
  /** Customer managed key of the SecureString (key ARN or alias name). @default - the AWS managed key alias/aws/ssm */
  readonly kmsKeyArn?: string;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * What Terraform writes until an operator sets the real value. Not a secret: it tells whoever reads
 * it what to do instead.
 */
export const PLACEHOLDER_VALUE = 'PLACEHOLDER: set the real value with aws ssm put-parameter --overwrite (see docs/flow-1-forwarder.md)';

/**
 * An SSM SecureString whose value belongs to an operator, not to Terraform: created with a
 * placeholder, then `lifecycle.ignore_changes = ["value"]`, so the secret an operator sets later
 * never enters code or plans, and no apply resets it. It does enter state: a refresh reads the
 * parameter decrypted and the AWS provider stores `value` whatever ignore_changes says.
 * (`value_wo` would keep it out, but moving an existing parameter to it writes the placeholder
 * over the operator's secret.)
 */
export class OperatorSecretParameter extends Construct {
  readonly parameter: SsmParameter;

  constructor(scope: Construct, id: string, props: OperatorSecretParameterProps) {
    super(scope, id);
    if (!props.parameterName.startsWith('/')) {
      throw new Error(`OperatorSecretParameter ${id}: parameterName ${JSON.stringify(props.parameterName)} must start with "/" so its ARN is arn:...:parameter/<name>`);
    }
    this.parameter = new SsmParameter(this, 'parameter', {
      provider: props.provider,
      name: props.parameterName,
      description: props.description,
      type: 'SecureString',
      tier: 'Standard',
      keyId: props.kmsKeyArn,
      value: PLACEHOLDER_VALUE,
      lifecycle: { ignoreChanges: ['value'] },
    });
  }
}
