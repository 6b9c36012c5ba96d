import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Naming } from '../../config/naming';
import { Account } from '../../config/schema';
import { deployRole } from '../../config/accounts';

export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Credentials the run starts from: fake, accepted by any emulator, useless against AWS. */
export const EMULATOR_BASE_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface Target {
  /** The emulator (or any AWS-compatible endpoint). */
  readonly endpoint: string;
  /** Credentials that may assume the deploy role of every account. */
  readonly baseCredentials: AwsCredentialIdentity;
}

/** SDK client settings for one account and region of the target. */
export interface ClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity;
  /** S3 on a loopback endpoint needs path-style addressing. */
  readonly forcePathStyle: boolean;
}

/**
 * Reaches each account as Terraform does: through the topology's deploy role (assume_role), so
 * every call lands in that account, and checks the emulator returns that account, which is what
 * the providers' allowed_account_ids rely on.
 */
export class Accounts {
  private readonly sessions = new Map<string, Promise<AwsCredentialIdentity>>();

  constructor(
    readonly target: Target,
    readonly naming: Naming,
  ) {}

  config(account: Account, region: string = this.naming.homeRegion): Promise<ClientConfig> {
    return this.credentials(account).then((credentials) => ({ endpoint: this.target.endpoint, region, credentials, forcePathStyle: true }));
  }

  /** The credentials of a role in an account (the forwarder's role, as the Lambda would have). */
  async assume(roleArn: string, sessionName = 'trailbridge-e2e'): Promise<AwsCredentialIdentity> {
    const sts = new STSClient({ endpoint: this.target.endpoint, region: this.naming.homeRegion, credentials: this.target.baseCredentials });
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
    const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const accountId = roleArn.split(':')[4];
    const who = await new STSClient({ endpoint: this.target.endpoint, region: this.naming.homeRegion, credentials }).send(new GetCallerIdentityCommand({}));
    if (who.Account !== accountId) {
      throw new Error(`after assuming ${roleArn} the endpoint says the caller is in ${who.Account}, not ${accountId}; allowed_account_ids would refuse every stack`);
    }
    return credentials;
  }

  private credentials(account: Account): Promise<AwsCredentialIdentity> {
    let session = this.sessions.get(account.id);
    if (!session) {
      const roleArn = deployRole(this.naming.topology, account)?.roleArn;
      session = roleArn ? this.assume(roleArn) : Promise.resolve(this.target.baseCredentials);
      this.sessions.set(account.id, session);
    }
    return session;
  }
}
