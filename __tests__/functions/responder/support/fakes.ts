import { Logger } from '../../../../functions/lib/logger';
import { Metrics } from '../../../../functions/lib/metrics';
import type { ResponderConfig } from '../../../../functions/responder/config';
import type { ResponderDeps, SdkClient } from '../../../../functions/responder/executor';

type Script = Record<string, (input: Record<string, unknown>) => unknown>;

/** A client that answers each command from the script (by command class name) and records every call. */
export class FakeClient implements SdkClient {
  readonly calls: { command: string; input: Record<string, unknown> }[] = [];
  constructor(private readonly script: Script = {}) {}
  async send(command: unknown): Promise<unknown> {
    const name = (command as object).constructor.name.replace(/Command$/, '');
    const input = (command as { input: Record<string, unknown> }).input;
    this.calls.push({ command: name, input });
    const answer = this.script[name];
    return answer ? answer(input) : {};
  }
  names(): string[] {
    return this.calls.map((c) => c.command);
  }
}

/** An AWS SDK style error. */
export function awsError(name: string, status: number, retryable = false): Error {
  return Object.assign(new Error(`${name} (fake)`), { name, $metadata: { httpStatusCode: status }, ...(retryable ? { $retryable: {} } : {}) });
}

/** APIs that change something: report mode must never call them on a source account. */
export const WRITE_APIS = ['PutPublicAccessBlock', 'PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl', 'AttachUserPolicy', 'CreateTags'];

export function fakeDeps(config: ResponderConfig, source: { s3?: Script; iam?: Script; ec2?: Script } = {}, other: { evidence?: Script; sns?: Script } = {}) {
  const lines: Record<string, any>[] = [];
  const s3 = new FakeClient(source.s3);
  const iam = new FakeClient(source.iam);
  const ec2 = new FakeClient(source.ec2);
  const evidenceS3 = new FakeClient(other.evidence);
  const sns = new FakeClient(other.sns);
  const assumed: string[] = [];
  const deps: ResponderDeps = {
    config,
    sourceClients: async (account) => {
      assumed.push(account);
      return { s3, iam, ec2 };
    },
    evidenceS3,
    sns,
    logger: new Logger({ service: 'responder', write: (line) => lines.push(JSON.parse(line)) }),
    metrics: new Metrics({ namespace: 'Test', write: (line) => lines.push(JSON.parse(line)) }),
  };
  return { deps, s3, iam, ec2, evidenceS3, sns, lines, assumed, sourceWrites: () => [s3, iam, ec2].flatMap((c) => c.names()).filter((n) => WRITE_APIS.includes(n)) };
}
