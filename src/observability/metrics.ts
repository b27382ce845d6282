// The operator's Prometheus metrics. createMetrics() builds a fresh Registry each time (never
// prom-client's global one), so tests and several operators in one process do not collide.
// Reconciles, work queues and leadership carry controller-runtime's names (controller-metrics.ts
// and leader_election_master_status here); what is particular to this operator is rtmp_*.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkQueueHooks } from '../runtime/work-queue.js';
import { createControllerRuntimeMetrics, type ControllerRuntimeMetrics } from './controller-metrics.js';
import { createTaskGauges } from './task-metrics.js';

export { RECONCILE_RESULTS, type EndReconcile, type ReconcileResult } from './controller-metrics.js';

/** The `controller` label of the RtmpPushTask reconciler, and the `name` of its work queue. */
export const TASK_CONTROLLER = 'rtmppushtask';
/** The `name` of the callback status writer's work queue. */
export const CALLBACK_STATUS_QUEUE = 'callback_status';

export interface OperatorMetrics {
  readonly registry: Registry;
  /** controller_runtime_* and workqueue_*; see controller-metrics.ts. */
  readonly controllerRuntime: ControllerRuntimeMetrics;
  /** Vendor API calls by endpoint (`startrtmp`, `stoprtmp`) and vendor code (or `http_<status>`, `network`). */
  readonly vendorRequestsTotal: Counter<'endpoint' | 'code'>;
  readonly vendorRequestDuration: Histogram<'endpoint'>;
  /** Accepted push-status callbacks by vendor status (3000-3003). */
  readonly callbacksTotal: Counter<'status'>;
  /** Refused callbacks by reason (`unauthorized`, `invalid`, `unknown-task`, `stale`...). */
  readonly callbacksRejectedTotal: Counter<'reason'>;
  /** RtmpPushTasks by state, computed from `tasks` at each scrape. */
  readonly tasks: Gauge<'state'>;
  /** RtmpPushTasks by Ready/Reconciling/Stalled status, computed from `tasks` at each scrape. */
  readonly taskConditions: Gauge<'condition' | 'status'>;
  /** 1 while this replica holds the Lease `name`, 0 while it waits for it (with leader election only). */
  readonly leaderElectionMasterStatus: Gauge<'name'>;
  /** Abnormal watch restarts by resource (see Informer 'restart'). */
  readonly watchRestartsTotal: Counter<'resource'>;
  /** Events never written: `queue_full` (the bounded queue was full) or `write_failed`. */
  readonly eventsDroppedTotal: Counter<'reason'>;
}

export interface CreateMetricsOptions {
  /** Process and Node.js runtime metrics (CPU, memory, event loop lag, GC); defaults to true. */
  readonly defaultMetrics?: boolean;
  /** The `status` of every task in the watch cache (unvalidated), read at every scrape for rtmp_tasks and rtmp_task_conditions. */
  readonly taskStatuses?: () => Iterable<unknown>;
  /** Milliseconds of a monotonic clock, for reconcile and in-flight work durations. */
  readonly now?: () => number;
}

const secondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics(opts: CreateMetricsOptions = {}): OperatorMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    controllerRuntime: createControllerRuntimeMetrics(registers, opts.now ?? (() => performance.now())),
    vendorRequestsTotal: new Counter({
      name: 'rtmp_vendor_requests_total',
      help: 'Requests to the vendor push-to-CDN API by endpoint and response code.',
      labelNames: ['endpoint', 'code'],
      registers,
    }),
    vendorRequestDuration: new Histogram({
      name: 'rtmp_vendor_request_duration_seconds',
      help: 'Latency of vendor API requests.',
      labelNames: ['endpoint'],
      buckets: secondsBuckets,
      registers,
    }),
    callbacksTotal: new Counter({
      name: 'rtmp_callbacks_total',
      help: 'Push-status callbacks accepted, by vendor status.',
      labelNames: ['status'],
      registers,
    }),
    callbacksRejectedTotal: new Counter({
      name: 'rtmp_callbacks_rejected_total',
      help: 'Push-status callbacks refused, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    ...createTaskGauges(registers, opts.taskStatuses),
    leaderElectionMasterStatus: new Gauge({
      name: 'leader_election_master_status',
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ['name'],
      registers,
    }),
    watchRestartsTotal: new Counter({
      name: 'rtmp_watch_restarts_total',
      help: 'Abnormal restarts of Kubernetes watches (errors, 410 Gone, watchdog), by resource.',
      labelNames: ['resource'],
      registers,
    }),
    eventsDroppedTotal: new Counter({
      name: 'rtmp_events_dropped_total',
      help: 'Kubernetes Events never written, by reason: queue_full (the bounded queue was full) or write_failed.',
      labelNames: ['reason'],
      registers,
    }),
  };
}

/** WorkQueue hooks that feed the workqueue_* metrics of the queue `name`. */
export function workQueueMetricsHooks(metrics: OperatorMetrics, name: string): WorkQueueHooks {
  return metrics.controllerRuntime.workQueueHooks(name);
}
