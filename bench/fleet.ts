// The fleet benchmark: how fast the operator, started from its build as a container would start it
// (`node dist/main.js run`), brings N existing RtmpPushTasks to Synced against the vendor emulator
// (20 ms of latency per call) and a real control plane, what it costs in API writes and memory,
// what a restart with N synced tasks costs, and how fast an idle operator reacts to a new task.
// Tasks are created before the operator starts, as in the comparison with a client-go
// controller (8 concurrent reconciles).
import { execFile } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { GROUP, PLURAL, VERSION } from '../src/api/v1alpha1/constants.js';
import { KubeClients } from '../src/runtime/kube-clients.js';
import { TASK_CONTROLLER } from '../src/observability/metrics.js';
import { CALLBACK_TOKEN, OperatorFixture, freePort } from '../test/harness/operator.js';
import {
  ApiserverCounters,
  cpuMeter,
  cpuPerTaskMs,
  localGet,
  medianCell,
  memorySampler,
  OperatorRun,
  operatorMetrics,
  percentile,
  SyncedTracker,
  taskAndEventWrites,
  until,
  vendorCallsBetween,
  writesPerTask,
  type CpuAccount,
  type NamedProcess,
  type WritesPerTask,
} from './fleet-probes.js';
import { sampleSum, type Sample } from '../test/harness/operator-process.js';
import type { CacheFootprint } from './cache-footprint.js';
import { MemoryCgroup } from './memory-cgroup.js';

export interface FleetOptions {
  readonly kubeconfigPath: string;
  /** The control plane's URL and an admin token, to read its request counters. */
  readonly server: string;
  readonly token: string;
  readonly tasks: number;
  readonly entry: string;
  /** Extra node flags for the operator process (e.g. --max-old-space-size=...). */
  readonly nodeOptions?: readonly string[];
  /** Run the operator in a memory cgroup with this limit, as a container would be (MiB). */
  readonly memoryLimitMiB?: number;
  readonly vendorLatencyMs?: number;
  readonly concurrency?: number;
  /** New tasks created one at a time on the idle operator for the latency figures. */
  readonly idleSamples?: number;
  /** The control plane's processes, whose CPU during the sync is reported with the operator's. */
  readonly controlPlaneProcesses?: readonly NamedProcess[];
  /** `sync`: the cold start only (phase 1), as the side-by-side comparison needs; default `all`. */
  readonly phases?: 'all' | 'sync';
  readonly progress?: (line: string) => void;
}

export interface FleetResult {
  readonly tasks: number;
  readonly syncSeconds: number;
  readonly tasksPerSecond: number;
  readonly peakRssMiB: number;
  /**
   * Writes the apiserver counted per task from start until no write came for 3 s: task (main +
   * status), Events, all; and all those made before every task was Synced.
   */
  readonly writesPerTask: WritesPerTask & { readonly beforeSynced: number };
  readonly vendorCalls: { readonly startrtmp: number; readonly stoprtmp: number };
  /** CPU seconds from the operator's start to all Synced: it, the control plane, the benchmark. */
  readonly syncCpu: CpuAccount;
  readonly restart: { readonly readySeconds: number; readonly settledSeconds: number; readonly vendorCalls: number; readonly writes: number; readonly peakRssMiB: number };
  readonly idle: { readonly p50Ms: number; readonly p99Ms: number; readonly samples: number; readonly rssMiB: number };
  /** Heap bytes per task of the informer cache (bench/cache-footprint.ts). */
  readonly cache: CacheFootprint;
}

export const TASK_PATH = (ns: string): string => `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`;

/** The scenario both controllers start from: N tasks, the vendor answering after `latencyMs`, the tracker watching. */
export async function seedFleet(fixture: OperatorFixture, tracker: SyncedTracker, n: number, latencyMs: number, progress: (line: string) => void): Promise<void> {
  await fixture.emulator.control.addFault({ latencyMs });
  const names = Array.from({ length: n }, (_, i) => `t-${String(i).padStart(5, '0')}`);
  progress(`creating ${n} tasks in ${fixture.namespace}`);
  await createTasks(fixture, names);
  await tracker.start();
}

export async function createTasks(fixture: OperatorFixture, names: readonly string[], parallel = 32): Promise<void> {
  const clients = KubeClients.for(fixture.kubeConfig);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++] ?? '';
      const res = await clients.request({ method: 'POST', path: TASK_PATH(fixture.namespace), headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture.task(name)) });
      if (res.status !== 201) throw new Error(`creating ${name}: HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function startOperator(fixture: OperatorFixture, opts: FleetOptions, cgroup: MemoryCgroup | undefined): Promise<{ run: OperatorRun; metricsPort: number; healthPort: number }> {
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const args = [
    ...fixture.processArgs(),
    `--max-concurrent-reconciles=${opts.concurrency ?? 8}`,
    // The vendor's per-appid limit would otherwise be what is measured.
    '--vendor-qps=100000',
    `--callback-addr=127.0.0.1:${fixture.callbackPort}`,
    `--callback-token=${CALLBACK_TOKEN}`,
    `--metrics-addr=127.0.0.1:${metricsPort}`,
    `--health-addr=127.0.0.1:${healthPort}`,
    '--log-level=warn',
  ];
  return { run: new OperatorRun(opts.entry, args, opts.nodeOptions ?? [], cgroup), metricsPort, healthPort };
}

/** The counters once the task and Event write counts stop moving for `quietMs` (at most `timeoutMs`). */
async function writesQuiet(counters: ApiserverCounters, quietMs: number, timeoutMs: number): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs;
  let last = await counters.snapshot();
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() < deadline) {
    await delay(500);
    const now = await counters.snapshot();
    if (taskAndEventWrites(last, now) !== 0) quietSince = Date.now();
    last = now;
  }
  return last;
}

/**
 * Waits until every task was reconciled once since start and nothing is queued; false if that
 * did not happen within `timeoutMs` (periodic callbacks can keep a slow operator busy).
 */
async function waitSettled(metricsPort: number, tasks: number, exited: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  return until(
    'the operator to reconcile every task and go idle',
    async () => {
      if (gone) throw new Error('the operator exited');
      const m = await operatorMetrics(metricsPort).catch(() => undefined);
      if (m === undefined) return false;
      const controller = { controller: TASK_CONTROLLER };
      return sampleSum(m, 'controller_runtime_reconcile_total', controller) >= tasks && sampleSum(m, 'workqueue_depth', controller) === 0;
    },
    timeoutMs,
    250,
  ).then(
    () => true,
    (error: unknown) => {
      if (gone) throw error;
      return false;
    },
  );
}

export async function benchFleet(opts: FleetOptions): Promise<FleetResult> {
  const progress = opts.progress ?? ((): void => undefined);
  const n = opts.tasks;
  const fixture = await OperatorFixture.create({ prefix: 'fleet', kubeconfigPath: opts.kubeconfigPath, deferStart: true, callbackIntervalMs: 60_000 });
  const counters = new ApiserverCounters(opts.server, opts.token);
  const tracker = new SyncedTracker(fixture.kubeConfig, TASK_PATH(fixture.namespace));
  const cgroup = opts.memoryLimitMiB === undefined ? undefined : await MemoryCgroup.create(opts.memoryLimitMiB);
  // Stopped in `finally` too, so a failed run leaves no operator behind.
  const operators: OperatorRun[] = [];
  const start = async (): Promise<Awaited<ReturnType<typeof startOperator>>> => {
    const started = await startOperator(fixture, opts, cgroup);
    operators.push(started.run);
    return started;
  };
  try {
    await seedFleet(fixture, tracker, n, opts.vendorLatencyMs ?? 20, progress);

    // 1. Cold start with N unsynced tasks.
    const before = await counters.snapshot();
    const first = await start();
    const mem = memorySampler(first.run.pid);
    const cpu = await cpuMeter([{ name: 'operator', pid: first.run.pid }, ...(opts.controlPlaneProcesses ?? [])]);
    progress(`operator pid ${first.run.pid} started; waiting for ${n} Synced`);
    const timeoutMs = Math.max(120_000, n * 200);
    await tracker.waitFor(n, timeoutMs, first.run.exited).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${first.run.output()}`);
    });
    const syncSeconds = (performance.now() - first.run.startedAt) / 1000;
    const syncCpu = await cpu.stop();
    const atSynced = await counters.snapshot();
    progress(`all Synced after ${syncSeconds.toFixed(1)} s; letting callbacks and writes settle`);
    if (!(await waitSettled(first.metricsPort, n, first.run.exited, 30_000))) progress('the work queue did not empty within 30 s; counting writes now');
    // Push reports and Events wait while reconciles are backlogged and follow the sync: count
    // them too, until the API server has seen no write of ours for 3 s.
    const after = await writesQuiet(counters, 3_000, 120_000);
    // What the vendor received (counted by the emulator, like the baseline's), not what the
    // operator says it sent.
    const vendor = await fixture.emulator.control.callCounts();
    const peak = await mem.stop();
    await first.run.stop();

    const coldStart = {
      tasks: n,
      syncSeconds,
      tasksPerSecond: n / syncSeconds,
      peakRssMiB: peak.peak,
      writesPerTask: { ...writesPerTask(before, after, n), beforeSynced: taskAndEventWrites(before, atSynced) / n },
      vendorCalls: { startrtmp: vendor.startrtmp.calls, stoprtmp: vendor.stoprtmp.calls },
      syncCpu,
    };
    if (opts.phases === 'sync') return { ...coldStart, ...SKIPPED_PHASES };

    // 2. Restart with N synced tasks: nothing should reach the vendor.
    const beforeRestart = await counters.snapshot();
    const beforeRestartVendor = await fixture.emulator.control.callCounts();
    const second = await start();
    const mem2 = memorySampler(second.run.pid);
    await until('readyz', async () => (await localGet(second.healthPort, '/readyz')).status === 200, 60_000, 50);
    const readySeconds = (performance.now() - second.run.startedAt) / 1000;
    // Requeues triggered by callbacks can keep the queue from ever being empty at a poll.
    const settled = await waitSettled(second.metricsPort, n, second.run.exited, Math.min(timeoutMs, 300_000));
    const settledSeconds = settled ? (performance.now() - second.run.startedAt) / 1000 : Number.NaN;
    await delay(2_000);
    const afterRestart = await counters.snapshot();
    const restartVendor = await fixture.emulator.control.callCounts();
    const restartWrites = taskAndEventWrites(beforeRestart, afterRestart);
    const peak2 = await mem2.stop();

    // 3. Idle: apply one new task at a time and time it to its startrtmp at the emulator.
    const samples = opts.idleSamples ?? 30;
    const latencies: number[] = [];
    await fixture.emulator.control.clearCalls();
    for (let i = 0; i < samples; i++) {
      const name = `idle-${i}`;
      const t0 = Date.now();
      await createTasks(fixture, [name], 1);
      let call: { at: string } | undefined;
      await until(`startrtmp for ${name}`, async () => {
        call = (await fixture.emulator.control.calls('startrtmp')).find((c) => JSON.stringify(c.body).includes(`/live/${name}?`));
        return call !== undefined;
      }, 20_000, 5);
      latencies.push(Date.parse(call?.at ?? '') - t0);
    }
    const idleRss = (await memorySampler(second.run.pid).stop()).rss;
    await second.run.stop();
    progress('measuring the informer cache per task');
    const cache = await measureCache(opts.kubeconfigPath, TASK_PATH(fixture.namespace));

    return {
      ...coldStart,
      restart: { readySeconds, settledSeconds, vendorCalls: vendorCallsBetween(beforeRestartVendor, restartVendor), writes: restartWrites, peakRssMiB: peak2.peak },
      idle: { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), samples, rssMiB: idleRss },
      cache,
    };
  } finally {
    await Promise.all(operators.map((o) => o.stop()));
    await cgroup?.remove();
    await tracker.stop();
    await counters.close();
    await fixture.close();
    await KubeClients.for(fixture.kubeConfig).close();
  }
}

/** The figures of the phases `phases: 'sync'` skips (formatFleet leaves their rows out). */
const SKIPPED_PHASES: Pick<FleetResult, 'restart' | 'idle' | 'cache'> = {
  restart: { readySeconds: Number.NaN, settledSeconds: Number.NaN, vendorCalls: Number.NaN, writes: Number.NaN, peakRssMiB: Number.NaN },
  idle: { p50Ms: Number.NaN, p99Ms: Number.NaN, samples: 0, rssMiB: Number.NaN },
  cache: { tasks: 0, slimBytesPerTask: Number.NaN, fullBytesPerTask: Number.NaN },
};

async function measureCache(kubeconfigPath: string, path: string): Promise<CacheFootprint> {
  const script = new URL('./cache-footprint.ts', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', script, kubeconfigPath, path], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as CacheFootprint;
}

/** One row per process (CPU seconds from start to all Synced), and all of them per task. */
export function cpuRows(accounts: readonly CpuAccount[], tasks: number): Array<[string, string]> {
  const names = [...new Set(accounts.flatMap((a) => Object.keys(a)))];
  return [
    ...names.map((name): [string, string] => [`CPU s until all Synced: ${name}`, medianCell(accounts.map((a) => a[name] ?? Number.NaN))]),
    ['CPU until all Synced, all (ms per task)', medianCell(accounts.map((a) => cpuPerTaskMs(a, tasks)))],
  ];
}

export function formatFleet(results: readonly FleetResult[]): string {
  const med = (f: (r: FleetResult) => number): string => medianCell(results.map(f));
  const r0 = results[0];
  if (r0 === undefined) return '(no runs)';
  const rows: Array<[string, string]> = [
    ['tasks', String(r0.tasks)],
    ['time to all Synced (s)', med((r) => r.syncSeconds)],
    ['tasks/s', med((r) => r.tasksPerSecond)],
    ['peak RSS (MiB)', med((r) => r.peakRssMiB)],
    ['API writes per task: RtmpPushTask', med((r) => r.writesPerTask.tasks)],
    ['  of which /status', med((r) => r.writesPerTask.status)],
    ['API writes per task: Events', med((r) => r.writesPerTask.events)],
    ['API writes per task: total', med((r) => r.writesPerTask.total)],
    ['API writes per task before all Synced', med((r) => r.writesPerTask.beforeSynced)],
    ['vendor startrtmp / stoprtmp', `${med((r) => r.vendorCalls.startrtmp)} / ${med((r) => r.vendorCalls.stoprtmp)}`],
    ...cpuRows(results.map((r) => r.syncCpu), r0.tasks),
    ['restart: time to ready (s)', med((r) => r.restart.readySeconds)],
    ['restart: time to all reconciled (s)', med((r) => r.restart.settledSeconds)],
    ['restart: vendor calls', med((r) => r.restart.vendorCalls)],
    ['restart: API writes', med((r) => r.restart.writes)],
    ['restart: peak RSS (MiB)', med((r) => r.restart.peakRssMiB)],
    ['idle apply→startrtmp p50 (ms)', med((r) => r.idle.p50Ms)],
    ['idle apply→startrtmp p99 (ms)', med((r) => r.idle.p99Ms)],
    ['idle RSS with N tasks (MiB)', med((r) => r.idle.rssMiB)],
    ['informer cache, bytes per task (slim)', med((r) => r.cache.slimBytesPerTask)],
    ['informer cache, bytes per task (whole objects)', med((r) => r.cache.fullBytesPerTask)],
  ];
  if (results.every((r) => r.restart === SKIPPED_PHASES.restart)) rows.splice(rows.findIndex(([k]) => k.startsWith('restart:')));
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
