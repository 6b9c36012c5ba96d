import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { ResponderConfig } from './config';
import type { SdkClient, SourceClients } from './executor';

/**
 * Clients that act as a source account's responder role: STS AssumeRole with a session name that
 * says who is calling, so the source account's CloudTrail shows `assumed-role/<role>/trailbridge-responder`
 * (and the decision's self-check and the rules' patterns recognize it).
 */

export const RESPONDER_SESSION_NAME = 'trailbridge-responder';
/** The shortest session STS allows; one invocation needs seconds. */
export const ROLE_SESSION_SECONDS = 900;
/** Credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 60_000;

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export type ClientFactory = (region: string, credentials: () => Promise<Credentials>) => SourceClients;

const sdkClients: ClientFactory = (region, credentials) => ({ s3: new S3Client({ region, credentials }), iam: new IAMClient({ region, credentials }), ec2: new EC2Client({ region, credentials }) });

/**
 * `sourceClients` for the executor: one credential cache per account (renewed before expiry) and
 * one client set per account and region, kept across invocations of a warm function.
 */
export function assumingRoleClients(sts: SdkClient, config: ResponderConfig, makeClients: ClientFactory = sdkClients, clock: () => number = Date.now) {
  const credentials = new Map<string, () => Promise<Credentials>>();
  const clients = new Map<string, SourceClients>();

  const provider = (roleArn: string): (() => Promise<Credentials>) => {
    let current: Credentials | undefined;
    return async () => {
      if (current && current.expiration.getTime() - RENEW_BEFORE_MS > clock()) return current;
      const answer = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: RESPONDER_SESSION_NAME, DurationSeconds: ROLE_SESSION_SECONDS }))) as {
        Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
      };
      const c = answer.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`sts:AssumeRole ${roleArn} returned no credentials`);
      current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration ?? new Date(clock() + ROLE_SESSION_SECONDS * 1000) };
      return current;
    };
  };

  return async (account: string, region: string): Promise<SourceClients> => {
    const roleArn = config.accounts[account]?.roleArn;
    if (!roleArn) throw new Error(`account ${account} is not in the responder's accounts`);
    const key = `${account}/${region}`;
    let set = clients.get(key);
    if (!set) {
      let creds = credentials.get(account);
      if (!creds) credentials.set(account, (creds = provider(roleArn)));
      // Assume now, so an AccessDenied on the role surfaces at the first read with its own error.
      await creds();
      set = makeClients(region, creds);
      clients.set(key, set);
    }
    return set;
  };
}
