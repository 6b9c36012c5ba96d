import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forwarder as forwarderConfig } from '../../config/sections/forwarder';
import { runProcess } from '../lib/process';
import { chooseMemory, costPerGB, GB, MeasuredInvocation, percentile, PRICED_MEMORY_MB } from './cost';
import { unpackBundle, startAppConfigExtension } from './functions-bench';
import { cloudTrailKey, generateCloudTrailFile } from './generate';
import { DEFAULT_FIRST_BYTE_MS, LatentS3 } from './latent-s3';
import { FORWARDER_BATCH_BYTES } from './measure';
import { FleetFigures } from './report';
import { median, minimumRequests, round } from './stats';
import { seededRandom } from '../lib/seeded-random';

/**
 * The fleet workload: what a deployed forwarder mostly sees. CloudTrail writes a file per
 * account and region about every five minutes, so the objects are many and mostly small; they
 * arrive through the SQS buffer in batches of 10 notifications, and every GetObject waits for S3's
 * first byte. The objects are generated from the shared records with the size mix of
 * {@link FLEET_SIZE_CLASSES}, served by {@link LatentS3}, and handed as SQS events to the bundled
 * forwarder in one `node` process (one warm Lambda container), invocation after invocation.
 * Read-ahead on and off (READ_AHEAD_MB=0) alternate in the same run, the order rotating from run
 * to run ({@link caseOrder}).
 */

/**
 * The sizes (uncompressed) of the generated objects: the share of objects in each class, sizes
 * log-uniform inside it. Mostly under 100 KB (a quiet account-region's five minutes), some of
 * 100 KB-2 MB, a few of 2-20 MB (a busy account, or a burst of data events).
 */
export const FLEET_SIZE_CLASSES = [
  { share: 0.8, minBytes: 2 * 1024, maxBytes: 100 * 1024 },
  { share: 0.17, minBytes: 100 * 1024, maxBytes: 2 * 1024 * 1024 },
  { share: 0.03, minBytes: 2 * 1024 * 1024, maxBytes: 20 * 1024 * 1024 },
] as const;

/** Objects in the full set and in the quick set. */
export const FLEET_OBJECTS = { full: 300, quick: 60 } as const;
/** Notifications per SQS event, as the buffer's event source mapping delivers them. */
export const NOTIFICATIONS_PER_EVENT = 10;

const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444'];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-central-1', 'eu-west-1', 'ap-southeast-2'];
const BUCKET = 'bench-fleet-trail';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:333333333333:bench-fleet-objects';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:333333333333:bench-fleet-buffer';
/** The rules a deployed forwarder gets: a redaction, no filter, so the sink must see every record. */
const FLEET_RULES = { version: 1, redactions: [{ path: 'responseElements.credentials.sessionToken' }] };

export interface PlannedObject {
  readonly key: string;
  readonly targetBytes: number;
}


/**
 * `count` objects, at least one of each size class, in a shuffled order, keyed as CloudTrail
 * keys them (accounts and regions in turn, five minutes apart). Pure: the same count and seed
 * give the same plan.
 */
export function planFleet(count: number, now: number, seed = 17): PlannedObject[] {
  const next = seededRandom(seed);
  const sizes: number[] = [];
  let left = count;
  for (const [i, c] of FLEET_SIZE_CLASSES.entries()) {
    const n = i === FLEET_SIZE_CLASSES.length - 1 ? left : Math.max(1, Math.round(c.share * count));
    left -= n;
    for (let k = 0; k < n; k++) sizes.push(Math.round(c.minBytes * (c.maxBytes / c.minBytes) ** next()));
  }
  if (left < 0 || sizes.length !== count) throw new Error(`planFleet(${count}): needs at least ${FLEET_SIZE_CLASSES.length} objects, one per size class`);
  for (let i = sizes.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [sizes[i], sizes[j]] = [sizes[j], sizes[i]];
  }
  return sizes.map((targetBytes, i) => {
    const account = ACCOUNTS[i % ACCOUNTS.length];
    const region = REGIONS[Math.floor(i / ACCOUNTS.length) % REGIONS.length];
    const tag = `fleet${String(i).padStart(11, '0')}`;
    return { key: cloudTrailKey(account, region, now - (count - i) * 300_000, tag), targetBytes };
  });
}

/** SQS events of up to 10 notifications, each an S3 event in an SNS envelope (the topic's subscription to the buffer). */
export function fleetEvents(keys: readonly string[]): unknown[] {
  const events: unknown[] = [];
  for (let at = 0; at < keys.length; at += NOTIFICATIONS_PER_EVENT) {
    const records = keys.slice(at, at + NOTIFICATIONS_PER_EVENT).map((key, i) => {
      const s3Event = {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: 'us-east-1',
            eventTime: new Date().toISOString(),
            eventName: 'ObjectCreated:Put',
            s3: { s3SchemaVersion: '1.0', bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 1 } },
          },
        ],
      };
      const messageId = `fleet-${at + i}`;
      const envelope = { Type: 'Notification', MessageId: messageId, TopicArn: TOPIC_ARN, Message: JSON.stringify(s3Event), Timestamp: new Date().toISOString() };
      return { messageId, receiptHandle: messageId, body: JSON.stringify(envelope), attributes: {}, messageAttributes: {}, eventSource: 'aws:sqs', eventSourceARN: QUEUE_ARN, awsRegion: 'us-east-1' };
    });
    events.push({ Records: records });
  }
  return events;
}

/**
 * Runs the events through the bundle in one process, one invocation after the other, as one warm
 * container would. The first event is handled once more before the others as a warm-up (a
 * container under CloudTrail's steady load is cold for its first invocation only): its figures are
 * kept apart. Prints one line: each measured invocation's wall and CPU time (user + system, all
 * threads) and partial batch response, the warm-up's, and the process's peak RSS. The forwarder's
 * own log lines ('invocation done' carries each invocation's counters) come before it on stdout.
 */
const HARNESS = `
const { readFileSync } = require('node:fs');
const { handler } = require(process.env.BENCH_BUNDLE);
const events = JSON.parse(readFileSync(process.env.BENCH_EVENTS, 'utf8'));
const timeoutMs = Number(process.env.BENCH_TIMEOUT_MS);
async function invoke(event, id) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const context = { functionName: 'bench', invokedFunctionArn: 'arn:aws:lambda:us-east-1:333333333333:function:bench-fleet', awsRequestId: id, getRemainingTimeInMillis: () => timeoutMs - (performance.now() - started) };
  const result = await handler(event, context);
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000, idleMs: performance.eventLoopUtilization(loop).idle, result };
}
(async () => {
  const warmup = await invoke(events[0], 'warm-up');
  const invocations = [];
  for (const [i, event] of events.entries()) invocations.push(await invoke(event, 'fleet-' + i));
  process.stdout.write(JSON.stringify({ fleetHarness: true, warmup, invocations, peakRssMB: process.resourceUsage().maxRSS / 1024 }) + '\\n');
})().catch((err) => { process.stderr.write(String(err && err.stack || err) + '\\n'); process.exit(1); });
`;

interface InvocationCounts {
  sent: number;
  failed: number;
  tickets: number;
  requests: number;
  bytesBatched: number;
  objectsRead: number;
  /** The wait after the invocation's last record for its batches' answers (functions/forwarder/pipeline.ts). */
  settleMs: number;
}

/** idleMs: the main thread's time waiting (on S3, on Dynatrace's answer), from the event loop's utilization. */
type HarnessInvocation = MeasuredInvocation & { idleMs: number; result: { batchItemFailures?: unknown[] } };

interface FleetRun {
  readonly warmup: HarnessInvocation;
  readonly invocations: HarnessInvocation[];
  /** The measured invocations' counters (the warm-up's left out). */
  readonly counts: InvocationCounts[];
  readonly peakRssMB: number;
  /** Events the sink took from the measured invocations (filled in once the run is counted). */
  readonly eventsAtSink?: number;
}

export interface FleetSink {
  readonly url: string;
  readonly token: string;
  stats(): Promise<{ events: number; requests: number }>;
}

export interface FleetOptions {
  readonly quick: boolean;
  readonly runs: number;
  readonly dataDir: string;
  readonly samples: readonly Record<string, unknown>[];
  readonly sink: FleetSink;
  /**
   * CPU-seconds per GB of the large-file forwarder figure, and which file it is. With `measure` (one
   * forwarder run on the file), the file is run again after each fleet run and the median of those
   * is the figure: this machine's speed drifts over minutes (the codec floor has run from 25 to
   * 67 MB/s in one day), so the two figures are only comparable when taken side by side.
   */
  readonly largeFile: { readonly sizeMB: number; readonly cpuSecondsPerGB: number; readonly measure?: () => Promise<number> };
  readonly log: (line: string) => void;
  /** @default DEFAULT_FIRST_BYTE_MS */
  readonly latencyMs?: number;
}

export async function benchFleet(options: FleetOptions): Promise<FleetFigures> {
  const { runs, log } = options;
  const count = options.quick ? FLEET_OBJECTS.quick : FLEET_OBJECTS.full;
  const plan = planFleet(count, Date.now());
  log(`generating the fleet: ${count} CloudTrail objects`);
  const files = [];
  for (const [i, p] of plan.entries()) files.push(await generateCloudTrailFile(options.dataDir, p.targetBytes, options.samples, { key: p.key, firstSample: i * 37 }));
  const records = files.reduce((sum, f) => sum + f.records, 0);
  // The warm-up forwards the first event's objects once more.
  const warmupObjects = Math.min(NOTIFICATIONS_PER_EVENT, count);
  const warmupRecords = files.slice(0, warmupObjects).reduce((sum, f) => sum + f.records, 0);
  const inputBytes = files.reduce((sum, f) => sum + f.uncompressedBytes, 0);

  const work = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
  const bundle = unpackBundle('forwarder', join(work, 'forwarder'));
  const harness = join(work, 'harness.js');
  writeFileSync(harness, HARNESS);
  const eventsFile = join(work, 'events.json');
  writeFileSync(eventsFile, JSON.stringify(fleetEvents(plan.map((p) => p.key))));
  const { memoryInMb, timeoutInSeconds } = forwarderConfig.parse({});

  const s3 = await LatentS3.start({ root: options.dataDir, parameterValue: options.sink.token, firstByteMs: options.latencyMs });
  const rules = await startAppConfigExtension(FLEET_RULES);
  const byMode: Record<'on' | 'off', FleetRun[]> = { on: [], off: [] };
  const byMemory: Record<number, FleetRun[]> = {};
  const largeFileCpuPerGB: number[] = [];
  try {
    // Read-ahead on, off, then on with the heap Lambda gives each priced memory (for the cost);
    // each run starts one case later.
    const cases: { name: string; readAhead: boolean; heap?: string[]; into: FleetRun[] }[] = [
      { name: 'read-ahead on', readAhead: true, into: byMode.on },
      { name: 'read-ahead off', readAhead: false, into: byMode.off },
      ...PRICED_MEMORY_MB.map((memoryMB) => ({ name: `read-ahead on, Lambda heap at ${memoryMB} MB`, readAhead: true, heap: lambdaHeapFlags(memoryMB), into: (byMemory[memoryMB] = []) })),
    ];
    for (let run = 1; run <= runs; run++) {
      for (const c of caseOrder(cases, run)) {
        const before = { sink: await options.sink.stats(), gets: s3.getObjects, checksums: s3.checksumRequests };
        const result = await runFleet({ harness, bundle, eventsFile, timeoutInSeconds, s3, rulesPort: rules.port, sink: options.sink, readAhead: c.readAhead, heap: c.heap ?? [] });
        const after = await options.sink.stats();
        const events = after.events - before.sink.events;
        // First what the forwarder says it did (failed, ticketed, batch item failures): a count the
        // sink misses is then explained, not only noticed.
        checkNothingTicketed(result, c.name);
        const sent = sum(result.counts.map((n) => n.sent));
        if (sent !== records) throw new Error(`fleet, ${c.name}: the forwarder says it sent ${sent} of ${records} records, with none failed or ticketed`);
        if (events !== records + warmupRecords) throw new Error(`fleet, ${c.name}: the sink received ${events} events of ${records} records and ${warmupRecords} of the warm-up`);
        if (s3.getObjects - before.gets !== count + warmupObjects) throw new Error(`fleet, ${c.name}: ${s3.getObjects - before.gets} GetObject requests for ${count} objects and ${warmupObjects} of the warm-up`);
        if (s3.checksumRequests !== before.checksums) throw new Error(`fleet, ${c.name}: ${s3.checksumRequests - before.checksums} GetObject requests asked for S3's checksum of a .gz object: the forwarder's S3 client lost logObjectS3Options (functions/forwarder/object-source.ts)`);
        c.into.push({ ...result, eventsAtSink: events - warmupRecords });
        const seconds = sum(result.invocations.map((i) => i.wallMs)) / 1000;
        log(`  fleet run ${run}, ${c.name}: ${(count / seconds).toFixed(0)} objects/s, ${(sum(result.invocations.map((i) => i.cpuMs)) / 1000).toFixed(2)} CPU-s, peak RSS ${result.peakRssMB.toFixed(0)} MB`);
      }
      if (options.largeFile.measure) {
        largeFileCpuPerGB.push(await options.largeFile.measure());
        log(`  fleet run ${run}, the ${options.largeFile.sizeMB} MB file beside it: ${largeFileCpuPerGB[largeFileCpuPerGB.length - 1].toFixed(1)} CPU-s/GB`);
      }
    }
  } finally {
    await rules.stop();
    await s3.close();
  }
  const largeFile = { sizeMB: options.largeFile.sizeMB, cpuSecondsPerGB: largeFileCpuPerGB.length > 0 ? round(median(largeFileCpuPerGB), 2) : options.largeFile.cpuSecondsPerGB };
  return fleetFigures({ count, records, inputBytes, byMode, byMemory, latencyMs: options.latencyMs, largeFile, memoryInMb, timeoutInSeconds });
}

/**
 * The cases in the order run `run` (from 1) takes them: each run starts one case later, so no
 * case always runs first, after the generation, or last, before the large file.
 */
export function caseOrder<T>(cases: readonly T[], run: number): T[] {
  const shift = (run - 1) % cases.length;
  return [...cases.slice(shift), ...cases.slice(0, shift)];
}

/**
 * The heap flags Lambda's Node.js runtime starts a function with at `memoryMB` (its bootstrap script:
 * a tenth of the memory for the young generation, in two semi-spaces, the rest for the old one),
 * so the harness collects garbage as the function would: at 256 MB a 12 MB semi-space, not this
 * machine's default of 16, and an old generation capped at 231 MB.
 */
export function lambdaHeapFlags(memoryMB: number): string[] {
  // The old generation's cap is what costs: V8 lets a small-capped heap grow less after each
  // collection, so at 256 MB the fleet ran twice the mark-compacts (at heaps of 15-28 MB) and ~25 %
  // more CPU than with this machine's defaults, until the forwarder set its own growth
  // (functions/forwarder/heap.ts); the 12 MB semi-space alone cost nothing (README).
  const young = Math.floor(memoryMB / 10);
  return [`--max-semi-space-size=${Math.floor(young / 2)}`, `--max-old-space-size=${memoryMB - young}`];
}

/** heap: node's heap flags; none gives this machine's defaults (a 16 MB semi-space, an old generation of GBs). */
async function runFleet(o: { harness: string; bundle: string; eventsFile: string; timeoutInSeconds: number; s3: LatentS3; rulesPort: number; sink: FleetSink; readAhead: boolean; heap: readonly string[] }): Promise<FleetRun> {
  const child = await runProcess(process.execPath, ['--enable-source-maps', '--no-warnings', ...o.heap, o.harness], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_ENDPOINT_URL: o.s3.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_LAMBDA_FUNCTION_NAME: 'bench-fleet',
      DT_ENV_URL: o.sink.url,
      DT_API_TOKEN_PARAM: '/bench/dynatrace/token',
      // Nothing must be ticketed; if something is, writing the ticket fails and so does the run.
      FAILURE_QUEUE_URL: 'http://127.0.0.1:1/333333333333/bench-fleet-failures',
      APPCONFIG_APPLICATION: 'bench',
      APPCONFIG_ENVIRONMENT: 'bench',
      APPCONFIG_PROFILE: 'rules',
      AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(o.rulesPort),
      LOG_LEVEL: 'INFO',
      READ_AHEAD_MB: o.readAhead ? '' : '0',
      // HEAP_GROWING_PERCENT=0 npm run bench: the runs under Lambda's heap with V8's own growth (README).
      ...(process.env.HEAP_GROWING_PERCENT !== undefined ? { HEAP_GROWING_PERCENT: process.env.HEAP_GROWING_PERCENT } : {}),
      BENCH_BUNDLE: o.bundle,
      BENCH_EVENTS: o.eventsFile,
      BENCH_TIMEOUT_MS: String(o.timeoutInSeconds * 1000),
    },
  });
  if (child.code !== 0) throw new Error(`the fleet run failed (${child.code}):\n${child.stderr.slice(-4000)}`);
  const lines = child.stdout.trim().split('\n').map((line) => (line.startsWith('{') ? (JSON.parse(line) as Record<string, any>) : {}));
  const harness = lines.find((l) => l.fleetHarness);
  if (!harness) throw new Error(`the fleet run printed no figures:\n${child.stdout.slice(-2000)}`);
  const counts = lines.filter((l) => l.message === 'invocation done').slice(1) as unknown as InvocationCounts[];
  return { warmup: harness.warmup, invocations: harness.invocations, counts, peakRssMB: harness.peakRssMB };
}

function checkNothingTicketed(run: FleetRun, mode: string): void {
  if (run.warmup.result.batchItemFailures?.length) throw new Error(`fleet, ${mode}: the warm-up invocation reported batch item failures`);
  if (run.counts.length !== run.invocations.length) throw new Error(`fleet, ${mode}: ${run.counts.length} 'invocation done' lines for ${run.invocations.length} invocations`);
  for (const [i, c] of run.counts.entries()) {
    const failures = run.invocations[i].result.batchItemFailures ?? [];
    if (c.failed > 0 || c.tickets > 0 || failures.length > 0) throw new Error(`fleet, ${mode}, invocation ${i}: ${c.failed} records failed, ${c.tickets} tickets, ${failures.length} batch item failures`);
  }
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** Figures from the runs: rates from the time the function is busy (what Lambda bills), medians over runs. */
export function fleetFigures(o: {
  count: number;
  records: number;
  inputBytes: number;
  byMode: Record<'on' | 'off', FleetRun[]>;
  /** Read-ahead on, under the heap Lambda gives each priced memory: the cost and the choice are read from these. */
  byMemory: Record<number, FleetRun[]>;
  latencyMs?: number;
  largeFile: { sizeMB: number; cpuSecondsPerGB: number };
  memoryInMb: number;
  timeoutInSeconds: number;
}): FleetFigures {
  const busySeconds = (run: FleetRun) => sum(run.invocations.map((i) => i.wallMs)) / 1000;
  const waitingSeconds = (run: FleetRun) => sum(run.invocations.map((i) => i.idleMs)) / 1000;
  const settleSeconds = (run: FleetRun) => sum(run.counts.map((c) => c.settleMs)) / 1000;
  // The invocations' time split: the main thread's busy and waiting seconds, and of the waiting the part after the last records.
  const split = (runs: FleetRun[]) => ({
    busy: round(median(runs.map((run) => busySeconds(run) - waitingSeconds(run))), 2),
    waiting: round(median(runs.map(waitingSeconds)), 2),
    settle: round(median(runs.map(settleSeconds)), 2),
  });
  // The run of median busy time stands for its runs, so a cost and a p99 come from one run.
  const medianOf = (runs: FleetRun[]) => [...runs].sort((a, b) => busySeconds(a) - busySeconds(b))[Math.floor(runs.length / 2)];
  const cpuPerGB = (runs: FleetRun[]) => median(runs.map((run) => sum(run.invocations.map((i) => i.cpuMs)) / 1000)) / (o.inputBytes / GB);
  const on = o.byMode.on;
  const medianRun = medianOf(on);
  const requests = median(on.map((run) => sum(run.counts.map((c) => c.requests))));
  const minRequests = sum(medianRun.counts.map((c) => minimumRequests(c.sent, c.bytesBatched, { maxEvents: 50_000, maxBytes: FORWARDER_BATCH_BYTES })));
  const peakRssMB = Math.max(...on.map((run) => run.peakRssMB));
  const cost = PRICED_MEMORY_MB.map((memoryMB) => {
    const runs = o.byMemory[memoryMB];
    if (!runs?.length) throw new Error(`fleet: no run under the Lambda heap of ${memoryMB} MB`);
    return { ...costPerGB(medianOf(runs).invocations, o.inputBytes, memoryMB), peakRssMB: Math.max(...runs.map((run) => run.peakRssMB)), cpuSecondsPerGB: cpuPerGB(runs) };
  });
  const cpuSecondsPerGB = cpuPerGB(on);
  const onSplit = split(on);
  const offSplit = split(o.byMode.off);
  return {
    objects: o.count,
    invocations: medianRun.invocations.length,
    records: o.records,
    eventsAtSink: medianRun.eventsAtSink ?? 0,
    inputMB: round(o.inputBytes / 1024 ** 2, 1),
    latencyMs: o.latencyMs ?? DEFAULT_FIRST_BYTE_MS,
    objectsPerS: round(median(on.map((run) => o.count / busySeconds(run))), 1),
    objectsPerSNoReadAhead: round(median(o.byMode.off.map((run) => o.count / busySeconds(run))), 1),
    mbPerS: round(median(on.map((run) => o.inputBytes / 1024 ** 2 / busySeconds(run))), 1),
    mbPerSNoReadAhead: round(median(o.byMode.off.map((run) => o.inputBytes / 1024 ** 2 / busySeconds(run))), 1),
    invocationP50Ms: round(percentile(medianRun.invocations.map((i) => i.wallMs), 50), 0),
    invocationP99Ms: round(percentile(medianRun.invocations.map((i) => i.wallMs), 99), 0),
    mainThreadBusyS: onSplit.busy,
    mainThreadWaitingS: onSplit.waiting,
    mainThreadBusySNoReadAhead: offSplit.busy,
    mainThreadWaitingSNoReadAhead: offSplit.waiting,
    settleS: onSplit.settle,
    settleSNoReadAhead: offSplit.settle,
    requestsPerObject: round(requests / o.count, 3),
    requests,
    minRequests,
    peakRssMB: round(peakRssMB, 0),
    peakRssMBNoReadAhead: round(Math.max(...o.byMode.off.map((run) => run.peakRssMB)), 0),
    cpuSecondsPerGB: round(cpuSecondsPerGB, 2),
    warmupCpuSeconds: round(median(on.map((run) => run.warmup.cpuMs / 1000)), 2),
    cpuSecondsPerGBLargeFile: o.largeFile.cpuSecondsPerGB,
    largeFileMB: o.largeFile.sizeMB,
    cost: cost.map((c) => ({ memoryMB: c.memoryMB, usdPerGB: round(c.usdPerGB, 5), p99Ms: round(c.p99Ms, 0), peakRssMB: round(c.peakRssMB, 0), cpuSecondsPerGB: round(c.cpuSecondsPerGB, 2) })),
    configuredMemoryMB: o.memoryInMb,
    timeoutSeconds: o.timeoutInSeconds,
    chosenMemoryMB: chooseMemory(cost, o.timeoutInSeconds, peakRssMB) ?? null,
  };
}
