/**
 * How far V8 lets the old generation grow after a full collection, set once at cold start.
 *
 * Lambda's Node.js bootstrap caps the old generation at nine tenths of the function's memory
 * (`--max-old-space-size=231` at 256 MB). V8 scales its growth factor with that cap: an old
 * generation capped near 256 MB grows by at most ~1.3x after each mark-compact, one capped at 2 GB
 * or more by up to 4x. The forwarder's live heap is small (15-30 MB: a batch, the object in flight;
 * its read-ahead is off-heap buffers), so under the cap it mark-compacted twice as often as the same
 * code on a large heap: ~25 % more CPU on the fleet workload (README, Performance). A factor of 3
 * gives that back.
 *
 * The cap itself is untouched, and V8 never sets the next limit beyond halfway between the live
 * size and the cap, so the heap still keeps itself under the function's memory. What it costs is
 * garbage kept longer: 10-40 MB more peak RSS. The flag also replaces the smaller factors V8 takes
 * on its own when it saves memory (close to the cap, or under memory pressure); the halfway bound
 * still holds there.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** The growth after a full collection, in percent of the live size: 200 is a factor of 3. */
export const DEFAULT_HEAP_GROWING_PERCENT = 200;
/** Below 10 % the factor would be under V8's own minimum (1.1): more collections, no gain. */
export const MIN_HEAP_GROWING_PERCENT = 10;
/** V8's own largest factor, 4. */
export const MAX_HEAP_GROWING_PERCENT = 300;

const MB = 1024 * 1024;
/** From this old-generation cap V8 already allows a factor of up to 4 (kMaxSize in V8's heap controller, 64-bit). */
const LARGE_OLD_GENERATION_BYTES = 2048 * MB;

/**
 * The V8 flag for `percent` with the old generation capped at `oldGenerationCapBytes`, or
 * undefined when V8's own growth stays: `percent` 0, or a cap large enough for V8 to grow the
 * heap more than asked.
 */
export function heapGrowingFlag(percent: number, oldGenerationCapBytes: number): string | undefined {
  if (percent === 0 || oldGenerationCapBytes >= LARGE_OLD_GENERATION_BYTES) return undefined;
  return `--heap-growing-percent=${percent}`;
}

/**
 * The old generation's cap of this process: the last `--max-old-space-size` it was started with
 * (Lambda's bootstrap passes one on the command line), else the whole heap's limit, which is
 * larger than the cap and so never asks for a flag where V8 would grow more.
 */
export function oldGenerationCapBytes(execArgv: readonly string[], heapSizeLimit: number): number {
  let capMB: number | undefined;
  for (const arg of execArgv) {
    const match = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(arg);
    if (match) capMB = Number(match[1]);
  }
  return capMB !== undefined ? capMB * MB : heapSizeLimit;
}

/**
 * Sets the flag for this process (V8 reads it whenever it computes the next limit, so setting it
 * at cold start, before the first object, takes effect) and returns it, or undefined when nothing
 * was set, for the cold start's log.
 */
export function applyHeapGrowing(percent: number): string | undefined {
  const flag = heapGrowingFlag(percent, oldGenerationCapBytes(process.execArgv, getHeapStatistics().heap_size_limit));
  if (flag) setFlagsFromString(flag);
  return flag;
}
