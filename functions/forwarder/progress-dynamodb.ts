/**
 * The progress store in DynamoDB (table PROGRESS_TABLE, partition key `object`, a string): one
 * item per object, `watermark` a number, `expiresAt` the TTL attribute (epoch seconds), so the
 * table cleans itself: a notification is not delivered again after days.
 */
import { ConditionalCheckFailedException, DynamoDBClient, DynamoDBClientConfig, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ProgressStore } from './progress';

/**
 * The forwarder's client for the table: short timeouts, as reading waits for a lagging progress
 * write and the invocation for the last one, and a failed load or save only costs duplicates.
 * Without throwOnRequestTimeout the SDK only warns when requestTimeout passes and keeps waiting.
 * cacheMiddleware: a progress read or write per object; without it the SDK resolves and sorts the
 * middleware stack again on every call.
 */
export const PROGRESS_CLIENT_CONFIG: DynamoDBClientConfig = {
  maxAttempts: 2,
  cacheMiddleware: true,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
};

/** Items live this long after their last write. */
export const PROGRESS_TTL_SECONDS = 7 * 24 * 3600;

export class DynamoProgressStore implements ProgressStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async load(object: string): Promise<number> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { object: { S: object } }, ConsistentRead: true, ProjectionExpression: 'watermark' }));
    const value = Item?.watermark?.N;
    return value === undefined ? 0 : Number(value);
  }

  /** Conditional: a lower watermark than the stored one (a late or parallel writer) changes nothing. */
  async save(object: string, watermark: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { object: { S: object } },
          UpdateExpression: 'SET watermark = :w, expiresAt = :e',
          ConditionExpression: 'attribute_not_exists(watermark) OR watermark < :w',
          ExpressionAttributeValues: { ':w': { N: String(watermark) }, ':e': { N: String(Math.floor(this.clock() / 1000) + PROGRESS_TTL_SECONDS) } },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
