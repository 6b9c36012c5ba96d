import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '../lib/logger';
import { readConfig } from './config';
import { NotifySummary, notify } from './notify';

// Created once per container: the configuration, the client and its connections are reused.
const config = readConfig(process.env);
const sns = new SNSClient({});
const logger = new Logger({ service: 'notifier' });

/** S3 invokes this for each new object under AWSLogs/ ending .json.gz. */
export async function handler(event: unknown): Promise<NotifySummary> {
  return notify(event, { config, logger, publish: (input) => sns.send(new PublishCommand(input)) });
}
