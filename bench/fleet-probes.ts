// What the fleet benchmark observes from outside the operator: the process's resident memory
// (/proc), the apiserver's own request counters (its /metrics, so every write the operator made
// is counted whatever client sent it), the operator's metrics and readiness, and a watch on the
// tasks' Synced condition.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import pino from 'pino';
import { Agent, request } from 'undici';
import { PLURAL as TASK_PLURAL } from '../src/api/v1alpha1/constants.js';
import type { CallCounts } from '../src/emulator/control-api.js';
import { Informer } from '../src/runtime/informer.js';
import { parsePrometheus, sampleSum, type Sample } from '../test/harness/operator-process.js';
import type { MemoryCgroup } from './memory-cgroup.js';

/** VmRSS and VmHWM (peak) of a process, in MiB; undefined once it has exited. */
export async function residentMiB(pid: number): Promise<{ rss: number; peak: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples a process's memory until stopped; keeps the highest values seen. */
export function memorySampler(pid: number, intervalMs = 200): { stop(): Promise<{ rss: number; peak: number }> } {
  let rss = 0;
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const m = await residentMiB(pid);
      if (m === undefined) break;
      rss = Math.max(rss, m.rss);
      peak = Math.max(peak, m.peak);
      await delay(intervalMs);
    }
  })();
  return {
    async stop() {
      const last = await residentMiB(pid);
      running = false;
      await loop;
      return { rss: Math.max(rss, last?.rss ?? 0), peak: Math.max(peak, last?.peak ?? 0) };
    },
  };
}

/**
 * CPU seconds (user + system) a process has used; undefined once it has gone. /proc/PID/stat
 * counts in USER_HZ ticks, which Linux fixes at 100 per second for user space.
 */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): state is the
    // first, utime the 12th and stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export interface NamedProcess {
  readonly name: string;
  readonly pid: number;
}

/** CPU seconds by process name, `bench` being this process (the emulator and the Synced watch). */
export type CpuAccount = Readonly<Record<string, number>>;

/**
 * Counts the CPU each process uses from now until stop(). On a machine where the controller, the
 * API server, etcd and the benchmark share the cores, this is what bounds throughput: a
 * controller that costs the machine more CPU per task leaves less to the API server.
 */
export async function cpuMeter(processes: readonly NamedProcess[]): Promise<{ stop(): Promise<CpuAccount> }> {
  const benchSeconds = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const start = await Promise.all(processes.map(async (p) => cpuSeconds(p.pid)));
  const bench0 = benchSeconds();
  return {
    async stop() {
      const account: Record<string, number> = {};
      const end = await Promise.all(processes.map(async (p) => cpuSeconds(p.pid)));
      processes.forEach((p, i) => {
        const a = start[i];
        const b = end[i];
        if (a !== undefined && b !== undefined) account[p.name] = b - a;
      });
      account['bench'] = benchSeconds() - bench0;
      return account;
    },
  };
}

/** Milliseconds of CPU per task, all processes together. */
export function cpuPerTaskMs(account: CpuAccount, tasks: number): number {
  return (1000 * Object.values(account).reduce((a, b) => a + b, 0)) / tasks;
}

/** The apiserver's request counters (apiserver_request_total), for deltas. */
export class ApiserverCounters {
  private readonly agent = new Agent({ connect: { rejectUnauthorized: false } });

  constructor(
    private readonly server: string,
    private readonly token: string,
  ) {}

  async snapshot(): Promise<Sample[]> {
    const res = await request(`${this.server}/metrics`, { dispatcher: this.agent, headers: { authorization: `Bearer ${this.token}` } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`apiserver /metrics: HTTP ${res.statusCode}`);
    return parsePrometheus(text).filter((s) => s.name === 'apiserver_request_total');
  }

  /** Requests between two snapshots for `resource` (and `subresource`, '' for none) by verb. */
  static delta(before: readonly Sample[], after: readonly Sample[], resource: string, verbs: readonly string[], subresource?: string): number {
    let total = 0;
    for (const verb of verbs) {
      const labels: Record<string, string> = { resource, verb };
      if (subresource !== undefined) labels['subresource'] = subresource;
      total += sampleSum(after, 'apiserver_request_total', labels) - sampleSum(before, 'apiserver_request_total', labels);
    }
    return total;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Writes to RtmpPushTasks and Events between two snapshots: what a controller of them costs. */
export function taskAndEventWrites(before: readonly Sample[], after: readonly Sample[]): number {
  return ApiserverCounters.delta(before, after, TASK_PLURAL, WRITE_VERBS) + ApiserverCounters.delta(before, after, 'events', WRITE_VERBS);
}

export interface WritesPerTask {
  readonly tasks: number;
  readonly status: number;
  readonly events: number;
  readonly total: number;
}

/** Writes between two snapshots per task: on the task (main + status), its /status alone, Events, all (Leases too). */
export function writesPerTask(before: readonly Sample[], after: readonly Sample[], n: number): WritesPerTask {
  const tasks = ApiserverCounters.delta(before, after, TASK_PLURAL, WRITE_VERBS);
  const events = ApiserverCounters.delta(before, after, 'events', WRITE_VERBS);
  const leases = ApiserverCounters.delta(before, after, 'leases', WRITE_VERBS);
  return { tasks: tasks / n, status: ApiserverCounters.delta(before, after, TASK_PLURAL, WRITE_VERBS, 'status') / n, events: events / n, total: (tasks + events + leases) / n };
}

/** Vendor calls of either endpoint between two of the emulator's counts (its call log keeps only the newest 5,000). */
export function vendorCallsBetween(before: CallCounts, after: CallCounts): number {
  return after.startrtmp.calls - before.startrtmp.calls + (after.stoprtmp.calls - before.stoprtmp.calls);
}

/** A controller process under test: its output kept (the last chunks) for when it fails, and a stop. */
export class ChildRun {
  readonly child: ChildProcess;
  readonly startedAt = performance.now();
  readonly exited: Promise<number | null>;
  private readonly tail: string[] = [];

  constructor(
    command: string,
    args: readonly string[],
    env: Readonly<Record<string, string>>,
    private readonly what: string,
  ) {
    this.child = spawn(command, args, { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this.tail.push(chunk);
        if (this.tail.length > 50) this.tail.shift();
        this.onOutput(chunk);
      });
    }
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Each chunk of output as it comes (for subclasses that read the process's reports). */
  protected onOutput(_chunk: string): void {}

  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error(`${this.what} did not start`);
    return pid;
  }

  output(): string {
    return this.tail.join('').slice(-4000);
  }

  /** SIGTERM (SIGKILL after 30 s); returns at once if it has exited already. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The operator started from its build (`node dist/main.js run ...`), output discarded unless it fails. */
export class OperatorRun extends ChildRun {
  constructor(entry: string, args: readonly string[], nodeOptions: readonly string[], cgroup?: MemoryCgroup) {
    const argv = [...nodeOptions, entry, 'run', ...args];
    const { command, args: wrapped } = cgroup?.wrap(process.execPath, argv) ?? { command: process.execPath, args: argv };
    super(command, wrapped, { POD_NAME: 'fleet-bench' }, 'operator process');
  }
}

/** GET on loopback; status 0 when nothing answers yet. */
export async function localGet(port: number, path: string): Promise<{ status: number; text: string }> {
  try {
    const res = await request(`http://127.0.0.1:${port}${path}`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    return { status: res.statusCode, text: await res.body.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

export async function operatorMetrics(port: number): Promise<Sample[]> {
  const res = await localGet(port, '/metrics');
  if (res.status !== 200) throw new Error(`operator /metrics: HTTP ${res.status}`);
  return parsePrometheus(res.text);
}

interface TaskLike extends KubernetesObject {
  status?: { conditions?: Array<{ type?: string; status?: string; observedGeneration?: number }> };
}

/** Follows the tasks of a namespace and tells which have Synced=True for their generation. */
export class SyncedTracker {
  private readonly informer: Informer<TaskLike>;
  private readonly synced = new Set<string>();
  private waiters: Array<() => void> = [];
  modified = 0;

  constructor(kubeConfig: KubeConfig, path: string) {
    this.informer = new Informer<TaskLike>({ kubeConfig, path, logger: pino({ level: 'silent' }) });
    const check = (t: TaskLike): void => {
      const c = t.status?.conditions?.find((x) => x.type === 'Synced');
      const key = `${t.metadata?.namespace ?? ''}/${t.metadata?.name ?? ''}`;
      if (c?.status === 'True' && c.observedGeneration === t.metadata?.generation) this.synced.add(key);
      else this.synced.delete(key);
      for (const w of this.waiters) w();
    };
    this.informer.on('add', check);
    this.informer.on('update', (t) => {
      this.modified += 1;
      check(t);
    });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
    this.modified = 0;
  }

  count(): number {
    return this.synced.size;
  }

  /** Resolves when `n` tasks are synced; rejects after `timeoutMs` or if `failed` resolves first. */
  async waitFor(n: number, timeoutMs: number, failed: Promise<unknown>): Promise<void> {
    let abort: ((e: Error) => void) | undefined;
    const timer = setTimeout(() => abort?.(new Error(`only ${this.count()} of ${n} tasks Synced after ${timeoutMs / 1000} s`)), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        abort = reject;
        void failed.then(() => reject(new Error('the operator exited')));
        const check = (): void => {
          if (this.count() >= n) resolve();
        };
        this.waiters.push(check);
        check();
      });
    } finally {
      clearTimeout(timer);
      this.waiters = [];
    }
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }
}

/** Waits until `probe` holds, polling; throws after `timeoutMs`. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(intervalMs);
  }
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** A table cell: "median [run 1, run 2, ...]" with one decimal (none for whole numbers). */
export function medianCell(values: readonly number[]): string {
  const digits = values.every(Number.isInteger) ? 0 : 1;
  return `${percentile(values, 50).toFixed(digits)}${values.length > 1 ? ` [${values.map((v) => v.toFixed(digits)).join(', ')}]` : ''}`;
}
