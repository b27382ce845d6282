// Wires the watch caches, the work queue and the reconciler together: every change to a task (or
// to a Secret a task uses) queues that task's key; workers run reconciles one per key at a time.
// The caches run on every replica (a standby is warm and ready to take over); workers run only
// while this replica leads.
import type { KubeConfig, KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1/constants.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { Logger } from '../observability/logger.js';
import { TASK_CONTROLLER, workQueueMetricsHooks, type EndReconcile, type OperatorMetrics } from '../observability/metrics.js';
import { Informer, objectKey } from '../runtime/informer.js';
import { WorkQueue } from '../runtime/work-queue.js';
import { secretKey } from './credentials.js';
import type { Reconciler} from './reconciler.js';
import { RetryLater } from './reconciler.js';

export interface ControllerOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch scope; undefined watches every namespace. */
  readonly namespace?: string | undefined;
  readonly logger: Logger;
  readonly metrics?: OperatorMetrics | undefined;
  readonly maxConcurrentReconciles: number;
  /** Restart a watch silent for this long (client-node watches can hang without an error). */
  readonly watchdogMs?: number;
}

export function asTask(obj: KubernetesObject): UnvalidatedRtmpPushTask {
  return obj as unknown as UnvalidatedRtmpPushTask;
}

export function taskCollectionPath(namespace: string | undefined): string {
  return namespace === undefined ? `/apis/${GROUP}/${VERSION}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
}

function secretCollectionPath(namespace: string | undefined): string {
  return namespace === undefined ? '/api/v1/secrets' : `/api/v1/namespaces/${namespace}/secrets`;
}

/** Where Secrets are watched: a namespace (undefined: all), optionally one Secret by name only. */
export interface SecretSource {
  readonly namespace: string | undefined;
  readonly name?: string | undefined;
}

/**
 * The narrowest Secret watches that cover every Secret a task may use: the watched namespace(s),
 * plus the default credentials Secret by name when it lives elsewhere (RBAC there grants only
 * that one Secret, so watching its whole namespace would be refused).
 */
export function secretSources(watchNamespace: string | undefined, defaultSecret: { namespace: string; name: string } | undefined): SecretSource[] {
  if (watchNamespace === undefined) return [{ namespace: undefined }];
  const sources: SecretSource[] = [{ namespace: watchNamespace }];
  if (defaultSecret !== undefined && defaultSecret.namespace !== watchNamespace) sources.push(defaultSecret);
  return sources;
}

export class TaskController {
  readonly tasks: Informer<KubernetesObject>;
  private readonly secretInformers: Informer<V1Secret>[];
  readonly queue: WorkQueue;
  private reconciler: Reconciler | undefined;
  private readonly logger: Logger;
  /** Keys being reconciled → resourceVersions their add/update events brought meanwhile. */
  private readonly seenWhileReconciling = new Map<string, Array<string | undefined>>();
  /** Times one reconcile for controller_runtime_reconcile_* (undefined without metrics). */
  private readonly startReconcile: (() => EndReconcile) | undefined;

  constructor(
    private readonly opts: ControllerOptions,
    secrets: readonly SecretSource[],
  ) {
    this.logger = opts.logger.child({ component: 'controller' });
    const metrics = opts.metrics;
    this.queue = new WorkQueue({ logger: this.logger, ...(metrics !== undefined ? { hooks: workQueueMetricsHooks(metrics, TASK_CONTROLLER) } : {}) });
    this.startReconcile = metrics?.controllerRuntime.controller(TASK_CONTROLLER, opts.maxConcurrentReconciles);
    const common = { kubeConfig: opts.kubeConfig, logger: opts.logger, ...(opts.watchdogMs !== undefined ? { watchdogMs: opts.watchdogMs } : {}) };
    this.tasks = new Informer<KubernetesObject>({ ...common, path: taskCollectionPath(opts.namespace), resource: PLURAL });
    // A Secret's change re-queues the tasks that use it, so fixed credentials apply at once.
    this.secretInformers = secrets.map(
      (src) =>
        new Informer<V1Secret>({
          ...common,
          path: secretCollectionPath(src.namespace),
          resource: 'secrets',
          ...(src.name !== undefined ? { fieldSelector: `metadata.name=${src.name}` } : {}),
        }),
    );

    const enqueue = (obj: KubernetesObject): void => this.queue.add(objectKey(obj));
    // The reconciler's own writes come back as watch events too; it already knows those versions.
    // While a reconcile runs, its write's event may beat the API server's answer to the write, so
    // versions seen meanwhile are judged when it ends (see runWorkers).
    const enqueueUnlessOwn = (obj: KubernetesObject): void => {
      const key = objectKey(obj);
      const rv = obj.metadata?.resourceVersion;
      const seen = this.seenWhileReconciling.get(key);
      if (seen !== undefined) seen.push(rv);
      else if (!this.isOwnVersion(key, rv)) enqueue(obj);
    };
    this.tasks.on('add', enqueueUnlessOwn);
    this.tasks.on('update', enqueueUnlessOwn);
    this.tasks.on('delete', enqueue);
    for (const inf of this.secretInformers) {
      const requeueUsers = (secret: V1Secret): void => this.requeueUsersOf(secret);
      inf.on('add', requeueUsers);
      inf.on('update', requeueUsers);
      inf.on('delete', requeueUsers);
      inf.on('restart', () => metrics?.watchRestartsTotal.inc({ resource: 'secrets' }));
    }
    this.tasks.on('restart', () => metrics?.watchRestartsTotal.inc({ resource: PLURAL }));
  }

  /** The reconciler needs the caches (getTask/getSecret), so it is attached after construction. */
  attach(reconciler: Reconciler): void {
    this.reconciler = reconciler;
  }

  getTask = (namespace: string, name: string): UnvalidatedRtmpPushTask | undefined => {
    const obj = this.tasks.get(namespace, name);
    return obj === undefined ? undefined : asTask(obj);
  };

  getSecret = (namespace: string, name: string): V1Secret | undefined => {
    for (const inf of this.secretInformers) {
      const s = inf.get(namespace, name);
      if (s !== undefined) return s;
    }
    return undefined;
  };

  private isOwnVersion(key: string, resourceVersion: string | undefined): boolean {
    const slash = key.indexOf('/');
    return this.reconciler?.wroteVersion(key.slice(0, slash), key.slice(slash + 1), resourceVersion) === true;
  }

  private requeueUsersOf(secret: V1Secret): void {
    const reconciler = this.reconciler;
    if (reconciler === undefined) return;
    const key = `${secret.metadata?.namespace ?? ''}/${secret.metadata?.name ?? ''}`;
    for (const obj of this.tasks.list()) {
      const ref = reconciler.secretRefOf(asTask(obj));
      if (ref !== undefined && secretKey(ref) === key) {
        this.queue.forget(objectKey(obj));
        this.queue.add(objectKey(obj));
      }
    }
  }

  startCaches(): void {
    this.tasks.start();
    for (const inf of this.secretInformers) inf.start();
  }

  hasSynced(): boolean {
    return this.tasks.hasSynced() && this.secretInformers.every((i) => i.hasSynced());
  }

  async waitForSync(signal: AbortSignal): Promise<void> {
    await Promise.all([this.tasks.waitForSync(signal), ...this.secretInformers.map((i) => i.waitForSync(signal))]);
  }

  /** Runs reconcile workers until the queue is shut down. Call only while leading. */
  async runWorkers(signal: AbortSignal): Promise<void> {
    const reconciler = this.reconciler;
    if (reconciler === undefined) throw new Error('TaskController.runWorkers: no reconciler attached');
    await this.waitForSync(signal);
    await this.queue.run(
      async (key, workSignal) => {
        const slash = key.indexOf('/');
        const namespace = key.slice(0, slash);
        const name = key.slice(slash + 1);
        const end = this.startReconcile?.();
        this.seenWhileReconciling.set(key, []);
        try {
          const result = await reconciler.reconcile(namespace, name, workSignal);
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
          if (seen.some((rv) => !this.isOwnVersion(key, rv))) this.queue.add(key);
        }
      },
      { concurrency: this.opts.maxConcurrentReconciles },
    );
  }

  async stop(deadlineMs: number): Promise<void> {
    await this.queue.shutdown({ deadlineMs });
    await Promise.all([this.tasks.stop(), ...this.secretInformers.map((i) => i.stop())]);
  }
}
