// Every Kubernetes write the reconciler makes to an RtmpPushTask: status through the shared
// StatusWriter (derived conditions brought up to date on every write), and metadata (finalizer,
// start intent) as merge patches guarded by resourceVersion. All of them are recorded in one
// own-write tracker, which tells the controller which watch events are our own and gives the
// reconciler the freshest copy of a task when the cache has not caught up yet.
import { FINALIZER, START_INTENT_ANNOTATION } from '../api/v1alpha1/constants.js';
import { formatStartIntent, type StartIntent } from '../api/v1alpha1/intent.js';
import type { RtmpPushTaskStatus } from '../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { MetadataPatch, ObjectStore } from '../runtime/custom-object-store.js';
import { httpStatusOf } from '../runtime/kube-client.js';
import { StatusConflictError, type StatusWriter } from '../runtime/status-writer.js';
import { taskKeyOf } from './observe.js';
import { lenientSpec, lenientStatus } from './read-task.js';
import { deriveStatus, type DeriveContext } from './status-derive.js';

/** Thrown to make the work queue retry the key with its per-item exponential backoff. */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

/**
 * Computes the new status from the status as read (and the object, for checks that what was read
 * still allows the write). Return undefined to write nothing.
 */
export type StatusChange = (s: RtmpPushTaskStatus, current: UnvalidatedRtmpPushTask) => RtmpPushTaskStatus | undefined;

export interface Written {
  /** The task after the write (or as read, when nothing changed); undefined when it is gone. */
  readonly task: UnvalidatedRtmpPushTask | undefined;
  /** Status as read before the change (for transition Events). */
  readonly before: RtmpPushTaskStatus | undefined;
  /** When a derived condition changes by time alone. */
  readonly recheckAt: Date | undefined;
}

export class TaskWrites {
  constructor(
    private readonly store: ObjectStore<UnvalidatedRtmpPushTask>,
    private readonly status: StatusWriter<UnvalidatedRtmpPushTask>,
    private readonly derive: () => DeriveContext,
  ) {}

  /** The cache's copy unless it has not seen our last write yet (then that write's result). */
  latest(key: string, cached: UnvalidatedRtmpPushTask | undefined): UnvalidatedRtmpPushTask | undefined {
    return this.status.own.latest(key, cached);
  }

  /** Whether this version of the task came from one of the reconciler's own writes. */
  readonly isOwnVersion = (key: string, resourceVersion: string | undefined): boolean => this.status.own.isOwn(key, resourceVersion);

  forget(key: string): void {
    this.status.own.forget(key);
  }

  /**
   * Applies `change` to the task's status, derives Streaming, Stalled and Ready, and writes only
   * what changed. On a conflict the object is read again and `change` applied to the fresh copy,
   * so no other writer's fields are lost.
   */
  async writeStatus(task: UnvalidatedRtmpPushTask, change: StatusChange, signal: AbortSignal): Promise<Written> {
    let before: RtmpPushTaskStatus | undefined;
    let recheckAt: Date | undefined;
    try {
      const after = await this.status.write(
        taskKeyOf(task),
        task,
        (current) => {
          const read = lenientStatus(current.status);
          before = read;
          const changed = change(read, current);
          if (changed === undefined) return undefined;
          // The generation the decision was made on: a re-read after a conflict may already show
          // a newer spec that nobody has acted on yet.
          const generation = task.metadata.generation ?? 0;
          const derived = deriveStatus({ ...changed, observedGeneration: generation }, lenientSpec(current.spec), this.derive());
          recheckAt = derived.recheckAt;
          return derived.status;
        },
        signal,
      );
      return { task: after, before, recheckAt };
    } catch (err) {
      if (err instanceof StatusConflictError) throw new RetryLater(err.message);
      throw err;
    }
  }

  async setFinalizer(task: UnvalidatedRtmpPushTask, present: boolean, signal: AbortSignal): Promise<UnvalidatedRtmpPushTask | undefined> {
    return this.patchMetadata(
      task,
      (current) => {
        const others = (current.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
        return { finalizers: present ? [...others, FINALIZER] : others };
      },
      signal,
    );
  }

  /** Records the start intent, and the finalizer when missing, in one write before a start. */
  async writeIntent(task: UnvalidatedRtmpPushTask, intent: StartIntent, signal: AbortSignal): Promise<UnvalidatedRtmpPushTask | undefined> {
    return this.patchMetadata(
      task,
      (current) => {
        const finalizers = current.metadata.finalizers ?? [];
        return {
          ...(finalizers.includes(FINALIZER) ? {} : { finalizers: [...finalizers, FINALIZER] }),
          annotations: { [START_INTENT_ANNOTATION]: formatStartIntent(intent) },
        };
      },
      signal,
    );
  }

  /**
   * A metadata patch computed from the object, guarded by its resourceVersion. A conflict with a
   * status-only write (the callback writer's) is read again and retried; a changed spec or a
   * deletion is not: the decision that led here no longer holds.
   */
  private async patchMetadata(task: UnvalidatedRtmpPushTask, compute: (current: UnvalidatedRtmpPushTask) => MetadataPatch, signal: AbortSignal): Promise<UnvalidatedRtmpPushTask | undefined> {
    const key = taskKeyOf(task);
    let current = task;
    const read: Array<string | undefined> = [...this.status.own.replacedVersions(key)];
    for (let attempt = 0; attempt < 5; attempt++) {
      const rv = current.metadata.resourceVersion ?? '';
      read.push(rv);
      try {
        const after = await this.store.patchMetadata(key, rv, compute(current), signal);
        this.status.own.record(key, read, after);
        return after;
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        if (httpStatusOf(err) !== 409) throw err;
        const fresh = await this.store.get(key, signal);
        if (fresh === undefined) return undefined;
        const sameDecision = fresh.metadata.generation === task.metadata.generation && fresh.metadata.deletionTimestamp === task.metadata.deletionTimestamp;
        // 409: the object moved on; the queue brings the newest version back.
        if (!sameDecision) throw new RetryLater('the task changed while updating its metadata');
        current = fresh;
      }
    }
    throw new RetryLater('metadata update kept conflicting');
  }
}
