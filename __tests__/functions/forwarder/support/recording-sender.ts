import { Batch, batchEvents } from '../../../../functions/forwarder/batcher';
import { BatchSender, DeliveryReport } from '../../../../functions/forwarder/ingest-client';

/** A sender that takes every batch and keeps its events parsed: pipeline tests that need no HTTP. */
export class RecordingSender implements BatchSender {
  readonly batches: Record<string, unknown>[][] = [];

  get events(): Record<string, unknown>[] {
    return this.batches.flat();
  }

  async send<T>(batch: Batch<T>): Promise<DeliveryReport<T>> {
    this.batches.push(batchEvents(batch).map((json) => JSON.parse(json) as Record<string, unknown>));
    return { accepted: batch.origins.length, failed: [], requests: 1, retries: 0, bytesSent: batch.body.length, latenciesMs: [] };
  }
}
