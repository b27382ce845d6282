// Reconcile and work-queue metrics under controller-runtime's names, labels, buckets and meaning,
// so dashboards and alerts written for Go operators read this one unchanged:
// controller_runtime_* as its controller package records them around each Reconcile call, and
// workqueue_* as client-go's workqueue counts them (adds, depth, retries on every AddAfter,
// unfinished work computed from the handlers still running).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WorkQueueHooks } from '../runtime/work-queue.js';

/** controller-runtime's result label: Requeue is `requeue`, RequeueAfter is `requeue_after`. */
export const RECONCILE_RESULTS = ['success', 'error', 'requeue', 'requeue_after'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

// controller-runtime's buckets: reconcile time up to a minute; queue and work duration from 10 ns
// to 1000 s (prometheus.ExponentialBuckets(10e-9, 10, 12)).
const reconcileTimeBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4,
  4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
const workqueueBuckets = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/** Ends one reconcile: counts it by result and records its duration. */
export type EndReconcile = (result: ReconcileResult) => void;

export interface ControllerRuntimeMetrics {
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrorsTotal: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly workqueueDepth: Gauge<'name' | 'controller'>;
  readonly workqueueAdds: Counter<'name' | 'controller'>;
  readonly workqueueQueueDuration: Histogram<'name' | 'controller'>;
  readonly workqueueWorkDuration: Histogram<'name' | 'controller'>;
  readonly workqueueRetries: Counter<'name' | 'controller'>;
  readonly workqueueUnfinishedWork: Gauge<'name' | 'controller'>;
  readonly workqueueLongestRunningProcessor: Gauge<'name' | 'controller'>;
  /**
   * Sets up the series of controller `name` (zeros, so rates and alerts have data from the start)
   * and returns a function that starts timing one reconcile.
   */
  controller(name: string, maxConcurrentReconciles: number): () => EndReconcile;
  /** Hooks for the WorkQueue named `name` (controller-runtime labels it `controller` too). */
  workQueueHooks(name: string): WorkQueueHooks;
}

export function createControllerRuntimeMetrics(registers: Registry[], now: () => number): ControllerRuntimeMetrics {
  /** Per queue: keys whose handler runs → when it started (ms, `now`'s clock). */
  const inFlight = new Map<string, Map<string, number>>();
  const queueLabels = ['name', 'controller'] as const;

  /** Seconds of work in progress per queue, at scrape time: the sum, or the longest. */
  const fromInFlight = (gauge: Gauge<'name' | 'controller'>, combine: (ages: number[]) => number): void => {
    const t = now();
    for (const [name, started] of inFlight) {
      const ages = [...started.values()].map((at) => Math.max(0, t - at) / 1_000);
      gauge.set({ name, controller: name }, combine(ages));
    }
  };

  const m = {
    reconcileTotal: new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers }),
    reconcileErrorsTotal: new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: reconcileTimeBuckets,
      registers,
    }),
    maxConcurrentReconciles: new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller', labelNames: ['controller'], registers }),
    activeWorkers: new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller', labelNames: ['controller'], registers }),
    workqueueDepth: new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: queueLabels, registers }),
    workqueueAdds: new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: queueLabels, registers }),
    workqueueQueueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: queueLabels,
      buckets: workqueueBuckets,
      registers,
    }),
    workqueueWorkDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: queueLabels,
      buckets: workqueueBuckets,
      registers,
    }),
    workqueueRetries: new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: queueLabels, registers }),
    workqueueUnfinishedWork: new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
      labelNames: queueLabels,
      registers,
      collect(this: Gauge<'name' | 'controller'>) {
        fromInFlight(this, (ages) => ages.reduce((a, b) => a + b, 0));
      },
    }),
    workqueueLongestRunningProcessor: new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: queueLabels,
      registers,
      collect(this: Gauge<'name' | 'controller'>) {
        fromInFlight(this, (ages) => Math.max(0, ...ages));
      },
    }),
  };

  const controller = (name: string, maxConcurrentReconciles: number): (() => EndReconcile) => {
    const labels = { controller: name };
    for (const result of RECONCILE_RESULTS) m.reconcileTotal.inc({ ...labels, result }, 0);
    m.reconcileErrorsTotal.inc(labels, 0);
    m.maxConcurrentReconciles.set(labels, maxConcurrentReconciles);
    m.activeWorkers.set(labels, 0);
    return () => {
      const started = now();
      m.activeWorkers.inc(labels);
      return (result) => {
        m.activeWorkers.dec(labels);
        m.reconcileTime.observe(labels, Math.max(0, now() - started) / 1_000);
        m.reconcileTotal.inc({ ...labels, result });
        if (result === 'error') m.reconcileErrorsTotal.inc(labels);
      };
    };
  };

  const workQueueHooks = (name: string): WorkQueueHooks => {
    const labels = { name, controller: name };
    const running = new Map<string, number>();
    inFlight.set(name, running);
    m.workqueueDepth.set(labels, 0);
    m.workqueueAdds.inc(labels, 0);
    m.workqueueRetries.inc(labels, 0);
    return {
      depth: (depth) => m.workqueueDepth.set(labels, depth),
      added: () => m.workqueueAdds.inc(labels),
      delayed: () => m.workqueueRetries.inc(labels),
      started: (key, waitMs) => {
        running.set(key, now());
        m.workqueueQueueDuration.observe(labels, waitMs / 1_000);
      },
      finished: (key, durationMs) => {
        running.delete(key);
        m.workqueueWorkDuration.observe(labels, durationMs / 1_000);
      },
    };
  };

  return { ...m, controller, workQueueHooks };
}
