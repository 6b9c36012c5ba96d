import { TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';

/**
 * The input variable through which HCP Terraform hands a run its dynamic-credentials
 * configurations: the default one (also set in the run's environment) and one per tag
 * (`TFC_AWS_PROVIDER_AUTH_<tag>`). Its name and type are fixed by HCP Terraform; a provider of
 * another account points `shared_config_files` at its tag's file. Declared once per stack, and
 * only in a stack that reaches another account: HCP Terraform sets it, nobody else has to.
 */
export class TfcDynamicCredentials extends Construct {
  static readonly VARIABLE_NAME = 'tfc_aws_dynamic_credentials';
  readonly variable: TerraformVariable;

  constructor(scope: TerraformStack) {
    super(scope, 'tfc-dynamic-credentials');
    this.variable = new TerraformVariable(this, 'variable', {
      type: 'object({ default = object({ shared_config_file = string }), aliases = map(object({ shared_config_file = string })) })',
      description: 'Set by HCP Terraform in every run with dynamic provider credentials: the shared config file of each configuration',
    });
    this.variable.overrideLogicalId(TfcDynamicCredentials.VARIABLE_NAME);
  }

  /** The shared config file of a tagged configuration, as a Terraform expression. */
  aliasSharedConfigFile(tag: string): string {
    return `\${var.${TfcDynamicCredentials.VARIABLE_NAME}.aliases["${tag}"].shared_config_file}`;
  }
}

/** The stack's one dynamic-credentials variable, declared on first use. */
export function tfcDynamicCredentialsVariable(stack: TerraformStack): TfcDynamicCredentials {
  return (stack.node.tryFindChild('tfc-dynamic-credentials') as TfcDynamicCredentials | undefined) ?? new TfcDynamicCredentials(stack);
}
