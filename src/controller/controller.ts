// Wires the watch caches to the work queue and the reconciler: every change to a task (or to a
// Secret a task uses) queues that task's key; workers run reconciles one per key at a time. The
// caches run on every replica (a standby is warm and ready to take over); workers run only while
// this replica leads. Everything it needs is given at construction (controller-runtime style):
// the caches, the reconcile function, which watch events are the reconciler's own writes, and
// which tasks use a Secret.
import type { KubernetesObject } from '@kubernetes/client-node';
import { PLURAL } from '../api/v1alpha1/constants.js';
import type { Logger } from '../observability/logger.js';
import { TASK_CONTROLLER, workQueueMetricsHooks, type EndReconcile, type OperatorMetrics } from '../observability/metrics.js';
import { objectKey } from '../runtime/informer.js';
import { WorkQueue } from '../runtime/work-queue.js';
import type { TaskCaches } from './caches.js';
import type { ReconcileResult } from './reconciler.js';
import { RetryLater } from './task-writes.js';

export interface ControllerOptions {
  readonly caches: TaskCaches;
  readonly reconcile: (namespace: string, name: string, signal: AbortSignal) => Promise<ReconcileResult>;
  /** Whether a task version came from the reconciler's own write (its watch event brings nothing new). */
  readonly isOwnVersion: (key: string, resourceVersion: string | undefined) => boolean;
  /** The tasks (namespace/name) that use the Secret `namespace/name`. */
  readonly secretUsers: (secret: string) => readonly string[];
  readonly logger: Logger;
  readonly metrics?: OperatorMetrics | undefined;
  readonly maxConcurrentReconciles: number;
}

export class TaskController {
  readonly queue: WorkQueue;
  private readonly logger: Logger;
  /** Keys being reconciled → resourceVersions their add/update events brought meanwhile. */
  private readonly seenWhileReconciling = new Map<string, Array<string | undefined>>();
  /** stop() was called: ends a wait for the caches (the queue's shutdown ends the rest). */
  private readonly stopRequested = new AbortController();
  /** Whether runWorkers is draining the queue (this replica leads and its caches synced). */
  private working = false;
  /** Times one reconcile for controller_runtime_reconcile_* (undefined without metrics). */
  private readonly startReconcile: (() => EndReconcile) | undefined;

  constructor(private readonly opts: ControllerOptions) {
    this.logger = opts.logger.child({ component: 'controller' });
    const metrics = opts.metrics;
    this.queue = new WorkQueue({ logger: this.logger, ...(metrics !== undefined ? { hooks: workQueueMetricsHooks(metrics, TASK_CONTROLLER) } : {}) });
    this.startReconcile = metrics?.controllerRuntime.controller(TASK_CONTROLLER, opts.maxConcurrentReconciles);
    const tasks = opts.caches.tasks;
    // The reconciler's own writes come back as watch events too; it already knows those versions.
    // While a reconcile runs, its write's event may beat the API server's answer to the write, so
    // versions seen meanwhile are judged when it ends (see runWorkers).
    const enqueueUnlessOwn = (obj: KubernetesObject): void => {
      const key = objectKey(obj);
      const rv = obj.metadata?.resourceVersion;
      const seen = this.seenWhileReconciling.get(key);
      if (seen !== undefined) seen.push(rv);
      else if (!opts.isOwnVersion(key, rv)) this.queue.add(key);
    };
    tasks.on('add', enqueueUnlessOwn);
    tasks.on('update', enqueueUnlessOwn);
    tasks.on('delete', (obj) => this.queue.add(objectKey(obj)));
    tasks.on('restart', () => metrics?.watchRestartsTotal.inc({ resource: PLURAL }));
    // A Secret's change re-queues the tasks that use it, so fixed credentials apply at once.
    opts.caches.onCredentialsChange((secret) => this.requeue(opts.secretUsers(secret)));
    opts.caches.onSecretWatchRestart(() => metrics?.watchRestartsTotal.inc({ resource: 'secrets' }));
  }

  /** Queues tasks at once, forgetting their backoff (something they wait for changed). */
  requeue(keys: readonly string[]): void {
    for (const key of keys) {
      this.queue.forget(key);
      this.queue.add(key);
    }
  }

  /**
   * Reconciles waiting for a free worker: every worker is busy and more is due. Not the ones
   * running: a report's own write queues a short reconcile, and counting it would hold the next
   * report back. Zero on a replica whose workers do not run (a standby, or before the caches
   * synced): its queue fills from the watch but nothing drains it.
   */
  backlog(): number {
    return this.working ? this.queue.len() : 0;
  }

  /**
   * Runs reconcile workers until the queue is shut down or `signal` aborts (leadership lost):
   * then in-flight reconciles are aborted at once, so no vendor call outlives the Lease.
   */
  async runWorkers(signal: AbortSignal): Promise<void> {
    try {
      await this.opts.caches.waitForSync(AbortSignal.any([signal, this.stopRequested.signal]));
    } catch (err) {
      if (this.stopRequested.signal.aborted) return; // stopped before the caches synced: nothing ran
      throw err;
    }
    const onLost = (): void => void this.queue.shutdown({ deadlineMs: 0 });
    signal.addEventListener('abort', onLost, { once: true });
    this.working = true;
    try {
      await this.queue.run(
        async (key, workSignal) => {
          const slash = key.indexOf('/');
          const namespace = key.slice(0, slash);
          const name = key.slice(slash + 1);
          const end = this.startReconcile?.();
          this.seenWhileReconciling.set(key, []);
          try {
            const result = await this.opts.reconcile(namespace, name, workSignal);
            this.queue.forget(key);
            if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
            end?.(result.requeueAfterMs !== undefined ? 'requeue_after' : 'success');
          } catch (err) {
            end?.('error');
            if (err instanceof RetryLater) {
              this.logger.info({ namespace, name, reason: err.message }, 'reconcile will be retried');
              this.queue.addRateLimited(key);
              return;
            }
            throw err;
          } finally {
            const seen = this.seenWhileReconciling.get(key) ?? [];
            this.seenWhileReconciling.delete(key);
            if (seen.some((rv) => !this.opts.isOwnVersion(key, rv))) this.queue.add(key);
          }
        },
        { concurrency: this.opts.maxConcurrentReconciles },
      );
    } finally {
      this.working = false;
      signal.removeEventListener('abort', onLost);
    }
  }

  /** Stops the workers (the caches are stopped by their owner, after everyone reading them). */
  async stop(deadlineMs: number): Promise<void> {
    this.stopRequested.abort();
    await this.queue.shutdown({ deadlineMs });
  }
}
