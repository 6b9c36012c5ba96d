import { LambdaCodeSigningConfig } from '@cdktf/provider-aws/lib/lambda-code-signing-config';
import { SignerSigningProfile } from '@cdktf/provider-aws/lib/signer-signing-profile';
import { Construct } from 'constructs';
import type { TrailbridgeStack } from '../trailbridge-stack';

const ID = 'code-signing';

/**
 * The code signing of a stack's functions (topology `functions.codeSigning`): one AWS Signer
 * profile for Lambda and one code signing config that trusts it, shared by every function of the
 * stack. Unsigned code deploys with a warning ("Warn"), since trailbridge uploads its bundles
 * itself and does not sign them; "Enforce" would refuse every deployment.
 */
export class FunctionCodeSigning extends Construct {
  readonly profile: SignerSigningProfile;
  readonly config: LambdaCodeSigningConfig;

  /** The stack's code signing, created with its first function. */
  static of(stack: TrailbridgeStack): FunctionCodeSigning {
    return (stack.node.tryFindChild(ID) as FunctionCodeSigning | undefined) ?? new FunctionCodeSigning(stack);
  }

  private constructor(stack: TrailbridgeStack) {
    super(stack, ID);
    this.profile = new SignerSigningProfile(this, 'profile', {
      name: stack.naming.signingProfileName(stack.stackName),
      platformId: 'AWSLambda-SHA384-ECDSA',
    });
    this.config = new LambdaCodeSigningConfig(this, 'config', {
      description: `Signed by ${stack.naming.signingProfileName(stack.stackName)} (trailbridge ${stack.stackName})`,
      allowedPublishers: { signingProfileVersionArns: [this.profile.versionArn] },
      policies: { untrustedArtifactOnDeployment: 'Warn' },
    });
  }
}
