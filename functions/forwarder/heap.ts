/**
 * How far V8 lets the old generation grow after a full collection, set once at cold start.
 *
 * Lambda's Node.js bootstrap caps the old generation at nine tenths of the function's memory
 * (`--max-old-space-size=231` at 256 MB). V8 scales its growth factor with that cap: a heap capped
 * near 256 MB grows by at most ~1.3x after each mark-compact, one of 2 GB or more by up to 4x. The
 * forwarder's live heap is small (15-30 MB: a batch, the object in flight, its read-ahead being
 * off-heap buffers), so under the cap it mark-compacts twice as often as the same code on a large
 * heap: ~25 % more CPU on the fleet workload (README, Performance). A factor of 3 gives that back.
 *
 * The cap itself is untouched, and V8 still never sets the next limit beyond halfway between the
 * live size and the cap, so the heap keeps itself under the function's memory as before; what it
 * costs is garbage kept longer (~15 MB more peak RSS on the fleet).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** The growth after a full collection, in percent of the live size: 200 is a factor of 3. */
export const DEFAULT_HEAP_GROWING_PERCENT = 200;

/** At and above this heap limit V8 already allows a factor of up to 4: nothing to set. */
const LARGE_HEAP_BYTES = 2 * 1024 ** 3;

/**
 * The V8 flag for `percent` on a heap limited to `heapSizeLimit` bytes, or undefined when V8's
 * own growth stays: `percent` 0, or a heap large enough for V8 to grow it more than asked.
 */
export function heapGrowingFlag(percent: number, heapSizeLimit: number): string | undefined {
  if (percent === 0 || heapSizeLimit >= LARGE_HEAP_BYTES) return undefined;
  return `--heap-growing-percent=${percent}`;
}

/**
 * Sets the flag for this process (V8 reads it at every collection, so setting it at cold start,
 * before the first object, takes effect) and returns it, or undefined when nothing was set.
 */
export function applyHeapGrowing(percent: number): string | undefined {
  const flag = heapGrowingFlag(percent, getHeapStatistics().heap_size_limit);
  if (flag) setFlagsFromString(flag);
  return flag;
}
