// In-use protection for credentials Secrets, the way Kubernetes protects a PVC a pod uses: while a
// push started with a Secret in a task's namespace may still be running, the Secret carries the
// finalizer SECRET_IN_USE_FINALIZER, so deleting the namespace (which deletes its Secrets and its
// tasks in no useful order) cannot take away the credentials stoprtmp needs. The finalizer comes
// off once no task uses the Secret that is live or still holds its own finalizer.
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
import { isDeleting } from './read-task.js';
import type { SecretProtection } from './reconciler.js';
import { RetryLater } from './task-writes.js';

export interface SecretFinalizerDeps {
  readonly api: Pick<CoreV1Api, 'patchNamespacedSecret' | 'readNamespacedSecret'>;
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
    let secret = this.deps.getSecret(ref.namespace, ref.name);
    if (secret === undefined) return; // resolveCredentials found it; the cache moved on: the reconcile retries
    for (let attempt = 0; ; attempt++) {
      const finalizers = secret.metadata?.finalizers ?? [];
      if (finalizers.includes(SECRET_IN_USE_FINALIZER)) return;
      // The API server refuses new finalizers on an object being deleted; and a push must not start
      // with credentials that are about to disappear.
      if (secret.metadata?.deletionTimestamp !== undefined) throw new RetryLater(`Secret ${ref.namespace}/${ref.name} is being deleted: no push starts with it`);
      if (await this.patchFinalizers(secret, [...finalizers, SECRET_IN_USE_FINALIZER], signal, attempt === 0)) return;
      // Conflict: typically another task's start added the finalizer a moment ago and the cache
      // has not caught up. Look at the Secret as it is now, once.
      const fresh = await this.read(ref.namespace, ref.name, signal);
      if (fresh === undefined) return;
      secret = fresh;
    }
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
    const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
    // The last user's deletion also ends the watch of its Secret, so the cache may have dropped it.
    const secret = this.deps.getSecret(namespace, name) ?? (await this.read(namespace, name, signal));
    const finalizers = secret?.metadata?.finalizers ?? [];
    if (secret === undefined || !finalizers.includes(SECRET_IN_USE_FINALIZER)) return;
    const inUse = this.deps.usersOf(key).some((taskKey) => {
      const s = taskKey.indexOf('/');
      const task = this.deps.getTask(taskKey.slice(0, s), taskKey.slice(s + 1));
      // A live task counts even before its own finalizer shows in the cache: a start adds the
      // Secret's finalizer first and the task's with its intent next, so the Secret's watch event
      // can come back while the cached task has neither the finalizer nor the intent yet.
      return task !== undefined && (!isDeleting(task) || (task.metadata.finalizers ?? []).includes(FINALIZER));
    });
    if (inUse) return;
    this.deps.logger.info({ secret: key }, 'no task needs these credentials any more: removing the in-use finalizer');
    await this.patchFinalizers(secret, finalizers.filter((f) => f !== SECRET_IN_USE_FINALIZER), signal);
  }

  private async read(namespace: string, name: string, signal: AbortSignal): Promise<V1Secret | undefined> {
    try {
      return await this.deps.api.readNamespacedSecret({ namespace, name }, requestOptions(signal));
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Writes `finalizers` if the Secret is still at the version read. False on a conflict when
   * `conflictOk` (the caller looks again), else a conflict is a RetryLater.
   */
  private async patchFinalizers(secret: V1Secret, finalizers: string[], signal: AbortSignal, conflictOk = false): Promise<boolean> {
    const namespace = secret.metadata?.namespace ?? '';
    const name = secret.metadata?.name ?? '';
    try {
      await this.deps.api.patchNamespacedSecret(
        { namespace, name, body: { metadata: { resourceVersion: secret.metadata?.resourceVersion, finalizers } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch, requestOptions(signal)),
      );
      return true;
    } catch (err) {
      if (httpStatusOf(err) === 404) return true;
      if (httpStatusOf(err) === 409) {
        if (conflictOk) return false;
        throw new RetryLater(`Secret ${namespace}/${name} changed while updating its finalizers`);
      }
      throw err;
    }
  }
}
