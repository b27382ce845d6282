// The operator's Prometheus metrics. createMetrics() builds a fresh Registry each time (never
// prom-client's global one), so tests and several operators in one process do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkQueueHooks } from '../runtime/work-queue.js';

export type ReconcileResult = 'success' | 'requeue' | 'error';

export interface OperatorMetrics {
  readonly registry: Registry;
  /** Reconciles by outcome (`success`, `requeue`, `error`). */
  readonly reconcileTotal: Counter<'result'>;
  readonly reconcileErrorsTotal: Counter;
  readonly reconcileDuration: Histogram;
  readonly workqueueDepth: Gauge;
  readonly workqueueWait: Histogram;
  readonly workqueueRetriesTotal: Counter;
  /** Vendor API calls by endpoint (`startrtmp`, `stoprtmp`) and vendor code (or `http_<status>`, `network`). */
  readonly vendorRequestsTotal: Counter<'endpoint' | 'code'>;
  readonly vendorRequestDuration: Histogram<'endpoint'>;
  /** Accepted push-status callbacks by vendor status (3000-3003). */
  readonly callbacksTotal: Counter<'status'>;
  /** Refused callbacks by reason (`unauthorized`, `invalid`, `unknown_task`, `stale`...). */
  readonly callbacksRejectedTotal: Counter<'reason'>;
  /** RtmpPushTasks by state, computed from `taskStates` at each scrape. */
  readonly tasks: Gauge<'state'>;
  /** 1 while this replica holds the leader lease. */
  readonly leader: Gauge;
  /** Abnormal watch restarts by resource (see Informer 'restart'). */
  readonly watchRestartsTotal: Counter<'resource'>;
}

export interface CreateMetricsOptions {
  /** Process and Node.js runtime metrics (CPU, memory, event loop lag, GC); defaults to true. */
  readonly defaultMetrics?: boolean;
  /**
   * Task counts by state, read at every scrape for the rtmp_tasks gauge (a snapshot taken on a
   * timer would be missing, or stale, right after a start or a leadership change).
   */
  readonly taskStates?: () => Iterable<readonly [state: string, count: number]>;
}

const secondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics(opts: CreateMetricsOptions = {}): OperatorMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const taskStates = opts.taskStates;
  const metrics: OperatorMetrics = {
    registry,
    reconcileTotal: new Counter({
      name: 'rtmp_reconcile_total',
      help: 'Reconciles of RtmpPushTasks by result.',
      labelNames: ['result'],
      registers,
    }),
    reconcileErrorsTotal: new Counter({
      name: 'rtmp_reconcile_errors_total',
      help: 'Reconciles that ended in an error.',
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'rtmp_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      buckets: secondsBuckets,
      registers,
    }),
    workqueueDepth: new Gauge({
      name: 'rtmp_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      registers,
    }),
    workqueueWait: new Histogram({
      name: 'rtmp_workqueue_wait_seconds',
      help: 'Time a key waited in the work queue between being added and being processed.',
      buckets: secondsBuckets,
      registers,
    }),
    workqueueRetriesTotal: new Counter({
      name: 'rtmp_workqueue_retries_total',
      help: 'Keys re-queued with backoff after a failure.',
      registers,
    }),
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
    tasks: new Gauge({
      name: 'rtmp_tasks',
      help: 'RtmpPushTasks by state.',
      labelNames: ['state'],
      registers,
      ...(taskStates !== undefined
        ? {
            collect(this: Gauge<'state'>) {
              this.reset();
              for (const [state, count] of taskStates()) this.set({ state }, count);
            },
          }
        : {}),
    }),
    leader: new Gauge({
      name: 'rtmp_leader',
      help: '1 while this replica is the leader, else 0.',
      registers,
    }),
    watchRestartsTotal: new Counter({
      name: 'rtmp_watch_restarts_total',
      help: 'Abnormal restarts of Kubernetes watches (errors, 410 Gone, watchdog), by resource.',
      labelNames: ['resource'],
      registers,
    }),
  };
  // Exported from the start, so "not leader" is a 0 and not a missing series.
  metrics.leader.set(0);
  return metrics;
}

/** WorkQueue hooks that feed the work-queue metrics. */
export function workQueueMetricsHooks(metrics: OperatorMetrics): WorkQueueHooks {
  return {
    depth: (depth) => metrics.workqueueDepth.set(depth),
    started: (_key, waitMs) => metrics.workqueueWait.observe(waitMs / 1_000),
    retried: () => metrics.workqueueRetriesTotal.inc(),
  };
}
