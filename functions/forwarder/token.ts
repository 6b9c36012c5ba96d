/**
 * The Dynatrace API token: an SSM SecureString, decrypted, cached for a TTL. The value is never
 * logged; it is registered with the logger as a secret so even an accident is masked.
 */
import { GetParameterCommand, SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import { TokenError } from './errors';

export interface TokenProvider {
  /** The current token (cached). Rejects with a {@link TokenError}. */
  get(): Promise<string>;
  /** Drops the cache and fetches again (after Dynatrace answered 401/403). */
  refresh(): Promise<string>;
}

export const DEFAULT_TOKEN_TTL_MS = 5 * 60 * 1000;

/**
 * The forwarder's SSM client. Every batch waits for the token, and the ingest client checks the
 * deadline only before it asks, so a fetch must end well within SAFETY_MARGIN_MS: the SDK's
 * defaults have no timeout at all (a connection SSM never answers held every batch until the
 * Lambda timeout, and nothing was ticketed). The SDK's three attempts (two throttles in a row
 * still recover), each of at most 3 s (SSM answers in tens of ms, an emulator under load in a
 * second or two), then a TokenError that tickets the batches. Without throwOnRequestTimeout the
 * SDK only warns at requestTimeout.
 */
export const SSM_CLIENT_CONFIG: SSMClientConfig = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
};

export interface SsmTokenProviderOptions {
  readonly ssm: Pick<SSMClient, 'send'>;
  readonly parameterName: string;
  /** @default 5 minutes */
  readonly ttlMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Called with each fetched value, to mask it in logs. */
  readonly onSecret?: (value: string) => void;
}

export class SsmTokenProvider implements TokenProvider {
  private cached?: { value: string; expiresAt: number };
  private inflight?: Promise<string>;
  private readonly clock: () => number;

  constructor(private readonly options: SsmTokenProviderOptions) {
    this.clock = options.clock ?? Date.now;
  }

  async get(): Promise<string> {
    if (this.cached && this.clock() < this.cached.expiresAt) return this.cached.value;
    return this.fetch();
  }

  async refresh(): Promise<string> {
    this.cached = undefined;
    return this.fetch();
  }

  /** Concurrent callers share one GetParameter call. */
  private fetch(): Promise<string> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<string> {
    const name = this.options.parameterName;
    let value: string | undefined;
    try {
      const res = await this.options.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      value = res.Parameter?.Value?.trim();
    } catch (err) {
      const errName = (err as { name?: string }).name;
      const hint =
        errName === 'ParameterNotFound'
          ? 'it does not exist; an operator sets it with `aws ssm put-parameter --type SecureString --overwrite`'
          : errName === 'AccessDeniedException'
            ? 'access denied; the function role needs ssm:GetParameter on it and kms:Decrypt on its key'
            : `${errName ?? 'error'}`;
      throw new TokenError(`cannot read the Dynatrace token from SSM parameter ${name}: ${hint}`, name, { cause: err });
    }
    if (!value) throw new TokenError(`SSM parameter ${name} is empty`, name);
    this.options.onSecret?.(value);
    this.cached = { value, expiresAt: this.clock() + (this.options.ttlMs ?? DEFAULT_TOKEN_TTL_MS) };
    return value;
  }
}

/** A fixed token (CLI: from an environment variable). Refreshing returns the same value. */
export class StaticTokenProvider implements TokenProvider {
  constructor(private readonly token: string) {}
  async get(): Promise<string> {
    return this.token;
  }
  async refresh(): Promise<string> {
    return this.token;
  }
}
