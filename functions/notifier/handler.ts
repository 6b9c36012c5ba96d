import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { functionLogger } from '../lib/function-logger';
import { readConfig } from './config';
import { NotifySummary, notify } from './notify';

// Created once per container: the configuration, the client and its connections are reused.
const logger = functionLogger('notifier', process.env);
const config = readConfig(process.env);
const sns = new SNSClient({});

/** S3 invokes this for each new object under AWSLogs/ ending .json.gz. */
export async function handler(event: unknown): Promise<NotifySummary> {
  return notify(event, { config, logger, publish: (input) => sns.send(new PublishCommand(input)) });
}
