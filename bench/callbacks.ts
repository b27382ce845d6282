// Callback benchmarks against the real operator (in process), the vendor emulator and a real
// control plane: how many push-status callbacks per second the endpoint accepts (a loopback HTTP
// load loop with a bounded count), and how many Kubernetes writes they cost (MODIFIED watch events
// of the RtmpPushTasks, i.e. resourceVersion changes, per callback).
import { setTimeout as delay } from 'node:timers/promises';
import { Watch } from '@kubernetes/client-node';
import { Pool } from 'undici';
import { GROUP, PLURAL, VERSION } from '../src/api/v1alpha1/constants.js';
import { stringifyVendorJson } from '../src/jocloud/json.js';
import { CALLBACK_TOKEN, condition, OperatorFixture, type TaskObject } from '../test/harness/operator.js';

export interface CallbackBenchRow {
  readonly scenario: string;
  readonly tasks: number;
  readonly callbacks: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers other than 200. */
  readonly refused: number;
  /** resourceVersion changes of the tasks during the load and a short settle after it. */
  readonly writes: number;
  /** Length of the load, for writes per task per second. */
  readonly seconds: number;
}

export interface CallbackBenchOptions {
  readonly kubeconfigPath: string;
  /** Callbacks per scenario; default 20 000. */
  readonly callbacks?: number;
  /** Requests in flight; default 32. */
  readonly concurrency?: number;
  /** Tasks in the many-tasks scenario; default 50. */
  readonly manyTasks?: number;
  readonly progress?: (line: string) => void;
}

const NORMAL = 'Normal stream pushing';
const SETTLE_MS = 2_000;

interface Target {
  readonly name: string;
  readonly taskid: string;
  readonly url: string;
}

/** One callback body per call, each with a version above everything the emulator sent so far. */
function callbackMaker(appid: string): (t: Target, status: number) => string {
  let version = (BigInt(Date.now()) + 3_600_000n) * 1000n;
  return (t, status) => {
    version += 1n;
    return stringifyVendorJson({
      url: t.url,
      appname: 'live',
      streamname: t.name,
      appid: BigInt(appid),
      roomid: '123',
      taskid: t.taskid,
      status,
      version,
      errcode: 0,
      description: status === 3000 ? NORMAL : 'no anchor publishing',
    });
  };
}

/** Counts MODIFIED events per task in a namespace from now on. */
async function writeCounter(op: OperatorFixture): Promise<{ total(): number; stop(): void }> {
  const list = (await op.api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: op.namespace })) as {
    metadata?: { resourceVersion?: string };
  };
  let modified = 0;
  const controller = await new Watch(op.kubeConfig).watch(
    `/apis/${GROUP}/${VERSION}/namespaces/${op.namespace}/${PLURAL}`,
    { resourceVersion: list.metadata?.resourceVersion ?? '0' },
    (phase) => {
      if (phase === 'MODIFIED') modified++;
    },
    () => undefined,
  );
  return { total: () => modified, stop: () => controller.abort() };
}

/** Sends `count` callbacks over `concurrency` loopback connections; returns latencies and refusals. */
async function load(port: number, count: number, concurrency: number, body: (i: number) => string): Promise<{ seconds: number; latencies: number[]; refused: number }> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let refused = 0;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      const res = await pool.request({
        path: `/jocloud/callback?token=${CALLBACK_TOKEN}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(i),
      });
      await res.body.dump();
      latencies.push(performance.now() - t0);
      if (res.statusCode !== 200) refused++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { seconds, latencies, refused };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function waitAllReady(op: OperatorFixture, names: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await op.api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: op.namespace })) as { items: TaskObject[] };
    const ready = new Set(list.items.filter((t) => condition(t, 'Ready')?.status === 'True').map((t) => t.metadata.name));
    if (names.every((n) => ready.has(n))) return;
    if (Date.now() > deadline) throw new Error(`${names.filter((n) => !ready.has(n)).length} tasks not Ready after ${timeoutMs} ms`);
    await delay(250);
  }
}

interface Scenario {
  readonly scenario: string;
  readonly tasks: number;
  readonly count: number;
  readonly make: (i: number) => string;
}

/** One operator with `1 + many` Ready tasks, then each scenario's load against it. */
async function benchOperator(
  opts: CallbackBenchOptions,
  refreshMs: number,
  scenarios: (ctx: { one: Target; fleet: readonly Target[]; body: (t: Target, status: number) => string }) => Scenario[],
): Promise<CallbackBenchRow[]> {
  const concurrency = opts.concurrency ?? 32;
  const many = opts.manyTasks ?? 50;
  const progress = opts.progress ?? ((): void => undefined);
  // Production log level: debug would log every callback twice.
  const op = await OperatorFixture.create({
    prefix: 'bench-callbacks',
    kubeconfigPath: opts.kubeconfigPath,
    settings: { logLevel: 'info' },
    callbacks: { refreshMs, staleMs: Math.max(300_000, 2 * refreshMs) },
  });
  try {
    const target = (name: string): Target => ({ name, taskid: `bench-${name}`, url: `rtmp://push.example.com/live/${name}?auth_key=bench-${name}` });
    const one = target('one');
    const fleet = Array.from({ length: many }, (_, i) => target(`many-${i}`));
    for (const t of [one, ...fleet]) await op.create(op.task(t.name, { taskid: t.taskid, rtmpurls: [t.url] }));
    progress(`created ${1 + many} tasks (status-refresh-interval ${refreshMs / 1000} s); waiting for Ready`);
    await waitAllReady(op, [one, ...fleet].map((t) => t.name));
    await delay(SETTLE_MS);

    const body = callbackMaker(op.appid);
    // Warm-up (not measured): JIT, connection setup, the writer's first runs.
    await load(op.callbackPort, 2_000, concurrency, (i) => body(fleet[i % many] ?? one, 3000));
    await delay(SETTLE_MS);

    const rows: CallbackBenchRow[] = [];
    for (const s of scenarios({ one, fleet, body })) {
      progress(`running: ${s.scenario} (${s.count} callbacks, ${concurrency} in flight)`);
      const writes = await writeCounter(op);
      const r = await load(op.callbackPort, s.count, concurrency, s.make);
      await delay(SETTLE_MS);
      writes.stop();
      const sorted = [...r.latencies].sort((a, b) => a - b);
      rows.push({
        scenario: s.scenario,
        tasks: s.tasks,
        callbacks: s.count,
        perSecond: Math.round(s.count / r.seconds),
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        refused: r.refused,
        writes: writes.total(),
        seconds: r.seconds,
      });
    }
    return rows;
  } finally {
    await op.close();
  }
}

export async function benchCallbacks(opts: CallbackBenchOptions): Promise<CallbackBenchRow[]> {
  const count = opts.callbacks ?? 20_000;
  const many = opts.manyTasks ?? 50;
  const defaults = await benchOperator(opts, 60_000, ({ one, fleet, body }) => [
    { scenario: 'identical 3000 heartbeats, one task', tasks: 1, count, make: () => body(one, 3000) },
    { scenario: `identical 3000 heartbeats, ${many} tasks`, tasks: many, count, make: (i) => body(fleet[i % many] ?? one, 3000) },
    // Every callback a state change: what coalescing per object saves.
    { scenario: 'state flips 3000/3001 every callback, one task', tasks: 1, count: Math.min(count, 5_000), make: (i) => body(one, i % 2 === 0 ? 3001 : 3000) },
  ]);
  // With a 1 s refresh interval the burst spans several intervals: lastCallbackTime is rewritten
  // about once per interval per task, whatever the number of heartbeats.
  const refreshing = await benchOperator(opts, 1_000, ({ fleet, one, body }) => [
    {
      scenario: `identical 3000 heartbeats, ${many} tasks, refresh 1 s`,
      tasks: many,
      count,
      make: (i) => body(fleet[i % many] ?? one, 3000),
    },
  ]);
  return [...defaults, ...refreshing];
}

export function formatCallbackRows(rows: readonly CallbackBenchRow[]): string {
  const header = ['scenario', 'tasks', 'callbacks', 'seconds', 'callbacks/s', 'p50 ms', 'p99 ms', 'non-200', 'writes', 'writes/callback'];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.tasks),
    String(r.callbacks),
    r.seconds.toFixed(1),
    String(r.perSecond),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    String(r.refused),
    String(r.writes),
    (r.writes / r.callbacks).toFixed(4),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}
