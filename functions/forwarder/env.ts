/**
 * The forwarder's environment, read and validated once at cold start.
 *
 * | variable                          | required | meaning                                                         |
 * | --------------------------------- | -------- | --------------------------------------------------------------- |
 * | DT_ENV_URL                        | yes      | Dynatrace environment or ActiveGate URL, e.g. https://abc12345.live.dynatrace.com or https://ag.example:9999/e/abc12345; http:// only to localhost (tests) |
 * | DT_API_TOKEN_PARAM                | yes      | name of the SSM SecureString holding the token (logs.ingest scope) |
 * | FAILURE_QUEUE_URL                 | yes      | SQS queue URL for replay tickets                                |
 * | APPCONFIG_APPLICATION             | yes      | AppConfig application (name or id) of the rules                 |
 * | APPCONFIG_ENVIRONMENT             | yes      | AppConfig environment (name or id)                              |
 * | APPCONFIG_PROFILE                 | yes      | AppConfig configuration profile (name or id)                    |
 * | AWS_APPCONFIG_EXTENSION_HTTP_PORT | no       | port of the AppConfig extension; default 2772 (the extension reads it too) |
 * | DT_CONCURRENCY                    | no       | requests in flight to Dynatrace, 1-32; default 4                |
 * | DT_TOKEN_TTL_SECONDS              | no       | how long the token is cached, 0-3600; default 300               |
 * | SAFETY_MARGIN_MS                  | no       | time kept before the Lambda timeout to ticket what is left, 1000-120000, at most a quarter of the invocation's time (./invocation.ts); default 10000 |
 * | REPLAY_MAX_ATTEMPTS               | no       | a ticket replayed this many times without success is returned to the queue (so its redrive policy moves it to the DLQ) instead of being re-ticketed, 1-20; default 3 |
 * | READ_AHEAD_MB                     | no       | MiB fetched ahead of the object being parsed (./read-ahead.ts), 0-64; 0 opens each object at its turn; default 16 |
 * | HEAP_GROWING_PERCENT              | no       | how far V8 grows the old generation after a full collection, in percent of the live size (./heap.ts), 0 or 10-300; 0 leaves V8's own growth; default 200 (a factor of 3); not set when the old generation's cap is 2 GB or more |
 * | BUILT_IN_RULES                    | no       | allowed or refused: whether the built-in rules (forward everything, no redaction) apply when no rules document was ever loaded (a cold start with the AppConfig extension down or the document invalid); refused fails the invocation instead, so it is retried; the stack sets refused when the topology's rules document has redactions; default allowed |
 * | PROGRESS_TABLE                    | no       | DynamoDB table of per-object progress (./progress.ts), so a second delivery after a crash resumes; absent: none kept |
 * | LOG_LEVEL                         | no       | DEBUG, INFO, WARN or ERROR; default INFO; read (before the others, so a bad value is reported alone) by functionLogger, ../lib/function-logger.ts, as in every function |
 * | METRICS_NAMESPACE                 | no       | CloudWatch namespace of the EMF metrics; default Trailbridge/Forwarder |
 * | AWS_RESPONSE_CHECKSUM_VALIDATION  | no       | the SDK's setting; set (WHEN_SUPPORTED, from forwarder.s3Checksums "all"), every object's S3 checksum is checked; absent, only keys not ending in .gz (./object-source.ts) |
 *
 * Precedence: the environment only; nothing is read from the rules document that belongs here.
 */
import { Env, EnvReader } from '../lib/env';
import { DEFAULT_HEAP_GROWING_PERCENT, MAX_HEAP_GROWING_PERCENT, MIN_HEAP_GROWING_PERCENT } from './heap';
import { DEFAULT_READ_AHEAD, ReadAheadLimits } from './read-ahead';
import { DEFAULT_APPCONFIG_EXTENSION_PORT } from './rules-source';
import { FORWARDER_METRICS_NAMESPACE } from './metric-names';

const MIB = 1024 * 1024;

export interface ForwarderEnv {
  readonly dynatraceUrl: string;
  readonly tokenParameterName: string;
  readonly failureQueueUrl: string;
  readonly appConfig: { readonly application: string; readonly environment: string; readonly profile: string; readonly port: number };
  readonly concurrency: number;
  readonly tokenTtlMs: number;
  readonly safetyMarginMs: number;
  readonly replayMaxAttempts: number;
  /** `false` when READ_AHEAD_MB is 0. */
  readonly readAhead: ReadAheadLimits | false;
  /** 0: V8's own growth. */
  readonly heapGrowingPercent: number;
  readonly metricsNamespace: string;
  /** Absent: no progress kept. */
  readonly progressTable?: string;
  /** False (BUILT_IN_RULES=refused): no rules document loaded fails the invocation instead of forwarding unredacted. */
  readonly builtInRulesAllowed: boolean;
}

/** Reads every variable; throws one EnvironmentError listing every problem. */
export function loadForwarderEnv(env: Env): ForwarderEnv {
  const r = new EnvReader(env);
  const result: ForwarderEnv = {
    dynatraceUrl: r.url('DT_ENV_URL', { required: true, secret: 'API token' }),
    tokenParameterName: r.required('DT_API_TOKEN_PARAM'),
    failureQueueUrl: r.url('FAILURE_QUEUE_URL', { required: true }),
    appConfig: {
      application: r.required('APPCONFIG_APPLICATION'),
      environment: r.required('APPCONFIG_ENVIRONMENT'),
      profile: r.required('APPCONFIG_PROFILE'),
      port: r.int('AWS_APPCONFIG_EXTENSION_HTTP_PORT', DEFAULT_APPCONFIG_EXTENSION_PORT, 1, 65535),
    },
    concurrency: r.int('DT_CONCURRENCY', 4, 1, 32),
    tokenTtlMs: r.int('DT_TOKEN_TTL_SECONDS', 300, 0, 3600) * 1000,
    safetyMarginMs: r.int('SAFETY_MARGIN_MS', 10_000, 1_000, 120_000),
    replayMaxAttempts: r.int('REPLAY_MAX_ATTEMPTS', 3, 1, 20),
    readAhead: readAheadFrom(r.int('READ_AHEAD_MB', DEFAULT_READ_AHEAD.maxBytes / MIB, 0, 64)),
    heapGrowingPercent: r.int('HEAP_GROWING_PERCENT', DEFAULT_HEAP_GROWING_PERCENT, MIN_HEAP_GROWING_PERCENT, MAX_HEAP_GROWING_PERCENT, { zeroTurnsOff: true }),
    metricsNamespace: r.optional('METRICS_NAMESPACE') ?? FORWARDER_METRICS_NAMESPACE,
    progressTable: r.optional('PROGRESS_TABLE'),
    builtInRulesAllowed: r.oneOf('BUILT_IN_RULES', ['allowed', 'refused'] as const, 'allowed') === 'allowed',
  };
  r.done();
  return result;
}

function readAheadFrom(mebibytes: number): ReadAheadLimits | false {
  return mebibytes === 0 ? false : { ...DEFAULT_READ_AHEAD, maxBytes: mebibytes * MIB };
}
