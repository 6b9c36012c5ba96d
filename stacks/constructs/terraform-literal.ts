/**
 * A string Terraform must take as it is: Terraform reads `${` and `%{` in any string of its JSON
 * syntax as a template (a CloudFormation template's `${AWS::AccountId}`, say); `$${` and `%%{` are
 * their literal spellings.
 */
export function terraformLiteral(value: string): string {
  return value.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}
