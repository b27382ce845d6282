// An in-memory stand-in for the API server and the informer cache, for the callback writer's
// tests: JSON merge patches of /status with resourceVersion preconditions (409 on mismatch), and a
// cache that can lag behind writes the way a watch does.
import pino from 'pino';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { Logger } from '../observability/logger.js';
import { KubeHttpError } from '../runtime/kube-client.js';
import { applyMergePatch } from '../runtime/merge-patch.js';
import type { StatusTarget } from '../runtime/status-writer.js';
import type { StatusPatch } from './status-plan.js';

export const silentLogger: Logger = pino({ level: 'silent' });

export class FakeCluster implements StatusTarget<UnvalidatedRtmpPushTask> {
  private stored: UnvalidatedRtmpPushTask | undefined;
  private cached: UnvalidatedRtmpPushTask | undefined;
  private rv = 1;
  patches: Array<{ resourceVersion: string; status: StatusPatch }> = [];
  gets = 0;
  /** How long the cache takes to see a write (0: at once). */
  cacheLagMs = 0;
  /** Called before each patch is applied; may change the object (a concurrent writer) or throw. */
  beforePatch: ((attempt: number) => void) | undefined;
  /** Never answers patches while set (a hung API server). */
  hang = false;

  constructor(task: UnvalidatedRtmpPushTask) {
    this.stored = clone({ ...task, metadata: { ...task.metadata, resourceVersion: String(this.rv) } });
    this.cached = this.stored;
  }

  /** The informer cache's view. */
  readonly getTask = (key: string): UnvalidatedRtmpPushTask | undefined => (this.cached !== undefined && keyOf(this.cached) === key ? this.cached : undefined);

  get current(): UnvalidatedRtmpPushTask | undefined {
    return this.stored;
  }

  /** Another writer (the reconciler, the other replica) changes the status. */
  externalStatusWrite(status: Record<string, unknown>): void {
    if (this.stored === undefined) throw new Error('deleted');
    this.commit({ ...this.stored, status: { ...(this.stored.status as Record<string, unknown>), ...status } });
  }

  delete(): void {
    this.stored = undefined;
    this.cached = undefined;
  }

  get(key: string): Promise<UnvalidatedRtmpPushTask | undefined> {
    this.gets += 1;
    return Promise.resolve(this.stored !== undefined && keyOf(this.stored) === key ? clone(this.stored) : undefined);
  }

  async patchStatus(key: string, resourceVersion: string, statusPatch: unknown): Promise<UnvalidatedRtmpPushTask> {
    const status = statusPatch as StatusPatch;
    this.beforePatch?.(this.patches.length);
    this.patches.push({ resourceVersion, status: clone(status) });
    if (this.hang) await new Promise(() => undefined);
    if (this.stored === undefined || keyOf(this.stored) !== key) throw new KubeHttpError(404, 'not found');
    if (this.stored.metadata.resourceVersion !== resourceVersion) throw new KubeHttpError(409, 'the object has been modified');
    this.commit({ ...this.stored, status: applyMergePatch(this.stored.status ?? {}, clone(status)) });
    return clone(this.stored);
  }

  private commit(next: UnvalidatedRtmpPushTask): void {
    this.rv += 1;
    const stored = clone({ ...next, metadata: { ...next.metadata, resourceVersion: String(this.rv) } });
    this.stored = stored;
    if (this.cacheLagMs === 0) this.cached = stored;
    else setTimeout(() => (this.cached = stored), this.cacheLagMs);
  }
}

function keyOf(t: UnvalidatedRtmpPushTask): string {
  return `${t.metadata.namespace ?? ''}/${t.metadata.name ?? ''}`;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}
