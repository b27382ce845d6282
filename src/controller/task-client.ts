// The reconciler's Kubernetes writes on RtmpPushTask objects. Every write carries the
// resourceVersion it was computed from: the callback writer on other replicas edits the same
// status, so a stale write must fail with 409 (and be recomputed) instead of erasing theirs.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1/constants.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { httpStatusOf, requestOptions } from '../runtime/kube-client.js';
import { KubeClients } from '../runtime/kube-clients.js';
import { slimObject } from '../runtime/slim-object.js';

/** Shown in managedFields, so the reconciler's writes are told apart from the callback writer's. */
export const RECONCILER_FIELD_MANAGER = 'rtmp-push-operator';

export interface TaskClient {
  get(namespace: string, name: string, signal: AbortSignal): Promise<UnvalidatedRtmpPushTask | undefined>;
  patchStatus(namespace: string, name: string, resourceVersion: string, statusPatch: unknown, signal: AbortSignal): Promise<UnvalidatedRtmpPushTask>;
  patchFinalizers(namespace: string, name: string, resourceVersion: string, finalizers: readonly string[], signal: AbortSignal): Promise<UnvalidatedRtmpPushTask>;
}

function asTask(body: unknown): UnvalidatedRtmpPushTask {
  if (typeof body !== 'object' || body === null || !('metadata' in body)) throw new Error('the API server answered without an object');
  // Kept until the next reconcile: without managedFields (most of the object, unused here).
  return slimObject(body as UnvalidatedRtmpPushTask);
}

export function kubeTaskClient(kubeConfig: KubeConfig): TaskClient {
  const api = KubeClients.for(kubeConfig).makeApiClient(CustomObjectsApi);
  const base = { group: GROUP, version: VERSION, plural: PLURAL };
  const merge = (signal: AbortSignal) => setHeaderOptions('Content-Type', PatchStrategy.MergePatch, requestOptions(signal));
  return {
    async get(namespace, name, signal) {
      try {
        return asTask(await api.getNamespacedCustomObject({ ...base, namespace, name }, requestOptions(signal)));
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async patchStatus(namespace, name, resourceVersion, statusPatch, signal) {
      const body = { metadata: { resourceVersion }, status: statusPatch };
      return asTask(
        await api.patchNamespacedCustomObjectStatus({ ...base, namespace, name, body, fieldManager: RECONCILER_FIELD_MANAGER }, merge(signal)),
      );
    },
    async patchFinalizers(namespace, name, resourceVersion, finalizers, signal) {
      // A merge patch replaces the whole list; the resourceVersion guard makes that safe against
      // another controller adding its own finalizer at the same moment.
      const body = { metadata: { resourceVersion, finalizers: [...finalizers] } };
      return asTask(await api.patchNamespacedCustomObject({ ...base, namespace, name, body, fieldManager: RECONCILER_FIELD_MANAGER }, merge(signal)));
    },
  };
}
