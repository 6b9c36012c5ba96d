import { Env, EnvReader, EnvironmentError } from '../lib/env';

export interface NotifierConfig {
  readonly topicArn: string;
  /** Source account id -> environment name (the topology's account name). */
  readonly environments: Readonly<Record<string, string>>;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * Reads the environment once: TOPIC_ARN (required) and SOURCE_ENVIRONMENTS (a JSON object of
 * account id -> name; default {}). Every problem is reported in one EnvironmentError.
 */
export function readConfig(env: Env): NotifierConfig {
  const reader = new EnvReader(env);
  const topicArn = reader.required('TOPIC_ARN');
  const rawEnvironments = reader.optional('SOURCE_ENVIRONMENTS');
  reader.done();
  const problems: string[] = [];
  if (!TOPIC_ARN.test(topicArn)) problems.push(`Environment variable TOPIC_ARN: ${JSON.stringify(topicArn)} is not an SNS topic ARN`);
  const environments = rawEnvironments ? parseEnvironments(rawEnvironments, problems) : {};
  if (problems.length > 0) throw new EnvironmentError(problems);
  return { topicArn, environments };
}

/** Account id -> name; a key that is no account id would never match a log file's account, so it is refused. */
function parseEnvironments(raw: string, problems: string[]): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    problems.push(`Environment variable SOURCE_ENVIRONMENTS is not JSON: ${(err as Error).message}`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push('Environment variable SOURCE_ENVIRONMENTS must be a JSON object of account id -> non-empty name');
    return {};
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (!ACCOUNT_ID.test(key)) problems.push(`Environment variable SOURCE_ENVIRONMENTS: key ${JSON.stringify(key)} is not a 12-digit account id`);
    else if (typeof value !== 'string' || value.length === 0) problems.push(`Environment variable SOURCE_ENVIRONMENTS: ${JSON.stringify(key)} has the value ${JSON.stringify(value)}, not a non-empty name`);
  }
  return parsed as Record<string, string>;
}
