import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
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

/**
 * The SDK's defaults have no timeout: an endpoint that takes the connection and never answers held
 * the invocation until Lambda's timeout (60 s) killed it, with no `did part` alert for the actions
 * already taken and no log line saying what was not done. Every client of the responder (STS, SNS,
 * the evidence bucket, S3, IAM and EC2 in the source account) gives each attempt at most 1 s to
 * connect and 4 s to the answer (these control-plane calls answer in well under a second), and the
 * SDK's 3 attempts with its backoff: a call that hangs fails in about 15 s with a `TimeoutError`,
 * which is retryable (errors.ts), so the partial alert, the log line and Lambda's retry still come
 * inside the function's timeout. Without throwOnRequestTimeout the SDK only warns at requestTimeout.
 */
export const RESPONDER_CLIENT_CONFIG = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 4_000, throwOnRequestTimeout: true },
} as const;

/** S3, IAM and EC2 clients of a source account and region, with {@link RESPONDER_CLIENT_CONFIG}. */
export const sdkSourceClients: ClientFactory = (region, credentials) => ({
  s3: new S3Client({ ...RESPONDER_CLIENT_CONFIG, region, credentials }),
  iam: new IAMClient({ ...RESPONDER_CLIENT_CONFIG, region, credentials }),
  ec2: new EC2Client({ ...RESPONDER_CLIENT_CONFIG, region, credentials }),
});

/**
 * The clients with the responder's own credentials, with {@link RESPONDER_CLIENT_CONFIG}: STS (to
 * assume the source roles), SNS (alerts), and S3 for the evidence bucket, which may live in another
 * region than the function (`evidence.region`).
 */
export function responderClients(config: Pick<ResponderConfig, 'evidence'>, region: string | undefined): { sts: STSClient; sns: SNSClient; evidenceS3: S3Client } {
  return {
    sts: new STSClient({ ...RESPONDER_CLIENT_CONFIG, region }),
    sns: new SNSClient({ ...RESPONDER_CLIENT_CONFIG, region }),
    evidenceS3: new S3Client({ ...RESPONDER_CLIENT_CONFIG, region: config.evidence?.region ?? region }),
  };
}

/**
 * `sourceClients` for the executor: one credential cache per account (renewed before expiry) and
 * one client set per account and region, kept across invocations of a warm function.
 */
export function assumingRoleClients(sts: SdkClient, config: ResponderConfig, makeClients: ClientFactory = sdkSourceClients, clock: () => number = Date.now) {
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
