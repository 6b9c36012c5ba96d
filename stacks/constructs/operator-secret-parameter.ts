import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

export interface OperatorSecretParameterProps {
  /** Parameter name, starting with "/". */
  readonly parameterName: string;
  /**
   * Fixed text, nothing from the topology: once the parameter exists, Terraform cannot apply a
   * changed description (see the class comment). OPERATOR_OWNED_NOTE is appended.
   */
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
 * Ends every description. Parameters of releases before the write-only placeholder lack it, and
 * that difference is what moves them (see the class comment).
 */
export const OPERATOR_OWNED_NOTE = 'value set by an operator; Terraform wrote only a placeholder';

/**
 * An SSM SecureString whose value belongs to an operator, not to Terraform, and which keeps that
 * value out of Terraform state. The placeholder is `value_wo`, a write-only argument: sent on
 * create, never stored; and once the provider has written from `value_wo` (`has_value_wo`), its
 * refresh, which reads the parameter decrypted, stores no value either. So the token an operator
 * puts later is in neither code, plans nor state.
 *
 * `ignore_changes = ["value_wo_version"]`: a changed version is the only thing that makes the
 * provider write `value_wo` again, and a parameter created with plain `value` (before this
 * construct was write-only) has no version in state; without it, that deployment's next apply
 * would write the placeholder over the operator's token.
 *
 * Such a parameter still holds the token in state until OPERATOR_OWNED_NOTE changes its description:
 * the provider applies that update by putting the value it has in state, which the plan's refresh
 * has just read (the token, unchanged), and then, reading with `value_wo` configured, drops it.
 * That apply must refresh (no `-refresh=false`), or a stale value is put back.
 *
 * The price: with no value in state, any later in-place update (description, key, tier) makes the
 * provider put an empty value, which SSM refuses; the apply fails and the token stays. Hence the
 * fixed description; a new key is given by the operator's put-parameter --key-id
 * (docs/flow-1-forwarder.md).
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
      description: `${props.description}; ${OPERATOR_OWNED_NOTE}`,
      type: 'SecureString',
      tier: 'Standard',
      keyId: props.kmsKeyArn,
      valueWo: PLACEHOLDER_VALUE,
      valueWoVersion: 1,
      lifecycle: { ignoreChanges: ['value_wo_version'] },
    });
  }
}
