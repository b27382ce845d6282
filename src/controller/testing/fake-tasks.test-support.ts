// In-memory stand-ins for the reconciler's unit tests (kubebuilder style: Reconcile() called
// directly): an API server for RtmpPushTasks that answers merge patches with real 409s and 404s,
// a scripted vendor, and an Event collector.
import type { V1Secret } from '@kubernetes/client-node';
import pino from 'pino';
import type { TaskIdentity } from '../../api/v1alpha1/status.js';
import type { UnvalidatedRtmpPushTask } from '../../api/v1alpha1/types.js';
import type { StartRtmpRequest } from '../../jocloud/wire.js';
import type { Logger } from '../../observability/logger.js';
import type { MetadataPatch, ObjectStore } from '../../runtime/custom-object-store.js';
import { KubeHttpError } from '../../runtime/kube-client.js';
import { applyMergePatch } from '../../runtime/merge-patch.js';
import type { EventSink } from '../events.js';
import { VendorCallFailed, type PushTaskClient, type StopAck, type VendorAck, type VendorFailureKind } from '../external.js';

export const silent: Logger = pino({ level: 'silent' });

export class FakeTasks implements ObjectStore<UnvalidatedRtmpPushTask> {
  private readonly stored = new Map<string, UnvalidatedRtmpPushTask>();
  private rv = 100;
  writes: Array<{ key: string; kind: 'status' | 'metadata'; patch: unknown }> = [];
  /** Called before a write is applied: another writer may change the object (a 409 follows). */
  beforeWrite: ((key: string) => void) | undefined;

  put(task: UnvalidatedRtmpPushTask): UnvalidatedRtmpPushTask {
    const key = `${task.metadata.namespace ?? ''}/${task.metadata.name ?? ''}`;
    const next = structuredClone({ ...task, metadata: { ...task.metadata, resourceVersion: String(++this.rv) } });
    this.stored.set(key, next);
    return structuredClone(next);
  }

  current(key: string): UnvalidatedRtmpPushTask | undefined {
    const t = this.stored.get(key);
    return t === undefined ? undefined : structuredClone(t);
  }

  /** What the watch cache would show (here: always up to date). */
  readonly getTask = (namespace: string, name: string): UnvalidatedRtmpPushTask | undefined => this.current(`${namespace}/${name}`);

  get(key: string): Promise<UnvalidatedRtmpPushTask | undefined> {
    return Promise.resolve(this.current(key));
  }

  patchStatus(key: string, resourceVersion: string, statusPatch: unknown): Promise<UnvalidatedRtmpPushTask> {
    return this.write(key, resourceVersion, 'status', statusPatch, (t) => ({ ...t, status: applyMergePatch(t.status ?? {}, statusPatch) }));
  }

  patchMetadata(key: string, resourceVersion: string, patch: MetadataPatch): Promise<UnvalidatedRtmpPushTask> {
    return this.write(key, resourceVersion, 'metadata', patch, (t) => {
      const annotations = applyMergePatch(t.metadata.annotations ?? {}, patch.annotations ?? {}) as Record<string, string>;
      const finalizers = patch.finalizers !== undefined ? [...patch.finalizers] : t.metadata.finalizers;
      const next = { ...t, metadata: { ...t.metadata, annotations, ...(finalizers !== undefined ? { finalizers } : {}) } };
      // The API server deletes an object being deleted once its last finalizer is gone.
      if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0) return undefined;
      return next;
    });
  }

  private write(
    key: string,
    resourceVersion: string,
    kind: 'status' | 'metadata',
    patch: unknown,
    apply: (t: UnvalidatedRtmpPushTask) => UnvalidatedRtmpPushTask | undefined,
  ): Promise<UnvalidatedRtmpPushTask> {
    this.beforeWrite?.(key);
    const t = this.stored.get(key);
    if (t === undefined) return Promise.reject(new KubeHttpError(404, `${key} not found`));
    if (t.metadata.resourceVersion !== resourceVersion) return Promise.reject(new KubeHttpError(409, 'the object has been modified'));
    this.writes.push({ key, kind, patch: structuredClone(patch) });
    const next = apply(structuredClone(t));
    if (next === undefined) {
      this.stored.delete(key);
      return Promise.resolve({ ...t, metadata: { ...t.metadata, finalizers: [] } });
    }
    return Promise.resolve(this.put(next));
  }
}

export type Scripted = 'ok' | { fail: VendorFailureKind; outcome?: 'refused' | 'unknown'; code?: string; vendorCode?: number } | { alreadyStopped: true };

/** A vendor whose answers are scripted per call; unscripted calls succeed. */
export class ScriptedVendor implements PushTaskClient<StartRtmpRequest> {
  calls: Array<{ endpoint: 'startrtmp' | 'stoprtmp'; identity: TaskIdentity | undefined; credentials: string; request?: StartRtmpRequest }> = [];
  script: Scripted[] = [];
  private seq = 0;

  start(request: StartRtmpRequest, credentials: { restfulId: string }): Promise<VendorAck> {
    this.calls.push({ endpoint: 'startrtmp', identity: undefined, credentials: credentials.restfulId, request });
    return this.answer().then((a) => a);
  }

  stop(identity: TaskIdentity, credentials: { restfulId: string }): Promise<StopAck> {
    this.calls.push({ endpoint: 'stoprtmp', identity, credentials: credentials.restfulId });
    return this.answer();
  }

  private answer(): Promise<StopAck> {
    const traceId = `t${++this.seq}`;
    const next = this.script.shift() ?? 'ok';
    if (next === 'ok') return Promise.resolve({ traceId, code: 0, message: 'success', alreadyStopped: false });
    if ('alreadyStopped' in next) return Promise.resolve({ traceId, code: 2102, message: 'task not found', alreadyStopped: true });
    const outcome = next.outcome ?? (next.fail === 'Retryable' ? 'unknown' : 'refused');
    return Promise.reject(new VendorCallFailed(next.fail, outcome, next.code ?? next.fail, traceId, `scripted ${next.fail}`, next.vendorCode));
  }
}

export class EventLog implements EventSink {
  readonly events: Array<{ type: string; reason: string; message: string }> = [];
  record(_task: UnvalidatedRtmpPushTask, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ type, reason, message });
  }
  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}

export function credentialsSecret(namespace: string, name: string, restfulId: string): V1Secret {
  return {
    metadata: { namespace, name, resourceVersion: '1' },
    data: { restfulId: Buffer.from(restfulId).toString('base64'), restfulSecret: Buffer.from('s3cret').toString('base64') },
  };
}
