/**
 * A {@link BodyCompressor} that gzips a batch's body on the thread pool while the batch fills.
 */
import { createGzip } from 'node:zlib';
import type { BodyCompressor } from './batcher';

export function gzipWhileFilling(level: number): BodyCompressor {
  // Output in few, big parts: each part is a callback on the main thread.
  const gzip = createGzip({ level, chunkSize: 256 * 1024 });
  const parts: Buffer[] = [];
  const compressed = new Promise<Buffer>((resolve, reject) => {
    gzip.on('data', (part: Buffer) => parts.push(part));
    gzip.once('end', () => resolve(parts.length === 1 ? parts[0] : Buffer.concat(parts)));
    gzip.once('error', reject);
  });
  return {
    write: (bytes) => {
      gzip.write(bytes);
    },
    end: (last) => {
      gzip.end(last);
      return compressed;
    },
  };
}
