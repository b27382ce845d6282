// The other side of issue 11's comparison: a plain client-go controller (bench/client-go-baseline,
// informer + rate-limited queue, 8 workers) in the scenario of the fleet benchmark's cold start
// (bench/fleet.ts): a fresh control plane, the vendor emulator with 20 ms per call, N tasks created
// before the controller starts, time from process start to every task Synced for its generation.
// Then a restart with N synced tasks, which must make no vendor call. Measured from outside like
// the operator: the apiserver's request counters, /proc for memory and CPU, the emulator's call
// log. The emulator's push-status callbacks go to a stand-in endpoint that answers 200.
//
// Two records: `minimal` (the plain controller: a finalizer and one Synced condition) and
// `operator` (the same two writes carrying what the operator records: the start intent, the active
// identity, request hash, trace id, last answer and three conditions). The second tells what the
// operator's record costs the API server apart from what its implementation costs.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { homedir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeClients } from '../src/runtime/kube-clients.js';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.js';
import { CREDENTIALS_SECRET, OperatorFixture } from '../test/harness/operator.js';
import { cpuRows, seedFleet, TASK_PATH, type FleetResult } from './fleet.js';
import {
  ApiserverCounters,
  ChildRun,
  cpuMeter,
  cpuPerTaskMs,
  medianCell,
  memorySampler,
  percentile,
  SyncedTracker,
  taskAndEventWrites,
  until,
  vendorCallsBetween,
  writesPerTask,
  type CpuAccount,
  type WritesPerTask,
} from './fleet-probes.js';

/** What the baseline's two writes record (its --record flag). */
export type BaselineRecord = 'minimal' | 'operator';
export const BASELINE_RECORDS: readonly BaselineRecord[] = ['minimal', 'operator'];

export interface BaselineOptions {
  /** The rtmp-baseline-controller executable (see ensureBaselineBinary). */
  readonly binary: string;
  /** Default minimal. */
  readonly record?: BaselineRecord;
  readonly tasks: number;
  readonly workers?: number;
  /** rest.Config QPS and Burst of the controller's Kubernetes client (its defaults: 1000 / 2000). */
  readonly qps?: number;
  readonly burst?: number;
  readonly vendorLatencyMs?: number;
  readonly progress?: (line: string) => void;
}

export interface BaselineResult {
  readonly record: BaselineRecord;
  readonly tasks: number;
  readonly syncSeconds: number;
  readonly tasksPerSecond: number;
  readonly peakRssMiB: number;
  readonly writesPerTask: WritesPerTask;
  /** startrtmp calls the emulator received during the cold start, and those it answered with code 0. */
  readonly startrtmp: { readonly calls: number; readonly accepted: number };
  /** CPU seconds from the controller's start to all Synced: it, the control plane, the benchmark. */
  readonly syncCpu: CpuAccount;
  readonly restart: { readonly settledSeconds: number; readonly vendorCalls: number; readonly writes: number; readonly peakRssMiB: number };
}

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts/build-client-go-baseline.sh');

/**
 * Runs scripts/build-client-go-baseline.sh (a no-op when the binary is newer than main.go; the
 * first build fetches Debian's Kubernetes source and takes minutes) and returns the binary's path.
 * Throws with the command to run when it fails: the comparison is never skipped silently.
 */
export function ensureBaselineBinary(progress: (line: string) => void): string {
  progress(`client-go baseline: ${path.relative(process.cwd(), BUILD_SCRIPT)}`);
  try {
    const out = execFileSync('bash', [BUILD_SCRIPT], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    const binary = out.trim().split('\n').pop() ?? '';
    if (binary === '') throw new Error('the script printed no binary path');
    return binary;
  } catch (error) {
    const cache = process.env['RTMP_OPERATOR_CACHE'] ?? path.join(homedir(), '.cache/rtmp-push-operator');
    throw new Error(
      `--baseline=client-go: building the client-go controller failed (${error instanceof Error ? error.message : String(error)}).\n` +
        `Run \`${path.relative(process.cwd(), BUILD_SCRIPT)}\` (as root the first time: it fetches Debian's kubernetes source package) ` +
        `to build ${path.join(cache, 'client-go-baseline/bin/rtmp-baseline-controller')}.`,
      { cause: error },
    );
  }
}

/** Idle report of the controller: it logs one each time its queue drains after work. */
const IDLE_LINE = /idle after ([\d.]+) s: reconciles=(\d+) vendorCalls=(\d+) writes=(\d+) failures=(\d+)/;

class BaselineRun extends ChildRun {
  private buffered = '';
  /** The last idle report: reconciles since start. */
  reconciled = 0;

  constructor(binary: string, args: readonly string[]) {
    super(binary, args, {}, 'the baseline controller');
  }

  protected override onOutput(chunk: string): void {
    this.buffered += chunk;
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop() ?? '';
    for (const line of lines) {
      const idle = IDLE_LINE.exec(line);
      if (idle !== null) this.reconciled = Number(idle[2]);
    }
  }

  /** Waits until it reports an empty queue after at least `n` reconciles; false on timeout. */
  async settled(n: number, timeoutMs: number): Promise<boolean> {
    let gone = false;
    void this.exited.then(() => (gone = true));
    try {
      await until('the baseline controller to reconcile every task and go idle', () => {
        if (gone) throw new Error(`the baseline controller exited\n${this.output()}`);
        return Promise.resolve(this.reconciled >= n);
      }, timeoutMs, 100);
      return true;
    } catch (error) {
      if (gone) throw error;
      return false;
    }
  }
}

/** One run of the baseline on a control plane of its own. */
export async function benchBaselineFleet(opts: BaselineOptions): Promise<BaselineResult> {
  const controlPlane = await startControlPlane();
  try {
    opts.progress?.(`client-go baseline (${opts.record ?? 'minimal'} record): ${opts.tasks} tasks; control plane: ${controlPlane.description}`);
    return await benchBaseline(opts, controlPlane);
  } finally {
    await controlPlane.stop();
  }
}

async function benchBaseline(opts: BaselineOptions, cp: Pick<ControlPlane, 'kubeconfigPath' | 'server' | 'token' | 'processes'>): Promise<BaselineResult> {
  const progress = opts.progress ?? ((): void => undefined);
  const n = opts.tasks;
  const fixture = await OperatorFixture.create({ prefix: 'fleet', kubeconfigPath: cp.kubeconfigPath, deferStart: true, callbackIntervalMs: 60_000 });
  const counters = new ApiserverCounters(cp.server, cp.token);
  const tracker = new SyncedTracker(fixture.kubeConfig, TASK_PATH(fixture.namespace));
  const sink = await callbackSink(fixture.callbackPort);
  const args = [
    `--kubeconfig=${cp.kubeconfigPath}`,
    `--namespace=${fixture.namespace}`,
    `--vendor-url=${fixture.emulator.url}`,
    `--default-appid=${fixture.appid}`,
    `--default-credentials-secret=${fixture.namespace}/${CREDENTIALS_SECRET}`,
    `--workers=${opts.workers ?? 8}`,
    `--record=${opts.record ?? 'minimal'}`,
    ...(opts.qps !== undefined ? [`--qps=${opts.qps}`] : []),
    ...(opts.burst !== undefined ? [`--burst=${opts.burst}`] : []),
  ];
  const runs: BaselineRun[] = [];
  const start = (): BaselineRun => {
    const run = new BaselineRun(opts.binary, args);
    runs.push(run);
    return run;
  };
  try {
    await seedFleet(fixture, tracker, n, opts.vendorLatencyMs ?? 20, progress);

    // 1. Cold start with N unsynced tasks.
    const before = await counters.snapshot();
    const first = start();
    const mem = memorySampler(first.pid);
    const cpu = await cpuMeter([{ name: 'controller', pid: first.pid }, ...cp.processes]);
    progress(`baseline pid ${first.pid} started; waiting for ${n} Synced`);
    const timeoutMs = Math.max(120_000, n * 200);
    await tracker.waitFor(n, timeoutMs, first.exited).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${first.output()}`);
    });
    const syncSeconds = (performance.now() - first.startedAt) / 1000;
    const syncCpu = await cpu.stop();
    progress(`all Synced after ${syncSeconds.toFixed(1)} s; letting writes settle`);
    if (!(await first.settled(n, 30_000))) progress('the baseline did not go idle within 30 s; counting writes now');
    await delay(2_000);
    const after = await counters.snapshot();
    const peak = await mem.stop();
    await first.stop();
    // Counted, not listed: the emulator keeps only the newest 5,000 call records.
    const calls = await fixture.emulator.control.callCounts();

    // 2. Restart with N synced tasks: no vendor call.
    const beforeRestart = await counters.snapshot();
    const beforeRestartVendor = await fixture.emulator.control.callCounts();
    const second = start();
    const mem2 = memorySampler(second.pid);
    const settled = await second.settled(n, Math.min(timeoutMs, 300_000));
    const settledSeconds = settled ? (performance.now() - second.startedAt) / 1000 : Number.NaN;
    await delay(2_000);
    const afterRestart = await counters.snapshot();
    const peak2 = await mem2.stop();
    await second.stop();
    const restartCalls = vendorCallsBetween(beforeRestartVendor, await fixture.emulator.control.callCounts());
    const restartWrites = taskAndEventWrites(beforeRestart, afterRestart);

    return {
      record: opts.record ?? 'minimal',
      tasks: n,
      syncSeconds,
      tasksPerSecond: n / syncSeconds,
      peakRssMiB: peak.peak,
      writesPerTask: writesPerTask(before, after, n),
      startrtmp: calls.startrtmp,
      syncCpu,
      restart: { settledSeconds, vendorCalls: restartCalls, writes: restartWrites, peakRssMiB: peak2.peak },
    };
  } finally {
    await Promise.all(runs.map((r) => r.stop()));
    await tracker.stop();
    await counters.close();
    await fixture.close();
    await new Promise((resolve) => sink.close(resolve));
    await KubeClients.for(fixture.kubeConfig).close();
  }
}

/**
 * Answers the emulator's push-status callbacks with 200 where the operator's endpoint would be.
 * The vendor sends them in both runs; the baseline has no endpoint, and refused connections would
 * make the emulator retry each one three times, on the cores the controllers share (at 10,000
 * tasks that cost the benchmark process a minute of CPU during the baseline's sync).
 */
async function callbackSink(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

export function formatBaseline(results: readonly BaselineResult[]): string {
  const r0 = results[0];
  if (r0 === undefined) return '(no runs)';
  const med = (f: (r: BaselineResult) => number): string => medianCell(results.map(f));
  const rows: Array<[string, string]> = [
    ['tasks', String(r0.tasks)],
    ['time to all Synced (s)', med((r) => r.syncSeconds)],
    ['tasks/s', med((r) => r.tasksPerSecond)],
    ['peak RSS (MiB)', med((r) => r.peakRssMiB)],
    ['API writes per task: RtmpPushTask', med((r) => r.writesPerTask.tasks)],
    ['  of which /status', med((r) => r.writesPerTask.status)],
    ['API writes per task: total', med((r) => r.writesPerTask.total)],
    ['vendor startrtmp (accepted, code 0)', `${med((r) => r.startrtmp.calls)} (${med((r) => r.startrtmp.accepted)})`],
    ...cpuRows(results.map((r) => r.syncCpu), r0.tasks),
    ['restart: time to all reconciled (s)', med((r) => r.restart.settledSeconds)],
    ['restart: vendor calls', med((r) => r.restart.vendorCalls)],
    ['restart: API writes', med((r) => r.restart.writes)],
    ['restart: peak RSS (MiB)', med((r) => r.restart.peakRssMiB)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** [row label, the operator's process name, the baseline's] in the CPU accounts. */
const CPU_ROWS: ReadonlyArray<readonly [string, string, string]> = [
  ['the controller', 'operator', 'controller'],
  ['kube-apiserver', 'kube-apiserver', 'kube-apiserver'],
  ['etcd', 'etcd', 'etcd'],
  ['bench (emulator, watch)', 'bench', 'bench'],
];

/** The baseline's runs with one record. */
export interface BaselineSeries {
  readonly record: BaselineRecord;
  readonly results: readonly BaselineResult[];
}

const RECORD_LABEL: Record<BaselineRecord, string> = { minimal: 'client-go, minimal record', operator: "client-go, operator's record" };

/**
 * The operator and each baseline series side by side: medians, and operator tasks/s ÷ baseline
 * tasks/s per series.
 */
export function formatSideBySide(operator: readonly FleetResult[], baselines: readonly BaselineSeries[]): string {
  const mid = (values: readonly number[]): number => percentile(values, 50);
  const opRate = mid(operator.map((r) => r.tasksPerSecond));
  const row = (label: string, op: (r: FleetResult) => number, base: ((r: BaselineResult) => number) | string): string[] => [
    label,
    medianCell(operator.map(op)),
    ...baselines.map((b) => (typeof base === 'string' ? base : medianCell(b.results.map(base)))),
  ];
  const rows: string[][] = [
    ['', 'operator', ...baselines.map((b) => RECORD_LABEL[b.record])],
    ['runs', String(operator.length), ...baselines.map((b) => String(b.results.length))],
    row('time to all Synced (s)', (r) => r.syncSeconds, (r) => r.syncSeconds),
    row('tasks/s', (r) => r.tasksPerSecond, (r) => r.tasksPerSecond),
    row('peak RSS (MiB)', (r) => r.peakRssMiB, (r) => r.peakRssMiB),
    row('API writes per task (total)', (r) => r.writesPerTask.total, (r) => r.writesPerTask.total),
    // The operator's push reports and Events wait while reconciles are backlogged: most follow the sync.
    row('  of them before all Synced', (r) => r.writesPerTask.beforeSynced, '(all)'),
    row('vendor startrtmp', (r) => r.vendorCalls.startrtmp, (r) => r.startrtmp.calls),
    // The controllers, the control plane and the benchmark share the machine's cores: CPU one
    // controller costs per task (its own, and the API server's for its writes) is throughput lost.
    ...CPU_ROWS.map(([label, op, base]) => row(`CPU s until all Synced: ${label}`, (r) => r.syncCpu[op] ?? Number.NaN, (r) => r.syncCpu[base] ?? Number.NaN)),
    row('CPU until all Synced, all (ms per task)', (r) => cpuPerTaskMs(r.syncCpu, r.tasks), (r) => cpuPerTaskMs(r.syncCpu, r.tasks)),
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const table = rows.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c] ?? 0))).join('  ')).join('\n');
  const ratios = baselines.map((b) => {
    const baseRate = mid(b.results.map((r) => r.tasksPerSecond));
    const ratio = baseRate > 0 ? opRate / baseRate : Number.NaN;
    return `throughput ratio, operator ÷ ${RECORD_LABEL[b.record]} (median tasks/s): ${ratio.toFixed(2)}x ${ratio >= 1 ? '(>= 1.0x)' : '(< 1.0x)'}`;
  });
  return `${table}\n\n${ratios.join('\n')}`;
}
