// In-use protection for credentials Secrets, the way Kubernetes protects a PVC a pod uses: while a
// push started with a Secret in a task's namespace may still be running, the Secret carries the
// finalizer SECRET_IN_USE_FINALIZER, so deleting the namespace (which deletes its Secrets and its
// tasks in no useful order) cannot take away the credentials stoprtmp needs. The finalizer comes
// off once no task uses the Secret any more (deleted, or being deleted and done with its stop).
//
// Chosen over keeping credentials in memory: memory does not survive an operator restart during
// the namespace's deletion, and a restart is exactly when a stop must not be forgotten.
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { FINALIZER, SECRET_IN_USE_FINALIZER } from '../api/v1alpha1/constants.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { Logger } from '../observability/logger.js';
import { httpStatusOf, requestOptions } from '../runtime/kube-client.js';
import { WorkQueue } from '../runtime/work-queue.js';
import type { SecretLookup, SecretRef } from './credentials.js';
import type { SecretProtection } from './reconciler.js';
import { RetryLater } from './task-writes.js';

export interface SecretFinalizerDeps {
  readonly api: Pick<CoreV1Api, 'patchNamespacedSecret'>;
  readonly getSecret: SecretLookup;
  readonly getTask: (namespace: string, name: string) => UnvalidatedRtmpPushTask | undefined;
  /** Task keys using the Secret `namespace/name`. */
  readonly usersOf: (secret: string) => readonly string[];
  readonly logger: Logger;
}

export class SecretFinalizers implements SecretProtection {
  /** Secrets to check for release, keyed namespace/name (leader only). */
  readonly queue: WorkQueue;

  constructor(private readonly deps: SecretFinalizerDeps) {
    this.queue = new WorkQueue({ logger: deps.logger });
  }

  async ensure(ref: SecretRef, _taskNamespace: string, signal: AbortSignal): Promise<void> {
    const secret = this.deps.getSecret(ref.namespace, ref.name);
    if (secret === undefined) return; // resolveCredentials found it; the cache moved on: the reconcile retries
    const finalizers = secret.metadata?.finalizers ?? [];
    if (finalizers.includes(SECRET_IN_USE_FINALIZER)) return;
    // The API server refuses new finalizers on an object being deleted; and a push must not start
    // with credentials that are about to disappear.
    if (secret.metadata?.deletionTimestamp !== undefined) throw new RetryLater(`Secret ${ref.namespace}/${ref.name} is being deleted: no push starts with it`);
    await this.patchFinalizers(secret, 'add', signal);
  }

  /** Queues a check of whether `secret` (namespace/name) may lose its finalizer. */
  readonly check = (secret: string): void => this.queue.add(secret);

  /** Runs the release checks while leading. */
  run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => void this.queue.shutdown({ deadlineMs: 0 }), { once: true });
    return this.queue.run(async (key, workSignal) => {
      await this.releaseIfUnused(key, workSignal);
      this.queue.forget(key);
    }, { concurrency: 1 });
  }

  private async releaseIfUnused(key: string, signal: AbortSignal): Promise<void> {
    const slash = key.indexOf('/');
    const secret = this.deps.getSecret(key.slice(0, slash), key.slice(slash + 1));
    const finalizers = secret?.metadata?.finalizers ?? [];
    if (secret === undefined || !finalizers.includes(SECRET_IN_USE_FINALIZER)) return;
    const inUse = this.deps.usersOf(key).some((taskKey) => {
      const s = taskKey.indexOf('/');
      const task = this.deps.getTask(taskKey.slice(0, s), taskKey.slice(s + 1));
      // A task not being deleted may start a push any moment (its start checks the finalizer is
      // on first, and must not race this removal); one being deleted needs it until it lets go.
      return task !== undefined && (task.metadata.deletionTimestamp === undefined || (task.metadata.finalizers ?? []).includes(FINALIZER));
    });
    if (inUse) return;
    this.deps.logger.info({ secret: key }, 'no task needs these credentials any more: removing the in-use finalizer');
    await this.patchFinalizers(secret, 'remove', signal);
  }

  /**
   * A strategic merge patch: ObjectMeta.finalizers merges as a set there, so adding ours (or
   * deleting it with the $deleteFromPrimitiveList directive) needs no resourceVersion guard and
   * cannot drop another controller's finalizer, however many tasks ask at once.
   */
  private async patchFinalizers(secret: V1Secret, change: 'add' | 'remove', signal: AbortSignal): Promise<void> {
    const namespace = secret.metadata?.namespace ?? '';
    const name = secret.metadata?.name ?? '';
    const metadata = change === 'add' ? { finalizers: [SECRET_IN_USE_FINALIZER] } : { '$deleteFromPrimitiveList/finalizers': [SECRET_IN_USE_FINALIZER] };
    try {
      await this.deps.api.patchNamespacedSecret({ namespace, name, body: { metadata } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch, requestOptions(signal)));
    } catch (err) {
      if (httpStatusOf(err) === 404) return;
      throw err;
    }
  }
}
