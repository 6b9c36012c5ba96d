import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { Logger } from '../lib/logger';
import { decide } from './announcement';
import { NotifierConfig } from './config';
import { parseS3Event } from '../lib/s3-event';

export interface NotifyDependencies {
  readonly config: NotifierConfig;
  /** Publishes one message (SNSClient.send(new PublishCommand(input)) in the handler). */
  readonly publish: (input: PublishCommandInput) => Promise<unknown>;
  readonly logger: Logger;
}

export interface NotifySummary {
  readonly published: number;
  readonly skipped: number;
  readonly ignored: number;
  readonly testEvent: boolean;
}

/** Thrown when a publish failed, so S3's asynchronous invoke retries and then the on-failure destination keeps the event. */
export class PublishError extends Error {
  constructor(readonly failures: readonly { bucket: string; key: string; cause: unknown }[]) {
    super(`could not publish ${failures.length} log file notification(s): ${failures.map((f) => `s3://${f.bucket}/${f.key}`).join(', ')}`);
    this.name = 'PublishError';
  }
}

/**
 * Announces every new log file of an S3 event on the topic. Skipped keys and unknown records are
 * logged, never an error (S3 would retry them for nothing). When any publish fails the whole
 * event fails after every object was tried: the retry may announce the others twice, which the
 * forwarder tolerates better than a lost file.
 */
export async function notify(event: unknown, deps: NotifyDependencies): Promise<NotifySummary> {
  const { logger } = deps;
  const parsed = parseS3Event(event);
  if (parsed.testEvent) {
    logger.info('s3:TestEvent acknowledged');
    return { published: 0, skipped: 0, ignored: 0, testEvent: true };
  }
  for (const reason of parsed.ignored) logger.warn('record ignored', { reason });

  let skipped = 0;
  const sends: Promise<void>[] = [];
  const failures: { bucket: string; key: string; cause: unknown }[] = [];
  for (const object of parsed.objects) {
    const decision = decide(object, deps.config.environments);
    if ('skip' in decision) {
      skipped++;
      logger.info('key skipped', { bucket: object.bucket, key: object.key, reason: decision.skip });
      continue;
    }
    const input: PublishCommandInput = {
      TopicArn: deps.config.topicArn,
      Message: decision.publish.message,
      MessageAttributes: decision.publish.attributes,
    };
    sends.push(
      deps.publish(input).then(
        () => undefined,
        (cause) => {
          failures.push({ bucket: object.bucket, key: object.key, cause });
          logger.error('publish failed', { bucket: object.bucket, key: object.key, error: cause });
        },
      ),
    );
  }
  await Promise.all(sends);
  const summary = { published: sends.length - failures.length, skipped, ignored: parsed.ignored.length, testEvent: false };
  logger.info('event done', { ...summary, failed: failures.length });
  if (failures.length > 0) throw new PublishError(failures);
  return summary;
}
