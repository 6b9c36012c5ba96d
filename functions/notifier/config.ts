import { Env, EnvReader, EnvironmentError } from '../lib/env';

export interface NotifierConfig {
  readonly topicArn: string;
  /** Source account id -> environment name (the topology's account name). */
  readonly environments: Readonly<Record<string, string>>;
}

/**
 * Reads the environment once: TOPIC_ARN (required) and SOURCE_ENVIRONMENTS (a JSON object of
 * account id -> name; default {}). Every problem is reported in one EnvironmentError.
 */
export function readConfig(env: Env): NotifierConfig {
  const reader = new EnvReader(env);
  const topicArn = reader.required('TOPIC_ARN');
  const rawEnvironments = reader.optional('SOURCE_ENVIRONMENTS');
  reader.done();
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(topicArn)) {
    throw new EnvironmentError([`Environment variable TOPIC_ARN: ${JSON.stringify(topicArn)} is not an SNS topic ARN`]);
  }
  return { topicArn, environments: rawEnvironments ? parseEnvironments(rawEnvironments) : {} };
}

function parseEnvironments(raw: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new EnvironmentError([`Environment variable SOURCE_ENVIRONMENTS is not JSON: ${(err as Error).message}`]);
  }
  const valid =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string' && v.length > 0);
  if (!valid) throw new EnvironmentError(['Environment variable SOURCE_ENVIRONMENTS must be a JSON object of account id -> non-empty name']);
  return parsed as Record<string, string>;
}
