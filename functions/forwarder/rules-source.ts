/**
 * Loads the rules from the AppConfig Lambda extension (a local HTTP server the extension layer
 * runs beside the function, which polls AppConfig and caches the deployed version):
 * `GET http://localhost:<port>/applications/<app>/environments/<env>/configurations/<profile>`.
 *
 * The document is parsed and compiled again only when `Configuration-Version` changes. When the
 * extension is down or the document is invalid, the last good rules stay in force (an error log
 * and a metric say so); with no good rules yet (a cold start), the built-in defaults apply, loudly
 * (or, with BUILT_IN_RULES=refused, the invocation fails: ./invocation.ts).
 */
import type { Dispatcher } from 'undici';
import { Logger } from '../lib/logger';
import { compileRules, CompiledRules, defaultRules } from './rules';
import { getGlobalDispatcher, request } from './undici';

export const DEFAULT_APPCONFIG_EXTENSION_PORT = 2772;
/** The extension answers from its cache; anything slower means it is not there. */
const EXTENSION_TIMEOUT_MS = 3_000;

export type RulesOrigin = 'appconfig' | 'last-good' | 'built-in';

export interface RulesLoad {
  readonly rules: CompiledRules;
  readonly origin: RulesOrigin;
  /** Why the AppConfig document was not used, when it was not. */
  readonly problem?: string;
}

export interface RulesSource {
  load(): Promise<RulesLoad>;
}

export interface AppConfigRulesSourceOptions {
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
  /** AWS_APPCONFIG_EXTENSION_HTTP_PORT. @default 2772 */
  readonly port?: number;
  /** @default 'localhost' */
  readonly host?: string;
  readonly logger?: Logger;
  /** @default - undici's global dispatcher */
  readonly dispatcher?: Dispatcher;
}

export class AppConfigRulesSource implements RulesSource {
  private lastGood?: CompiledRules;
  private readonly origin: string;
  private readonly path: string;

  constructor(private readonly options: AppConfigRulesSourceOptions) {
    const e = encodeURIComponent;
    this.origin = `http://${options.host ?? 'localhost'}:${options.port ?? DEFAULT_APPCONFIG_EXTENSION_PORT}`;
    this.path = `/applications/${e(options.application)}/environments/${e(options.environment)}/configurations/${e(options.profile)}`;
  }

  async load(): Promise<RulesLoad> {
    let version: string;
    let text: string;
    try {
      const res = await request(this.options.dispatcher ?? getGlobalDispatcher(), {
        origin: this.origin,
        path: this.path,
        method: 'GET',
        headersTimeout: EXTENSION_TIMEOUT_MS,
        bodyTimeout: EXTENSION_TIMEOUT_MS,
      });
      text = await res.body.text();
      if (res.statusCode !== 200) return this.fallback(`the AppConfig extension answered ${res.statusCode}: ${text.slice(0, 200)}`);
      const header = res.headers['configuration-version'];
      version = (Array.isArray(header) ? header[0] : header) ?? '';
    } catch (err) {
      return this.fallback(`the AppConfig extension at ${this.origin}${this.path} is unreachable: ${(err as Error).message}`);
    }

    if (this.lastGood && version !== '' && version === this.lastGood.version) {
      return { rules: this.lastGood, origin: 'appconfig' };
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      return this.fallback(`configuration version ${version || '(none)'} is not JSON`);
    }
    // zod is loaded with the schema, here, the first time a document is to be checked.
    const { parseRules } = await import('./rules-schema');
    const parsed = parseRules(document);
    if (!parsed.ok) return this.fallback(`configuration version ${version || '(none)'} is invalid: ${parsed.problems.join('; ')}`);
    let rules: CompiledRules;
    try {
      rules = compileRules(parsed.rules, version || 'unversioned');
    } catch (err) {
      return this.fallback(`configuration version ${version || '(none)'} cannot be compiled: ${(err as Error).message}`);
    }
    if (this.lastGood?.version !== rules.version) {
      this.options.logger?.info('forwarding rules loaded', { configurationVersion: rules.version });
    }
    this.lastGood = rules;
    return { rules, origin: 'appconfig' };
  }

  private fallback(problem: string): RulesLoad {
    if (this.lastGood) {
      this.options.logger?.error('forwarding rules not updated: keeping the last good version', {
        problem,
        configurationVersion: this.lastGood.version,
      });
      return { rules: this.lastGood, origin: 'last-good', problem };
    }
    this.options.logger?.error(
      'NO FORWARDING RULES AVAILABLE: USING THE BUILT-IN DEFAULTS (forward every CloudTrail record, no filters, no redaction)',
      { problem },
    );
    return { rules: defaultRules(), origin: 'built-in', problem };
  }
}
