/**
 * What forwarding costs in Lambda, modelled from invocations measured on this machine.
 *
 * Lambda gives a function one vCPU at 1,769 MB and a share in proportion below. An invocation
 * measured here took `wallMs` and `cpuMs` (user + system, every thread of the process). At
 * memory M its duration is modelled as waits + CPU / share: the waits (wall - CPU, at least 0:
 * S3, Dynatrace) do not depend on M, the CPU time stretches by 1,769 / M below 1,769 MB, and at
 * 1,769 MB (one vCPU) an invocation takes at least its CPU time. This assumes waits and CPU do
 * not overlap, so it errs high where read-ahead overlaps them. The machine's cores are not
 * Graviton's: the figures are a model to choose by, not a bill.
 */

/** Lambda prices for arm64 (the forwarder's architecture) in US East (N. Virginia), first tier. */
export const LAMBDA_PRICES = {
  /** When these prices were read from the published price list (unchanged since arm64 launched in 2021). */
  asOf: '2024-11',
  region: 'us-east-1',
  architecture: 'arm64',
  usdPerGBSecond: 0.0000133334,
  usdPerRequest: 0.2 / 1_000_000,
} as const;

export const GB = 1024 ** 3;

/** The memory at which Lambda gives a function one full vCPU. */
export const ONE_VCPU_MEMORY_MB = 1769;

/** The memory sizes the bench prices. */
export const PRICED_MEMORY_MB = [256, 512, 1024, 1769] as const;

export interface MeasuredInvocation {
  readonly wallMs: number;
  readonly cpuMs: number;
}

export interface MemoryCost {
  readonly memoryMB: number;
  /** Lambda duration and request cost per GB (2^30 bytes, as the bench's MB are 2^20) of uncompressed input. */
  readonly usdPerGB: number;
  /** The modelled p99 invocation duration at this memory. */
  readonly p99Ms: number;
  /** The peak RSS measured under this memory's heap, when it was measured there. */
  readonly peakRssMB?: number;
}

export function vcpuShare(memoryMB: number): number {
  if (!(memoryMB > 0)) throw new Error(`memoryMB ${memoryMB}: give a positive number of MB`);
  return Math.min(1, memoryMB / ONE_VCPU_MEMORY_MB);
}

/** The invocation's duration at `memoryMB`, as the module comment derives it. */
export function modelledMs(invocation: MeasuredInvocation, memoryMB: number): number {
  return Math.max(0, invocation.wallMs - invocation.cpuMs) + invocation.cpuMs / vcpuShare(memoryMB);
}

/** Duration is billed per started ms, memory per GB (1,024 MB), plus the request. */
export function invocationUsd(invocation: MeasuredInvocation, memoryMB: number): number {
  const billedSeconds = Math.ceil(modelledMs(invocation, memoryMB)) / 1000;
  return (memoryMB / 1024) * billedSeconds * LAMBDA_PRICES.usdPerGBSecond + LAMBDA_PRICES.usdPerRequest;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function costPerGB(invocations: readonly MeasuredInvocation[], inputBytes: number, memoryMB: number): MemoryCost {
  if (invocations.length === 0 || !(inputBytes > 0)) throw new Error('costPerGB: needs at least one invocation and some input bytes');
  const usd = invocations.reduce((sum, invocation) => sum + invocationUsd(invocation, memoryMB), 0);
  return { memoryMB, usdPerGB: usd / (inputBytes / GB), p99Ms: percentile(invocations.map((i) => modelledMs(i, memoryMB)), 99) };
}

/**
 * The forwarder's default memory: the lowest cost per GB among the sizes that hold its peak RSS
 * and whose p99 invocation stays under a quarter of the function timeout (room for a slow S3 or
 * Dynatrace, and the deadline's drain); undefined when none qualifies.
 */
export function chooseMemory(costs: readonly MemoryCost[], timeoutSeconds: number, peakRssMB: number): number | undefined {
  const fitting = costs.filter((c) => c.memoryMB > (c.peakRssMB ?? peakRssMB) && c.p99Ms < (timeoutSeconds * 1000) / 4);
  fitting.sort((a, b) => a.usdPerGB - b.usdPerGB || a.memoryMB - b.memoryMB);
  return fitting[0]?.memoryMB;
}
