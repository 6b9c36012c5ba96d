import { FakeIngestServer } from '../lib/fake-ingest-server';

/**
 * The benchmark's sink: the fake Ingest API in a process of its own (forked with an IPC
 * channel), so decompressing and counting runs beside the forwarder, not inside its timing.
 * Messages: it sends {url, token} when listening; answers 'stats' with the counts so far.
 */
async function main(): Promise<void> {
  const sink = await FakeIngestServer.start({ keepEvents: false, countIds: false });
  process.on('message', async (message) => {
    if (message === 'stats') {
      process.send?.({ events: sink.acceptedEvents, uncompressedBytes: sink.acceptedUncompressedBytes, requests: sink.requests.length });
    } else if (message === 'close') {
      await sink.close();
      process.exit(0);
    }
  });
  // The bench killed (a test's timeout, Ctrl-C) closes the channel: the sink must not outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ url: sink.url, token: sink.token });
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
